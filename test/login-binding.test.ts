// Issue 7 items 1 and 5: each pending login is a row of its own, bound to its
// browser by a cookie of its own, so simultaneous and forced logins in one
// browser cannot overwrite or evict each other, and no session row is written
// before a launch.
import assert from 'node:assert/strict';
import request from 'supertest';
import {
  LAUNCH_URL,
  createHarness,
  postLaunch,
  startLogin,
  type Agent,
  type Harness,
  type HarnessOptions,
  type LoginResult,
} from './helpers/harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function count(h: Harness, table: string): Promise<number> {
  return Number((await h.db(table).count<{ c: string }[]>('* as c'))[0].c);
}

/** Run `task` over `items` with at most `limit` in flight (the box is small). */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]);
      }
    }),
  );
  return results;
}

/** What the platform answers a login with: the form fields the browser posts to the launch. */
async function authorized(h: Harness, login: LoginResult): Promise<{ id_token: string; state: string }> {
  const { idToken, state } = await h.platform.authorize(login.location.searchParams);
  return { id_token: idToken, state };
}

/** A login forced through the user's browser (an <img> in an LMS post): its answer is ignored. */
function forcedLogin(h: Harness, agent: Agent) {
  return agent
    .get('/lti/login')
    .query({ iss: h.platform.issuer, login_hint: 'learner', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId })
    .expect(302);
}

describe('login binding (one row and one cookie per login)', function () {
  this.timeout(60_000);
  let h: Harness;
  let agent: Agent;
  async function setup(options: HarnessOptions = {}) {
    h = await createHarness({ ...options, launch: { autoCreateDeployments: true, ...options.launch } });
    agent = request.agent(h.app);
  }
  afterEach(() => h?.close());

  describe('simultaneous logins in one browser', () => {
    beforeEach(() => setup());

    it('10 logins started together in one cookie jar, then their 10 launches posted together: all 10 launch', async () => {
      const logins = await Promise.all(Array.from({ length: 10 }, () => startLogin(h, agent)));
      assert.equal(new Set(logins.map((l) => l.state)).size, 10);
      const forms = await Promise.all(logins.map((l) => authorized(h, l)));
      const launches = await Promise.all(forms.map((form) => postLaunch(agent, form)));
      const ok = launches.filter((r) => r.status === 200).length;
      assert.equal(ok, 10, `${ok} of 10 launched: ${launches.filter((r) => r.status !== 200).map((r) => r.text).join(' ')}`);
      assert.equal(await count(h, 'lti_logins'), 0, 'every login was taken');
    });

    it('10 logins started together, then their launches one by one in reverse order: all 10 launch', async () => {
      const logins: LoginResult[] = await Promise.all(Array.from({ length: 10 }, () => startLogin(h, agent)));
      let ok = 0;
      for (const login of logins.reverse()) {
        const res = await postLaunch(agent, await authorized(h, login));
        if (res.status === 200) ok++;
      }
      assert.equal(ok, 10, `${ok} of 10 launched`);
    });

    it('20 logins one after the other, launched in reverse order: all 20 launch (no cap evicts the oldest)', async () => {
      const logins: LoginResult[] = [];
      for (let i = 0; i < 20; i++) logins.push(await startLogin(h, agent));
      let ok = 0;
      for (const login of logins.reverse()) {
        const res = await postLaunch(agent, await authorized(h, login));
        if (res.status === 200) ok++;
      }
      assert.equal(ok, 20, `${ok} of 20 launched`);
    });

    it("a launch carries no other tab's pending login into the regenerated session; that tab still launches", async () => {
      const tabA = await startLogin(h, agent);
      const tabB = await startLogin(h, agent);
      await postLaunch(agent, await authorized(h, tabA)).expect(200);
      const rows = await h.db('session').select('sess');
      assert.equal(rows.length, 1);
      assert.deepEqual(Object.keys(rows[0].sess).sort(), ['cookie', 'lti'], 'the session holds the launch only');
      assert.ok(!JSON.stringify(rows[0].sess).includes(tabB.state), "tab B's state is not in the session");
      await postLaunch(agent, await authorized(h, tabB)).expect(200);
    });
  });

  describe('forced logins', () => {
    beforeEach(() => setup());

    it("20 logins forced through the user's browser do not evict the user's own pending login", async () => {
      const mine = await startLogin(h, agent);
      const form = await authorized(h, mine);
      for (let i = 0; i < 20; i++) await forcedLogin(h, agent);
      const res = await postLaunch(agent, form);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.user.id, 'user-instructor-1');
      assert.equal(await count(h, 'lti_logins'), 20, 'the forced logins wait for their expiry');
    });

    it('one forced login concurrent with each of 10 real launches: 10 of 10 launch', async () => {
      const logins = await Promise.all(Array.from({ length: 10 }, () => startLogin(h, agent)));
      const forms = await Promise.all(logins.map((l) => authorized(h, l)));
      const results = await Promise.all(forms.map(async (form) => (await Promise.all([postLaunch(agent, form), forcedLogin(h, agent)]))[0]));
      const ok = results.filter((r) => r.status === 200).length;
      assert.equal(ok, 10, `${ok} of 10 launched`);
    });
  });

  describe('binding', () => {
    it('refuses a state posted from another browser, which does not burn it: the rightful browser still launches', async () => {
      await setup();
      const login = await startLogin(h, agent);
      const form = await authorized(h, login);
      const other = request.agent(h.app);
      await startLogin(h, other); // browser B has a login cookie of its own
      for (const browser of [other, request.agent(h.app)]) {
        const res = await postLaunch(browser, form);
        assert.equal(res.status, 401);
        assert.equal(res.body.error.code, 'state_not_found');
      }
      assert.equal(await count(h, 'lti_logins'), 2, 'both logins are still there');
      await postLaunch(agent, form).expect(200);
    });

    it("refuses login A's cookie sent with login B's state, under either name; both still launch in their browser", async () => {
      await setup();
      const a = await startLogin(h, agent);
      const b = await startLogin(h, agent);
      const [formA, formB] = await Promise.all([authorized(h, a), authorized(h, b)]);
      const cookies = await agent.jar.getCookies({ domain: '127.0.0.1', path: '/lti/launch', secure: false, script: false });
      const valueA = cookies.find((c) => c.name === `lti_login_${a.state}`)!.value;
      for (const cookie of [`lti_login_${a.state}=${valueA}`, `lti_login_${b.state}=${valueA}`]) {
        const res = await request(h.app).post('/lti/launch').set('Cookie', cookie).set('Accept', 'application/json').type('form').send(formB);
        assert.equal(res.status, 401, cookie);
        assert.equal(res.body.error.code, 'state_not_found');
      }
      await postLaunch(agent, formB).expect(200);
      await postLaunch(agent, formA).expect(200);
    });

    it('refuses a state that is no valid cookie name, even with a cookie header to match (401, not a 500)', async () => {
      await setup();
      for (const state of ['a b', 'a,b', '"a"', 'a(b)', 'ä']) {
        const res = await request(h.app)
          .post('/lti/launch')
          .set('Cookie', `lti_login_${state}=x`)
          .set('Accept', 'application/json')
          .type('form')
          .send({ id_token: 'a.b.c', state });
        assert.equal(res.status, 401, `${state}: ${res.text}`);
        assert.equal(res.body.error.code, 'state_not_found');
      }
    });

    it('refuses a state used twice (401 state_not_found), with or without its cookie', async () => {
      await setup();
      const login = await startLogin(h, agent);
      const form = await authorized(h, login);
      const [cookie] = await agent.jar.getCookies({ domain: '127.0.0.1', path: '/lti/launch', secure: false, script: false });
      await postLaunch(agent, form).expect(200);
      // The launch cleared the cookie, so the browser sends none; a replay that sends it anyway is refused too.
      assert.equal(await agent.jar.getCookie(cookie.name, { domain: '127.0.0.1', path: '/lti/launch', secure: false, script: false }), undefined);
      assert.equal((await postLaunch(agent, form)).body.error?.code, 'state_not_found');
      const replay = await request(h.app).post('/lti/launch').set('Cookie', `${cookie.name}=${cookie.value}`).set('Accept', 'application/json').type('form').send(form);
      assert.equal(replay.status, 401);
      assert.equal(replay.body.error?.code, 'state_not_found');
    });

    it('replaying the same launch post with its cookie, 10 at once: exactly one 200', async () => {
      await setup();
      const login = await startLogin(h, agent);
      const form = await authorized(h, login);
      const cookie = (await agent.jar.getCookies({ domain: '127.0.0.1', path: '/lti/launch', secure: false, script: false }))
        .map((c) => `${c.name}=${c.value}`)
        .join('; ');
      assert.match(cookie, new RegExp(`lti_login_${login.state}=`));
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          request(h.app).post('/lti/launch').set('Cookie', cookie).set('Accept', 'application/json').type('form').send(form),
        ),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.body.error?.code, 'state_not_found');
    });

    it('refuses an expired login (401 state_expired) and spends it', async () => {
      await setup({ login: { stateTtlSeconds: 1 } });
      const form = await authorized(h, await startLogin(h, agent));
      await sleep(1_100);
      const res = await postLaunch(agent, form);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'state_expired');
      assert.equal(await count(h, 'lti_logins'), 0);
    });
  });

  describe('rows before a launch (item 5)', () => {
    it('300 logins write no session row; their lti_logins rows expire at the state lifetime and cleanup() removes them', async function () {
      this.timeout(120_000);
      await setup();
      const started = Date.now();
      await pool(Array.from({ length: 300 }), 10, () => startLogin(h, request.agent(h.app)));
      const finished = Date.now();
      assert.equal(await count(h, 'session'), 0, 'no session row for an unauthenticated login');
      assert.equal(await count(h, 'lti_logins'), 300);
      const { min, max } = (await h.db('lti_logins').min('expires_at as min').max('expires_at as max').first()) as { min: Date; max: Date };
      assert.ok(new Date(min).getTime() >= started + 300_000 - 1_000, `earliest expiry ${new Date(min).toISOString()}`);
      assert.ok(new Date(max).getTime() <= finished + 300_000 + 1_000, `latest expiry ${new Date(max).toISOString()}`);

      assert.deepEqual(await h.store.cleanup(), { loginsDeleted: 0 }, 'nothing has expired yet');
      // Five minutes pass for half of them.
      await h.db.raw(`update lti_logins set expires_at = now() - interval '1 second' where state in (select state from lti_logins limit 150)`);
      assert.deepEqual(await h.store.cleanup(), { loginsDeleted: 150 });
      assert.equal(await count(h, 'lti_logins'), 150);
    });
  });

  describe('lti_message_hint', () => {
    beforeEach(() => setup());

    it('echoes an empty lti_message_hint= unaltered (present and empty)', async () => {
      const { location } = await startLogin(h, agent, { lti_message_hint: '' });
      assert.equal(location.searchParams.has('lti_message_hint'), true, 'present');
      assert.equal(location.searchParams.get('lti_message_hint'), '');
      assert.match(location.search, /[?&]lti_message_hint=(&|$)/);
    });

    it('leaves it out when the login did not send it (control)', async () => {
      const { location } = await startLogin(h, agent);
      assert.equal(location.searchParams.has('lti_message_hint'), false);
    });
  });
});
