import assert from 'node:assert/strict';
import request from 'supertest';
import { LAUNCH_URL, TOOL, createHarness, postLaunch, startLogin, type Agent, type Harness } from './helpers/harness';
import { CLAIM } from '../lib';

type Params = Record<string, string>;

/** The three parameters every login needs, for the harness's platform. */
function baseParams(h: Harness): Params {
  return { iss: h.platform.issuer, login_hint: 'instructor', target_link_uri: LAUNCH_URL };
}

/** A urlencoded form body built by hand, so a field may appear more than once. */
function rawForm(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function getLogin(agent: Agent, query: Params | string) {
  const req = agent.get('/lti/login').set('Accept', 'application/json');
  return typeof query === 'string' ? req.query(query) : req.query(query);
}

function postLogin(agent: Agent, body: Params | string) {
  return agent.post('/lti/login').type('form').set('Accept', 'application/json').send(body);
}

/** Assert a JSON LtiError response: status, code, and the error body shape. */
function assertLtiError(res: request.Response, status: number, code: string): { code: string; message: string; spec?: string } {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.ok(res.body && typeof res.body.error === 'object', `no error body: ${res.text}`);
  assert.equal(res.body.error.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(res.headers.location, undefined, 'a refused login must not redirect');
  return res.body.error;
}

/** Pending logins saved (lti_logins rows; each carries its nonce). */
async function nonceCount(h: Harness): Promise<number> {
  const [{ count }] = await h.db('lti_logins').count({ count: '*' });
  return Number(count);
}

const REQUIRED = ['iss', 'login_hint', 'target_link_uri'] as const;
const EXPECTED_AUTH_PARAMS = [
  'client_id',
  'login_hint',
  'nonce',
  'prompt',
  'redirect_uri',
  'response_mode',
  'response_type',
  'scope',
  'state',
];

describe('login rejections', () => {
  let h: Harness;
  let agent: Agent;
  beforeEach(async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
    agent = request.agent(h.app);
  });
  afterEach(() => h.close());

  describe('required parameters', () => {
    for (const name of REQUIRED) {
      it(`refuses a GET without ${name} (400 invalid_request naming it)`, async () => {
        const params = baseParams(h);
        delete (params as Partial<Params>)[name];
        const err = assertLtiError(await getLogin(agent, params), 400, 'invalid_request');
        assert.match(err.message, new RegExp(`"${name}"`));
        assert.match(err.message, /required/);
        assert.equal(await nonceCount(h), 0, 'no nonce is saved for a refused login');
      });

      it(`refuses a POST without ${name} (400 invalid_request naming it)`, async () => {
        const params = baseParams(h);
        delete (params as Partial<Params>)[name];
        const err = assertLtiError(await postLogin(agent, params), 400, 'invalid_request');
        assert.match(err.message, new RegExp(`"${name}"`));
      });

      it(`refuses an empty ${name} (400 invalid_request)`, async () => {
        const err = assertLtiError(await getLogin(agent, { ...baseParams(h), [name]: '' }), 400, 'invalid_request');
        assert.match(err.message, new RegExp(`"${name}"`));
        assert.match(err.message, /empty/);
      });
    }

    const REPEATABLE = [...REQUIRED, 'client_id', 'lti_message_hint', 'lti_deployment_id', 'deployment_id'];
    for (const name of REPEATABLE) {
      it(`refuses ${name} sent twice in the query string (400 invalid_request)`, async () => {
        const base = { ...baseParams(h), client_id: h.platform.clientId };
        const value = (base as Params)[name] ?? 'x';
        const pairs = Object.entries(base).filter(([k]) => k !== name);
        pairs.push([name, value], [name, value]);
        const err = assertLtiError(await getLogin(agent, rawForm(pairs)), 400, 'invalid_request');
        assert.match(err.message, new RegExp(`"${name}"`));
        assert.match(err.message, /once/);
      });

      it(`refuses ${name} sent twice in a form POST (400 invalid_request)`, async () => {
        const base = { ...baseParams(h), client_id: h.platform.clientId };
        const value = (base as Params)[name] ?? 'x';
        const pairs = Object.entries(base).filter(([k]) => k !== name);
        pairs.push([name, value], [name, value]);
        const err = assertLtiError(await postLogin(agent, rawForm(pairs)), 400, 'invalid_request');
        assert.match(err.message, new RegExp(`"${name}"`));
      });
    }

    it('refuses iss=a&iss=b (two different values) on GET and POST', async () => {
      const rest = rawForm([
        ['login_hint', 'instructor'],
        ['target_link_uri', LAUNCH_URL],
      ]);
      const get = assertLtiError(await getLogin(agent, `iss=a&iss=b&${rest}`), 400, 'invalid_request');
      assert.match(get.message, /"iss"/);
      const post = assertLtiError(await postLogin(agent, `iss=a&iss=b&${rest}`), 400, 'invalid_request');
      assert.match(post.message, /"iss"/);
    });

    it('accepts the same parameters sent once (control for the cases above)', async () => {
      await getLogin(agent, { ...baseParams(h), client_id: h.platform.clientId }).expect(302);
      await postLogin(agent, { ...baseParams(h), client_id: h.platform.clientId }).expect(302);
    });
  });

  describe('registration lookup', () => {
    it('refuses an unknown issuer (400 registration_not_found)', async () => {
      const res = await getLogin(agent, { ...baseParams(h), iss: 'https://unknown-platform.test' });
      const err = assertLtiError(res, 400, 'registration_not_found');
      assert.match(err.message, /unknown-platform\.test/);
      assert.equal(await nonceCount(h), 0);
    });

    it('refuses an unknown client_id for a known issuer (400 registration_not_found)', async () => {
      const res = await getLogin(agent, { ...baseParams(h), client_id: 'not-our-client' });
      const err = assertLtiError(res, 400, 'registration_not_found');
      assert.match(err.message, /not-our-client/);
      assert.equal(await nonceCount(h), 0);
    });

    it('logs in without client_id when the issuer has exactly one registration', async () => {
      const res = await getLogin(agent, baseParams(h)).expect(302);
      const location = new URL(res.headers.location as string);
      assert.equal(location.searchParams.get('client_id'), h.platform.clientId);
      assert.equal(await nonceCount(h), 1);
    });

    it('refuses a login without client_id when the issuer has two registrations (400 registration_ambiguous)', async () => {
      await h.store.registerPlatform({ ...h.platform.registration(), clientId: 'second-client' });
      const err = assertLtiError(await getLogin(agent, baseParams(h)), 400, 'registration_ambiguous');
      assert.match(err.message, /client_id/);
      assert.equal(await nonceCount(h), 0);

      // With client_id, each registration is found.
      const second = await getLogin(agent, { ...baseParams(h), client_id: 'second-client' }).expect(302);
      assert.equal(new URL(second.headers.location as string).searchParams.get('client_id'), 'second-client');
      const first = await getLogin(agent, { ...baseParams(h), client_id: h.platform.clientId }).expect(302);
      assert.equal(new URL(first.headers.location as string).searchParams.get('client_id'), h.platform.clientId);
    });
  });

  describe('target_link_uri', () => {
    const REFUSED: [string, string][] = [
      ['a foreign origin', 'https://evil.test/lti/launch'],
      ['a look-alike host', 'https://tool.test.evil.test/lti/launch'],
      ['userinfo pointing elsewhere', 'https://tool.test@evil.test/'],
      ['another port of the tool host', 'https://tool.test:8443/lti/launch'],
      ['plain http of the tool host', 'http://tool.test/lti/launch'],
      ['a javascript: URL', 'javascript:alert(document.cookie)'],
      ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
      ['a protocol-relative URL', '//evil.test/lti/launch'],
      ['a relative path', '/lti/launch'],
      ['a non-URL', 'not a url at all'],
    ];
    for (const [what, target] of REFUSED) {
      it(`refuses ${what} (400 target_link_uri_not_allowed, no redirect)`, async () => {
        const res = await getLogin(agent, { ...baseParams(h), target_link_uri: target });
        const err = assertLtiError(res, 400, 'target_link_uri_not_allowed');
        assert.ok(!res.text.includes('evil.test'), 'the refused URL is not echoed');
        assert.ok(err.spec);
        assert.equal(await nonceCount(h), 0);
      });
    }

    it('refuses a foreign target_link_uri on POST too', async () => {
      const res = await postLogin(agent, { ...baseParams(h), target_link_uri: 'https://evil.test/' });
      assertLtiError(res, 400, 'target_link_uri_not_allowed');
    });

    it('accepts another path on the tool origin (control)', async () => {
      await getLogin(agent, { ...baseParams(h), target_link_uri: `${TOOL}/some/other/page?x=1` }).expect(302);
    });
  });

  describe('the authentication redirect', () => {
    it('carries exactly the OIDC parameters, with no lti_message_hint when none was sent', async () => {
      const res = await getLogin(agent, { ...baseParams(h), login_hint: 'opaque-hint-42', client_id: h.platform.clientId }).expect(302);
      assert.equal(res.headers['cache-control'], 'no-store');
      const location = new URL(res.headers.location as string);
      assert.equal(`${location.origin}${location.pathname}`, h.platform.authEndpoint);
      const q = location.searchParams;
      assert.deepEqual([...new Set(q.keys())].sort(), EXPECTED_AUTH_PARAMS);
      for (const name of EXPECTED_AUTH_PARAMS) assert.equal(q.getAll(name).length, 1, `${name} appears once`);
      assert.equal(q.get('scope'), 'openid');
      assert.equal(q.get('response_type'), 'id_token');
      assert.equal(q.get('response_mode'), 'form_post');
      assert.equal(q.get('prompt'), 'none');
      assert.equal(q.get('client_id'), h.platform.clientId);
      assert.equal(q.get('redirect_uri'), LAUNCH_URL);
      assert.equal(q.get('login_hint'), 'opaque-hint-42');
      assert.equal(q.has('lti_message_hint'), false);
    });

    it('passes a JSON lti_message_hint (as Moodle sends) through unaltered, on GET and POST', async () => {
      const hint = JSON.stringify({ cmid: 42, launchid: 'ltilaunch42_1234567', odd: 'a b+c&d=e%20f/?#é☃' });
      const viaGet = await getLogin(agent, { ...baseParams(h), lti_message_hint: hint }).expect(302);
      const viaPost = await postLogin(agent, { ...baseParams(h), lti_message_hint: hint }).expect(302);
      for (const res of [viaGet, viaPost]) {
        const q = new URL(res.headers.location as string).searchParams;
        assert.deepEqual([...new Set(q.keys())].sort(), [...EXPECTED_AUTH_PARAMS, 'lti_message_hint'].sort());
        assert.deepEqual(q.getAll('lti_message_hint'), [hint]);
      }
    });

    it('keeps the query string of an auth endpoint that already has one', async () => {
      await h.store.registerPlatform({ ...h.platform.registration(), authEndpoint: `${h.platform.url}/auth?tenant=7` });
      const { location } = await startLogin(h, agent);
      assert.equal(`${location.origin}${location.pathname}`, `${h.platform.url}/auth`);
      const q = location.searchParams;
      assert.deepEqual(q.getAll('tenant'), ['7']);
      assert.deepEqual([...new Set(q.keys())].sort(), [...EXPECTED_AUTH_PARAMS, 'tenant'].sort());
      assert.equal(q.get('response_mode'), 'form_post');
      assert.equal(q.get('client_id'), h.platform.clientId);
      // The platform can still answer it and the launch works.
      const { idToken, state } = await h.platform.authorize(q);
      await postLaunch(agent, { id_token: idToken, state }).expect(200);
    });

    it('makes state and nonce of at least 43 base64url characters, different on every login', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const { state, nonce } = await startLogin(h, agent);
        for (const value of [state, nonce]) {
          assert.match(value, /^[A-Za-z0-9_-]{43,}$/);
          assert.ok(!seen.has(value), 'state and nonce never repeat');
          seen.add(value);
        }
      }
      assert.equal(seen.size, 6);
    });

    it('saves the login (state, nonce, cookie hash) in lti_logins for the state lifetime, 300 s', async () => {
      const before = Date.now();
      const { state, nonce } = await startLogin(h, agent);
      const after = Date.now();
      const rows = await h.db('lti_logins').select('state', 'nonce', 'registration_id', 'binding_hash', 'expires_at');
      assert.equal(rows.length, 1);
      assert.equal(rows[0].state, state);
      assert.equal(rows[0].nonce, nonce);
      assert.equal(rows[0].registration_id, h.registration.id);
      assert.match(rows[0].binding_hash, /^[A-Za-z0-9_-]{43}$/);
      const expiresAt = new Date(rows[0].expires_at).getTime();
      assert.ok(expiresAt >= before + 300_000 - 1_000, `expires_at ${new Date(expiresAt).toISOString()} too early`);
      assert.ok(expiresAt <= after + 300_000 + 1_000, `expires_at ${new Date(expiresAt).toISOString()} too late`);
    });
  });

  describe('deployment id at login', () => {
    for (const name of ['lti_deployment_id', 'deployment_id']) {
      it(`accepts ${name} and binds the launch to it`, async () => {
        const { state, nonce, location } = await startLogin(h, agent, { [name]: h.platform.deploymentId });
        assert.equal(location.searchParams.has(name), false, 'the deployment id is not forwarded');
        const claims = h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL });
        await postLaunch(agent, { id_token: await h.platform.sign(claims), state }).expect(200);

        // The same login with another deployment in the token is refused: the login's value was kept.
        const second = await startLogin(h, agent, { [name]: h.platform.deploymentId });
        const other = h.platform.launchClaims({
          nonce: second.nonce,
          targetLinkUri: LAUNCH_URL,
          overrides: { [CLAIM.deploymentId]: 'another-deployment' },
        });
        const res = await postLaunch(agent, { id_token: await h.platform.sign(other), state: second.state });
        assert.equal(res.status, 401, res.text);
        assert.equal(res.body.error.code, 'login_mismatch');
      });
    }

    it('refuses a deployment id longer than 255 characters (400 invalid_request)', async () => {
      const err = assertLtiError(await getLogin(agent, { ...baseParams(h), lti_deployment_id: 'd'.repeat(256) }), 400, 'invalid_request');
      assert.match(err.message, /"lti_deployment_id"/);
    });
  });

  describe('configuration and body', () => {
    it('logs in without express-session (nothing is written there), and the launch says it is missing (500 configuration_error)', async () => {
      const bare = await createHarness({ session: false });
      try {
        const browser = request.agent(bare.app);
        const res = await browser
          .get('/lti/login')
          .set('Accept', 'application/json')
          .query({ ...baseParams(bare), client_id: bare.platform.clientId })
          .expect(302);
        const { idToken, state } = await bare.platform.authorize(new URL(res.headers.location as string).searchParams);
        const launch = await browser.post('/lti/launch').type('form').set('Accept', 'application/json').send({ id_token: idToken, state });
        const err = assertLtiError(launch, 500, 'configuration_error');
        assert.match(err.message, /express-session/);
        assert.equal(await nonceCount(bare), 1, 'the login is left to expire: the launch failed before taking it');
      } finally {
        await bare.close();
      }
    });

    it('refuses an oversized POST body (413 body_too_large)', async () => {
      const body = rawForm([...Object.entries(baseParams(h)), ['lti_message_hint', 'x'.repeat(20_000)]]);
      const err = assertLtiError(await postLogin(agent, body), 413, 'body_too_large');
      assert.match(err.message, /16384/);
      assert.equal(await nonceCount(h), 0);
    });

    it('accepts a POST body just under the limit (control)', async () => {
      const body = rawForm([...Object.entries(baseParams(h)), ['lti_message_hint', 'x'.repeat(15_000)]]);
      await postLogin(agent, body).expect(302);
    });
  });
});
