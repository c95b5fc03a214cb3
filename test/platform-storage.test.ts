// LTI platform storage, server side: the login's storage page, the launch's read-back page, and the checks on the post back.
import assert from 'node:assert/strict';
import request from 'supertest';
import { LAUNCH_URL, createHarness, postLaunch, type Agent, type Harness } from './helpers/harness';

const TARGET = 'post_message_forwarding';

/** The JSON settings block of a storage page, and its CSP nonce. */
function readPage(html: string, csp: string) {
  const json = /<script type="application\/json" id="lti-storage">([^<]*)<\/script>/.exec(html)?.[1];
  assert.ok(json, 'the page has its settings block');
  const nonce = /script-src 'nonce-([A-Za-z0-9_-]+)'/.exec(csp)?.[1];
  assert.ok(nonce, 'the CSP has a script nonce');
  assert.match(html, new RegExp(`<script nonce="${nonce}">`));
  return JSON.parse(json) as Record<string, unknown> & { key: string; value?: string; authUrl?: string; platformOrigin: string; target: string };
}

describe('platform storage (LTI Client Side postMessages): server side', function () {
  this.timeout(20_000);
  let h: Harness;
  before(async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
  });
  after(async () => h.close());

  async function storageLogin(agent: Agent, extra: Record<string, string> = {}) {
    const res = await agent
      .get('/lti/login')
      .query({ iss: h.platform.issuer, login_hint: 'instructor', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId, lti_storage_target: TARGET, ...extra })
      .expect(200);
    const config = readPage(res.text, res.headers['content-security-policy'] as string);
    const auth = new URL(config.authUrl!);
    return { res, config, auth, state: auth.searchParams.get('state')! };
  }

  /** The platform's answer to the auth request, posted as its form would (with lti_storage_target) but without any cookie. */
  async function cookielessLaunch(auth: URL) {
    const { idToken, state } = await h.platform.authorize(auth.searchParams);
    const stranger = request.agent(h.app);
    return { stranger, idToken, state, res: await stranger.post('/lti/launch').type('form').send({ id_token: idToken, state, lti_storage_target: TARGET }) };
  }

  it('a login with lti_storage_target answers with the storage page: binding under a key of its state, data only to the platform\'s origin, strict CSP', async () => {
    const { res, config, auth, state } = await storageLogin(request.agent(h.app));
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.headers['content-security-policy'] as string, /^default-src 'none'; script-src 'nonce-[^']+'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'$/);
    assert.equal(config.mode, 'store');
    assert.equal(config.target, TARGET);
    assert.equal(config.platformOrigin, new URL(h.platform.authEndpoint).origin);
    assert.equal(config.key, `express-lti.binding.${state}`);
    assert.match(config.value!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(`${auth.origin}${auth.pathname}`, h.platform.authEndpoint);
    assert.doesNotMatch(res.text, /postMessage\([^)]*'\*'/, 'never * as target origin');
    // The per-login cookie is set as well: where the browser keeps it, it wins.
    assert.match(String(res.headers['set-cookie']), new RegExp(`lti_login_${state}=`));
    // The relaunch link (new window) is the same login without lti_storage_target.
    const relaunch = /id="relaunch" href="([^"]+)"/.exec(res.text)![1].replace(/&amp;/g, '&');
    const relaunchUrl = new URL(relaunch, 'https://tool.test');
    assert.equal(relaunchUrl.pathname, '/lti/login');
    assert.equal(relaunchUrl.searchParams.get('lti_storage_target'), null);
    assert.equal(relaunchUrl.searchParams.get('login_hint'), 'instructor');
  });

  it('a login without lti_storage_target redirects at once (302)', async () => {
    const query = { iss: h.platform.issuer, login_hint: 'instructor', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId };
    await request(h.app).get('/lti/login').query(query).expect(302);
  });

  it('the launch without the cookie answers with the read-back page (get_data of the same key, to the platform\'s origin), and spends nothing', async () => {
    const { config: stored, auth, state } = await storageLogin(request.agent(h.app));
    const { res, idToken } = await cookielessLaunch(auth);
    assert.equal(res.status, 200);
    const config = readPage(res.text, res.headers['content-security-policy'] as string);
    assert.equal(config.mode, 'fetch');
    assert.equal(config.key, stored.key);
    assert.equal(config.platformOrigin, stored.platformOrigin);
    assert.equal(config.value, undefined, 'the read-back page does not know the secret');
    assert.match(res.text, /<form id="resume" method="post">/);
    assert.ok(res.text.includes(`name="id_token" value="${idToken}"`));
    assert.ok(await h.db('lti_logins').where({ state }).first(), 'the login is still there');
  });

  it('the read-back post with the binding, from the tool\'s own origin, launches; the same post again is refused (single use)', async () => {
    const { config, auth } = await storageLogin(request.agent(h.app));
    const { stranger, idToken, state } = await cookielessLaunch(auth);
    const fields = { id_token: idToken, state, lti_storage_target: TARGET, lti_storage_binding: config.value! };
    const ok = await postLaunch(stranger, fields).set('Host', 'tool.test').set('Origin', 'http://tool.test').set('Sec-Fetch-Site', 'same-origin');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.user.name, 'Ada Instructor');
    const again = await postLaunch(stranger, fields).set('Host', 'tool.test').set('Origin', 'http://tool.test');
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, 'state_not_found');
  });

  it('refuses a binding posted cross-site, without Origin, or from another origin (400), and that does not spend the login', async () => {
    const { config, auth } = await storageLogin(request.agent(h.app));
    const { stranger, idToken, state } = await cookielessLaunch(auth);
    const fields = { id_token: idToken, state, lti_storage_target: TARGET, lti_storage_binding: config.value! };
    const cases: Array<Record<string, string>> = [
      { Host: 'tool.test' },
      { Host: 'tool.test', Origin: 'https://evil.test' },
      { Host: 'tool.test', Origin: 'null' },
      { Host: 'tool.test', Origin: 'http://tool.test', 'Sec-Fetch-Site': 'cross-site' },
      { Host: 'tool.test', Origin: 'http://tool.test', 'Sec-Fetch-Site': 'same-site' },
    ];
    for (const headers of cases) {
      const res = await postLaunch(stranger, fields).set(headers);
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.equal(res.body.error.code, 'invalid_request');
    }
    const ok = await postLaunch(stranger, fields).set({ Host: 'tool.test', Origin: 'http://tool.test' });
    assert.equal(ok.status, 200, 'the login was not spent by the refused posts');
  });

  it('refuses a wrong binding (401 state_not_found) without burning the login', async () => {
    const { config, auth } = await storageLogin(request.agent(h.app));
    const { stranger, idToken, state } = await cookielessLaunch(auth);
    const base = { id_token: idToken, state, lti_storage_target: TARGET };
    const other = await storageLogin(request.agent(h.app));
    for (const binding of [other.config.value!, 'x'.repeat(43)]) {
      const res = await postLaunch(stranger, { ...base, lti_storage_binding: binding }).set({ Host: 'tool.test', Origin: 'http://tool.test' });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'state_not_found');
    }
    const ok = await postLaunch(stranger, { ...base, lti_storage_binding: config.value! }).set({ Host: 'tool.test', Origin: 'http://tool.test' });
    assert.equal(ok.status, 200);
  });

  it('ten read-back posts at once: exactly one launches', async () => {
    const { config, auth } = await storageLogin(request.agent(h.app));
    const { idToken, state } = await cookielessLaunch(auth);
    const fields = { id_token: idToken, state, lti_storage_target: TARGET, lti_storage_binding: config.value! };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => postLaunch(request.agent(h.app), fields).set({ Host: 'tool.test', Origin: 'http://tool.test' })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, ...Array(9).fill(401)]);
  });

  it('without lti_storage_target, or with an undecodable token, the cookieless launch is state_not_found (and spends nothing)', async () => {
    const { auth } = await storageLogin(request.agent(h.app));
    const { idToken, state } = await h.platform.authorize(auth.searchParams);
    const plain = await postLaunch(request.agent(h.app), { id_token: idToken, state });
    assert.equal(plain.body.error.code, 'state_not_found');
    const junk = await postLaunch(request.agent(h.app), { id_token: 'not.a.jwt', state, lti_storage_target: TARGET });
    assert.equal(junk.body.error.code, 'state_not_found');
    assert.ok(await h.db('lti_logins').where({ state }).first());
  });

  it('the dev platform\'s launch form names the storage frame when storage is announced, and not otherwise', async () => {
    const { auth } = await storageLogin(request.agent(h.app));
    const form = await request(h.platform.url).get(`/auth${auth.search}`).expect(200);
    assert.match(form.text, /name="lti_storage_target" value="post_message_forwarding"/);
    h.platform.storage.announce = false;
    try {
      const again = await storageLogin(request.agent(h.app));
      const plain = await request(h.platform.url).get(`/auth${again.auth.search}`).expect(200);
      assert.doesNotMatch(plain.text, /lti_storage_target/);
    } finally {
      h.platform.storage.announce = true;
    }
  });
});

describe('platform storage turned off (platformStorage: false)', function () {
  this.timeout(20_000);
  let h: Harness;
  before(async () => {
    h = await createHarness({ login: { platformStorage: false }, launch: { platformStorage: false } });
  });
  after(async () => h.close());

  it('the login redirects at once despite lti_storage_target, and the cookieless launch is refused (401), with no read-back page', async () => {
    const res = await request(h.app)
      .get('/lti/login')
      .query({ iss: h.platform.issuer, login_hint: 'instructor', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId, lti_storage_target: TARGET })
      .expect(302);
    const { idToken, state } = await h.platform.authorize(new URL(res.headers.location as string).searchParams);
    const launch = await postLaunch(request.agent(h.app), { id_token: idToken, state, lti_storage_target: TARGET });
    assert.equal(launch.status, 401);
    assert.equal(launch.body.error.code, 'state_not_found');
  });
});
