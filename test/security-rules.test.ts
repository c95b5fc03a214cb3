import assert from 'node:assert/strict';
import { createHmac, createSign, type KeyObject } from 'node:crypto';
import { generateKeyPair, exportJWK, base64url } from 'jose';
import request from 'supertest';
import { createHarness, launchWith, startLogin, postLaunch, LAUNCH_URL, type Harness } from './helpers/harness';

/** Sign header.payload with RS256 by hand, so the header can hold what jose would refuse to write. */
function signRaw(h: Harness, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(h.platform.keys[0].privateKey as KeyObject);
  return `${input}.${signature.toString('base64url')}`;
}

/** A token with the platform's real signature but an extra header field. */
function signWithHeader(h: Harness, claims: Record<string, unknown>, extra: Record<string, unknown>): string {
  return signRaw(h, { alg: 'RS256', kid: h.platform.keys[0].kid, ...extra }, claims);
}

describe('security rules', () => {
  let h: Harness;
  afterEach(() => h.close());

  describe('JOSE header (RFC 8725, RFC 7515)', () => {
    beforeEach(async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
    });

    for (const name of ['jku', 'x5u', 'jwk'] as const) {
      it(`refuses a token whose header carries "${name}" (header_not_allowed)`, async () => {
        const agent = request.agent(h.app);
        const { nonce, state } = await startLogin(h, agent);
        const { publicKey } = await generateKeyPair('RS256');
        const values: Record<string, unknown> = {
          jku: 'http://127.0.0.1:9/evil-jwks',
          x5u: 'http://127.0.0.1:9/evil.pem',
          jwk: await exportJWK(publicKey),
        };
        const token = signWithHeader(h, h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }), { [name]: values[name] });
        const res = await postLaunch(agent, { id_token: token, state });
        assert.equal(res.status, 401);
        assert.equal(res.body.error.code, 'header_not_allowed');
        assert.match(res.body.error.message, new RegExp(name));
      });
    }

    it('ignores x5c (never used to pick a key): the platform key still decides', async () => {
      const agent = request.agent(h.app);
      const { nonce, state } = await startLogin(h, agent);
      const token = signWithHeader(h, h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }), { x5c: ['MIIB'] });
      assert.equal((await postLaunch(agent, { id_token: token, state })).status, 200);
    });

    it('refuses an alg that is an object which cannot become a string (found by fuzzing)', async () => {
      const agent = request.agent(h.app);
      const { nonce, state } = await startLogin(h, agent);
      const token = signRaw(h, { alg: { toString: null }, kid: h.platform.keys[0].kid }, h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      const res = await postLaunch(agent, { id_token: token, state });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'algorithm_not_allowed');
    });

    it('refuses a token without kid (kid_missing)', async () => {
      const agent = request.agent(h.app);
      const { nonce, state } = await startLogin(h, agent);
      const token = signRaw(h, { alg: 'RS256' }, h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      const res = await postLaunch(agent, { id_token: token, state });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'kid_missing');
    });

    it('refuses a token with an unknown critical header (crit)', async () => {
      const agent = request.agent(h.app);
      const { nonce, state } = await startLogin(h, agent);
      const token = signWithHeader(h, h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }), { crit: ['exp-policy'], 'exp-policy': 1 });
      const res = await postLaunch(agent, { id_token: token, state });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'token_malformed');
    });

    it('refuses an HS256 token keyed with the platform public key (key confusion)', async () => {
      const agent = request.agent(h.app);
      const { nonce, state } = await startLogin(h, agent);
      const claims = h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL });
      const header = base64url.encode(JSON.stringify({ alg: 'HS256', kid: h.platform.keys[0].kid }));
      const payload = base64url.encode(JSON.stringify(claims));
      const secret = JSON.stringify(h.platform.keys[0].publicJwk);
      const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      const res = await postLaunch(agent, { id_token: `${header}.${payload}.${sig}`, state });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'algorithm_not_allowed');
    });
  });

  describe('audiences (Security Framework §5.1.3 step 3)', () => {
    it('refuses an aud that also names an untrusted audience, even with azp', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { aud: [h.platform.clientId, 'someone-else'], azp: h.platform.clientId } });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'audience_mismatch');
    });

    it('accepts an extra audience the tool trusts, when azp names the tool', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true, trustedAudiences: ['partner-audience'] } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { aud: [h.platform.clientId, 'partner-audience'], azp: h.platform.clientId } });
      assert.equal(res.status, 200, res.text);
    });
  });

  describe('anonymous launches (LTI Core §5.3.6.1)', () => {
    it('are refused by default (claim_missing sub)', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { sub: undefined, name: undefined, email: undefined } });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'claim_missing');
      assert.match(res.body.error.message, /sub/);
    });

    it('are accepted with allowAnonymousLaunches, marked anonymous', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true, allowAnonymousLaunches: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { sub: undefined, name: undefined, email: undefined } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.user.anonymous, true);
      assert.equal(res.body.user.id, undefined, 'no shared placeholder id');
    });

    it('still check sub when present', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true, allowAnonymousLaunches: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { sub: 42 } });
      assert.equal(res.body.error.code, 'claim_invalid');
    });
  });

  describe('login ↔ launch binding', () => {
    it('a platform error response spends the login it answers', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const agent = request.agent(h.app);
      const { location } = await startLogin(h, agent);
      const { idToken, state } = await h.platform.authorize(location.searchParams);
      const error = await postLaunch(agent, { error: 'login_required', state });
      assert.equal(error.body.error.code, 'platform_error');
      const after = await postLaunch(agent, { id_token: idToken, state });
      assert.equal(after.body.error.code, 'state_not_found');
    });

    it('refuses a login whose deployment_id and lti_deployment_id disagree', async () => {
      h = await createHarness();
      const res = await request(h.app)
        .get('/lti/login')
        .set('Accept', 'application/json')
        .query({ iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL, lti_deployment_id: 'a', deployment_id: 'b' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_request');
      assert.match(res.body.error.message, /deployment_id/);
    });
  });

  describe('iframe cookies', () => {
    const loginQuery = (h: Harness) => ({ iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId });

    it('behind a TLS proxy with trust proxy, sets SameSite=None; Secure; Partitioned and does not warn', async () => {
      h = await createHarness({ trustProxy: 1, cookie: { sameSite: 'none', secure: true, partitioned: true } });
      const res = await request(h.app).get('/lti/login').set('X-Forwarded-Proto', 'https').query(loginQuery(h)).expect(302);
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /SameSite=None/);
      assert.match(cookie, /Secure/);
      assert.match(cookie, /Partitioned/);
      assert.equal(h.logs.filter((l) => l.fields.event === 'lti.cookie_warning').length, 0);
    });

    it('without trust proxy a Secure session cookie is never set: the login warns about it', async () => {
      h = await createHarness({ cookie: { sameSite: 'none', secure: true } });
      const res = await request(h.app).get('/lti/login').set('X-Forwarded-Proto', 'https').query(loginQuery(h)).expect(302);
      const setCookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
      assert.deepEqual(setCookies.filter((c) => !c.startsWith('lti_login_')), [], 'only the per-login cookie');
      const warning = h.logs.find((l) => l.fields.event === 'lti.cookie_warning');
      assert.match(warning?.message ?? '', /trust proxy/);
    });
  });

  describe('logging', () => {
    it('logs one structured line per refused launch, with code and issuer and never the token', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const agent = request.agent(h.app);
      const { state } = await startLogin(h, agent);
      const token = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
      await postLaunch(agent, { id_token: token, state }).expect(401);
      const refusals = h.logs.filter((l) => l.fields.event === 'lti.launch_refused');
      assert.equal(refusals.length, 1);
      assert.equal(refusals[0].fields.code, 'algorithm_not_allowed');
      assert.equal(refusals[0].fields.issuer, h.platform.issuer);
      assert.ok(!JSON.stringify(h.logs).includes(token), 'the token is never logged');
    });

    it('logs refused logins with their code', async () => {
      h = await createHarness();
      await request(h.app).get('/lti/login').query({ iss: 'https://unknown.test', login_hint: 'x', target_link_uri: LAUNCH_URL }).expect(400);
      const refusal = h.logs.find((l) => l.fields.event === 'lti.login_refused');
      assert.equal(refusal?.fields.code, 'registration_not_found');
      assert.equal(refusal?.fields.issuer, 'https://unknown.test');
    });

    it('warns once when the session cookie cannot survive a cross-site launch', async () => {
      h = await createHarness();
      const agent = request.agent(h.app);
      await startLogin(h, agent);
      await startLogin(h, agent);
      const warnings = h.logs.filter((l) => l.fields.event === 'lti.cookie_warning');
      assert.equal(warnings.length, 1, 'the test app uses a lax cookie for a cross-site platform');
      assert.match(warnings[0].message ?? '', /SameSite=None; Secure/);
    });
  });
});
