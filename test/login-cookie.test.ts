// The per-login cookie (issue 7 item 1): its attributes, copied from the session
// cookie so it comes back in a cross-site (partitioned) iframe, and its clearing at launch.
import assert from 'node:assert/strict';
import request from 'supertest';
import { ConfigurationError, ltiLaunch, ltiLogin } from '../lib';
import { LAUNCH_URL, createHarness, postLaunch, startLogin, type Agent, type Harness, type HarnessOptions } from './helpers/harness';

/** The Set-Cookie lines of a response. */
function setCookies(res: request.Response): string[] {
  return (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
}

/** The per-login cookie line a response sets for `state`. */
function loginCookieLine(res: request.Response, state: string): string {
  const line = setCookies(res).find((c) => c.startsWith(`lti_login_${state}=`));
  assert.ok(line, `no lti_login_ cookie for the state in ${JSON.stringify(setCookies(res))}`);
  return line;
}

describe('the per-login cookie', function () {
  this.timeout(60_000);
  let h: Harness;
  let agent: Agent;
  async function setup(options: HarnessOptions = {}) {
    h = await createHarness({ ...options, launch: { autoCreateDeployments: true, ...options.launch } });
    agent = request.agent(h.app);
  }
  afterEach(() => h?.close());

  const query = (h: Harness) => ({ iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId });

  it('is HttpOnly, on the launch path, random, lives the state lifetime (+60 s), and the launch clears it', async () => {
    await setup();
    const res = await agent.get('/lti/login').query(query(h)).expect(302);
    const state = new URL(res.headers.location as string).searchParams.get('state')!;
    const line = loginCookieLine(res, state);
    assert.match(line, /^lti_login_[A-Za-z0-9_-]{43}=[A-Za-z0-9_-]{43};/);
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; Path=\/lti\/launch(;|$)/);
    assert.match(line, /; Max-Age=360(;|$)/);
    // The harness's session cookie has express-session's defaults (no SameSite, not Secure): copied.
    assert.doesNotMatch(line, /SameSite|Secure|Partitioned/);
    const row = await h.db('lti_logins').where({ state }).first();
    assert.notEqual(row.binding_hash, line.split(';')[0].split('=')[1], 'only a hash of the value is stored');

    const { idToken } = await h.platform.authorize(new URL(res.headers.location as string).searchParams);
    const launched = await postLaunch(agent, { id_token: idToken, state }).expect(200);
    const cleared = loginCookieLine(launched, state);
    assert.match(cleared, new RegExp(`^lti_login_${state}=;`));
    assert.match(cleared, /; Max-Age=0(;|$)/);
    assert.match(cleared, /; Path=\/lti\/launch(;|$)/);
  });

  it('is cleared by a refused launch too', async () => {
    await setup();
    const login = await startLogin(h, agent);
    const res = await postLaunch(agent, { id_token: 'not.a.token', state: login.state });
    assert.equal(res.status, 401);
    assert.match(loginCookieLine(res, login.state), /; Max-Age=0(;|$)/);
  });

  it('copies SameSite=None; Secure; Partitioned from a session cookie set that way (behind trust proxy), at login and when cleared', async () => {
    await setup({ trustProxy: 1, cookie: { sameSite: 'none', secure: true, partitioned: true } });
    const res = await request(h.app).get('/lti/login').set('X-Forwarded-Proto', 'https').query(query(h)).expect(302);
    const location = new URL(res.headers.location as string);
    const state = location.searchParams.get('state')!;
    const line = loginCookieLine(res, state);
    for (const attribute of [/; Secure/, /; SameSite=None/, /; Partitioned/, /; HttpOnly/]) assert.match(line, attribute);
    assert.equal(setCookies(res).length, 1, 'no session cookie at login');

    const { idToken } = await h.platform.authorize(location.searchParams);
    const launched = await request(h.app)
      .post('/lti/launch')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', line.split(';')[0])
      .set('Accept', 'application/json')
      .type('form')
      .send({ id_token: idToken, state })
      .expect(200);
    const cleared = loginCookieLine(launched, state);
    for (const attribute of [/; Max-Age=0/, /; Secure/, /; SameSite=None/, /; Partitioned/]) assert.match(cleared, attribute);
  });

  it('without express-session: SameSite=None; Secure; Partitioned on https, and the loginCookie option overrides', async () => {
    await setup({ session: false, trustProxy: 1 });
    const res = await request(h.app).get('/lti/login').set('X-Forwarded-Proto', 'https').query(query(h)).expect(302);
    const state = new URL(res.headers.location as string).searchParams.get('state')!;
    for (const attribute of [/; Secure/, /; SameSite=None/, /; Partitioned/]) assert.match(loginCookieLine(res, state), attribute);
    await h.close();

    await setup({ login: { loginCookie: { sameSite: 'strict', namePrefix: 'lti_' } } });
    const custom = await request(h.app).get('/lti/login').query(query(h)).expect(302);
    const customState = new URL(custom.headers.location as string).searchParams.get('state')!;
    const line = setCookies(custom).find((c) => c.startsWith(`lti_${customState}=`));
    assert.ok(line, JSON.stringify(setCookies(custom)));
    assert.match(line, /; SameSite=Strict/);
  });

  it('refuses a cookie name prefix that is no cookie-name token, when the middleware is made', async () => {
    await setup();
    for (const namePrefix of ['', 'lti login', 'lti;', 'x'.repeat(65)]) {
      assert.throws(() => ltiLogin({ store: h.store, launchUrl: LAUNCH_URL, loginCookie: { namePrefix } }), ConfigurationError, namePrefix);
      assert.throws(() => ltiLaunch({ store: h.store, loginCookie: { namePrefix } }), ConfigurationError, namePrefix);
    }
  });
});
