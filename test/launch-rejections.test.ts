import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { CompactSign, SignJWT, base64url, generateKeyPair } from 'jose';
import { CLAIM, type DeploymentNotFoundInfo } from '../lib';
import {
  LAUNCH_URL,
  createHarness,
  launchWith,
  postLaunch,
  startLogin,
  type Agent,
  type Harness,
  type HarnessOptions,
} from './helpers/harness';

type LtiErrorBody = { code: string; message: string; spec?: string };

/** Assert a JSON LtiError response: status and code, and return the error body. */
function assertLtiError(res: request.Response, status: number, code: string): LtiErrorBody {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.ok(res.body && typeof res.body.error === 'object', `no error body: ${res.text}`);
  assert.equal(res.body.error.code, code, res.text);
  assert.equal(typeof res.body.error.message, 'string');
  return res.body.error;
}

/** The nonces of the pending logins (lti_logins rows) not yet taken. */
async function nonceRows(h: Harness): Promise<string[]> {
  return (await h.db('lti_logins').select('nonce')).map((r: { nonce: string }) => r.nonce);
}

async function deploymentRows(h: Harness): Promise<number> {
  const [{ count }] = await h.db('lti_deployments').count({ count: '*' });
  return Number(count);
}

/**
 * Log in, then post a token made by `makeToken` from valid claims for that
 * login. Returns the response and the login's nonce and state.
 */
async function launchWithToken(
  h: Harness,
  agent: Agent,
  makeToken: (claims: Record<string, unknown>) => Promise<string> | string,
  overrides?: Record<string, unknown>,
) {
  const { state, nonce } = await startLogin(h, agent);
  const claims = h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL, overrides });
  const idToken = await makeToken(claims);
  const res = await postLaunch(agent, { id_token: idToken, state });
  return { res, state, nonce, idToken };
}

const now = () => Math.floor(Date.now() / 1000);

describe('launch rejections', () => {
  let h: Harness;
  let agent: Agent;
  async function setup(options: HarnessOptions = { launch: { autoCreateDeployments: true } }) {
    h = await createHarness(options);
    agent = request.agent(h.app);
  }
  afterEach(() => h?.close());

  describe('request parameters', () => {
    beforeEach(() => setup());

    it('refuses a post without id_token (400 invalid_request)', async () => {
      const { state } = await startLogin(h, agent);
      const err = assertLtiError(await postLaunch(agent, { state }), 400, 'invalid_request');
      assert.match(err.message, /"id_token"/);
    });

    it('refuses a post without state (400 invalid_request)', async () => {
      const { nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      const err = assertLtiError(await postLaunch(agent, { id_token: idToken }), 400, 'invalid_request');
      assert.match(err.message, /"state"/);
      assert.deepEqual(await nonceRows(h), [nonce], 'the nonce is untouched');
    });

    it('refuses an empty id_token and a repeated state (400 invalid_request)', async () => {
      const { state, nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      const empty = assertLtiError(await postLaunch(agent, { id_token: '', state }), 400, 'invalid_request');
      assert.match(empty.message, /"id_token"/);
      const body = `id_token=${idToken}&state=${state}&state=${state}`;
      const twice = await agent.post('/lti/launch').type('form').set('Accept', 'application/json').send(body);
      assert.match(assertLtiError(twice, 400, 'invalid_request').message, /"state"/);
      // Neither spent the state: the same login still launches.
      await postLaunch(agent, { id_token: idToken, state }).expect(200);
    });

    it('refuses an id_token sent by GET (400 invalid_request)', async () => {
      const { state, nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      const res = await agent.get('/lti/launch').set('Accept', 'application/json').query({ id_token: idToken, state });
      const err = assertLtiError(res, 400, 'invalid_request');
      assert.match(err.message, /"id_token"/);
      assert.deepEqual(await nonceRows(h), [nonce]);
    });

    it('refuses an oversized body (413 body_too_large)', async () => {
      const { state } = await startLogin(h, agent);
      const res = await postLaunch(agent, { id_token: 'x'.repeat(300_000), state });
      assertLtiError(res, 413, 'body_too_large');
    });
  });

  describe('platform errors', () => {
    beforeEach(() => setup());
    const fields = { error: 'login_required', error_description: '<script>alert("pwned")</script>' };

    it('answers a platform error with 401 platform_error (JSON)', async () => {
      await startLogin(h, agent);
      const err = assertLtiError(await postLaunch(agent, fields), 401, 'platform_error');
      assert.match(err.message, /login_required/);
    });

    it('never shows the platform error_description on the HTML page, neither raw nor escaped', async () => {
      await startLogin(h, agent);
      const res = await agent.post('/lti/launch').type('form').set('Accept', 'text/html').send(fields);
      assert.equal(res.status, 401);
      assert.match(String(res.headers['content-type']), /text\/html/);
      assert.ok(!res.text.includes('<script>'), `raw <script> in: ${res.text}`);
      assert.ok(!/pwned/.test(res.text), `the description is shown: ${res.text}`);
      assert.ok(res.text.includes('platform_error'));
    });
  });

  describe('state', () => {
    it('refuses an unknown state (401 state_not_found)', async () => {
      await setup();
      const { nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      assertLtiError(await postLaunch(agent, { id_token: idToken, state: 'A'.repeat(43) }), 401, 'state_not_found');
      // And from a browser with no session at all.
      assertLtiError(await postLaunch(request.agent(h.app), { id_token: idToken, state: 'A'.repeat(43) }), 401, 'state_not_found');
      assert.deepEqual(await nonceRows(h), [nonce]);
    });

    it('refuses a state used twice (second post: 401 state_not_found)', async () => {
      await setup();
      const { state, nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      await postLaunch(agent, { id_token: idToken, state }).expect(200);
      assertLtiError(await postLaunch(agent, { id_token: idToken, state }), 401, 'state_not_found');
    });

    it('spends a state even when its launch is refused', async () => {
      await setup();
      const { state, nonce } = await startLogin(h, agent);
      const bad = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL, overrides: { sub: '' } }));
      assertLtiError(await postLaunch(agent, { id_token: bad, state }), 401, 'claim_invalid');
      const good = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      assertLtiError(await postLaunch(agent, { id_token: good, state }), 401, 'state_not_found');
    });

    it('refuses an expired state (401 state_expired)', async () => {
      await setup({ launch: { autoCreateDeployments: true }, login: { stateTtlSeconds: 1 } });
      const { state, nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      await sleep(1_100);
      assertLtiError(await postLaunch(agent, { id_token: idToken, state }), 401, 'state_expired');
      assert.deepEqual(await nonceRows(h), [], 'an expired login is spent as well: nothing outlives its state');
      assertLtiError(await postLaunch(agent, { id_token: idToken, state }), 401, 'state_not_found');
    });

    it('accepts a state just inside its lifetime (control for state_expired)', async () => {
      await setup({ launch: { autoCreateDeployments: true }, login: { stateTtlSeconds: 2 } });
      const { state, nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      await sleep(1_100);
      await postLaunch(agent, { id_token: idToken, state }).expect(200);
    });

    it('refuses a state from another browser (401 state_not_found), which leaves it to its own browser', async () => {
      await setup();
      const other = request.agent(h.app);
      await startLogin(h, other); // browser B has a session of its own
      const { state, nonce } = await startLogin(h, agent);
      const idToken = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }));
      assertLtiError(await postLaunch(other, { id_token: idToken, state }), 401, 'state_not_found');
      assertLtiError(await postLaunch(request.agent(h.app), { id_token: idToken, state }), 401, 'state_not_found');
      await postLaunch(agent, { id_token: idToken, state }).expect(200);
    });

    it('fails with 500 configuration_error when express-session is not mounted', async () => {
      await setup({ session: false, launch: { autoCreateDeployments: true } });
      const err = assertLtiError(await postLaunch(agent, { id_token: 'a.b.c', state: 'A'.repeat(43) }), 500, 'configuration_error');
      assert.match(err.message, /express-session/);
    });
  });

  describe('token signature and header', () => {
    beforeEach(() => setup());

    /**
     * Each refusal spends the login (single use even when the launch fails); only
     * the browser holding the login's cookie can do that (see "state from another browser").
     */
    async function refused(attempt: Awaited<ReturnType<typeof launchWithToken>>, code: string) {
      const err = assertLtiError(attempt.res, 401, code);
      assert.deepEqual(await nonceRows(h), [], 'the refused launch spent its login');
      return err;
    }

    it('refuses a garbage token (401 token_malformed)', async () => {
      await refused(await launchWithToken(h, agent, () => 'this-is-not-a-jwt'), 'token_malformed');
    });

    it('refuses a validly signed token whose payload is not a JSON object (401 token_malformed)', async () => {
      const { kid, privateKey } = h.platform.keys[0];
      const attempt = await launchWithToken(h, agent, () =>
        new CompactSign(new TextEncoder().encode('not json')).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey),
      );
      await refused(attempt, 'token_malformed');
    });

    it('refuses a token whose header is not JSON (401 token_malformed)', async () => {
      const attempt = await launchWithToken(h, agent, async (claims) => {
        const [, payload, signature] = (await h.platform.sign(claims)).split('.');
        return `${base64url.encode('{not json')}.${payload}.${signature}`;
      });
      await refused(attempt, 'token_malformed');
    });

    it('refuses a token signed by another key under the platform kid (401 signature_invalid)', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const err = await refused(await launchWithToken(h, agent, (claims) => h.platform.sign(claims, { key: privateKey })), 'signature_invalid');
      assert.ok(!err.message.includes('eyJ'), 'the token is not echoed');
    });

    it('refuses a token whose payload was changed after signing (401 signature_invalid)', async () => {
      const attempt = await launchWithToken(h, agent, async (claims) => {
        const [header, , signature] = (await h.platform.sign(claims)).split('.');
        const payload = base64url.encode(JSON.stringify({ ...claims, sub: 'someone-else' }));
        return `${header}.${payload}.${signature}`;
      });
      await refused(attempt, 'signature_invalid');
    });

    it('refuses HS256 signed with a secret (401 algorithm_not_allowed)', async () => {
      const kid = h.platform.keys[0].kid;
      const attempt = await launchWithToken(h, agent, (claims) =>
        new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' }).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!')),
      );
      const err = await refused(attempt, 'algorithm_not_allowed');
      assert.match(err.message, /HS256/);
    });

    it('refuses alg "none" (401 algorithm_not_allowed)', async () => {
      const kid = h.platform.keys[0].kid;
      const attempt = await launchWithToken(h, agent, (claims) => {
        const header = base64url.encode(JSON.stringify({ alg: 'none', kid, typ: 'JWT' }));
        return `${header}.${base64url.encode(JSON.stringify(claims))}.`;
      });
      const err = await refused(attempt, 'algorithm_not_allowed');
      assert.match(err.message, /none/);
    });

    it('refuses a token with no alg in its header (401 algorithm_not_allowed)', async () => {
      const attempt = await launchWithToken(h, agent, async (claims) => {
        const [, payload, signature] = (await h.platform.sign(claims)).split('.');
        return `${base64url.encode(JSON.stringify({ kid: h.platform.keys[0].kid }))}.${payload}.${signature}`;
      });
      await refused(attempt, 'algorithm_not_allowed');
    });

    it('refuses an RSA algorithm other than RS256 (401 algorithm_not_allowed)', async () => {
      const attempt = await launchWithToken(h, agent, (claims) => h.platform.sign(claims, { alg: 'RS512' }));
      await refused(attempt, 'algorithm_not_allowed');
    });

    it('refuses an unknown kid (401 signing_key_not_found)', async () => {
      await refused(await launchWithToken(h, agent, (claims) => h.platform.sign(claims, { kid: 'no-such-kid' })), 'signing_key_not_found');
    });

    it('launches the same token shape when signed properly (control)', async () => {
      const attempt = await launchWithToken(h, agent, (claims) => h.platform.sign(claims));
      assert.equal(attempt.res.status, 200, attempt.res.text);
      assert.deepEqual(await nonceRows(h), [], 'a launch consumes the nonce');
    });
  });

  describe('standard claims', () => {
    // A second audience the tool trusts, so aud arrays reach the azp checks.
    const TRUSTED = 'trusted-other-client';
    beforeEach(() => setup({ launch: { autoCreateDeployments: true, trustedAudiences: [TRUSTED] } }));

    async function rejects(input: Parameters<typeof launchWith>[2], code: string, claim?: string): Promise<LtiErrorBody> {
      const before = (await nonceRows(h)).length;
      const res = await launchWith(h, agent, input);
      const err = assertLtiError(res, 401, code);
      if (claim !== undefined) assert.ok(err.message.includes(claim), `message should name ${claim}: ${err.message}`);
      assert.equal((await nonceRows(h)).length, before, 'the refused launch spent its login');
      return err;
    }

    it('refuses a wrong iss (401 issuer_mismatch)', async () => {
      await rejects({ overrides: { iss: 'https://other-platform.test' } }, 'issuer_mismatch');
    });

    it('refuses a token without iss (401 claim_missing)', async () => {
      await rejects({ overrides: { iss: undefined } }, 'claim_missing', 'iss');
    });

    it('refuses an aud without our client_id (401 audience_mismatch)', async () => {
      await rejects({ overrides: { aud: 'someone-else' } }, 'audience_mismatch');
      await rejects({ overrides: { aud: ['someone-else', 'another'], azp: 'someone-else' } }, 'audience_mismatch');
    });

    it('refuses an aud listing an audience the tool does not trust (401 audience_mismatch)', async () => {
      await rejects({ overrides: { aud: [h.platform.clientId, 'untrusted-client'], azp: h.platform.clientId } }, 'audience_mismatch');
    });

    it('refuses an aud array of two entries without azp (401 azp_mismatch)', async () => {
      const err = await rejects({ overrides: { aud: [h.platform.clientId, TRUSTED] } }, 'azp_mismatch');
      assert.match(err.message, /required/);
    });

    it('refuses an azp that is not our client_id (401 azp_mismatch)', async () => {
      await rejects({ overrides: { aud: [h.platform.clientId, TRUSTED], azp: TRUSTED } }, 'azp_mismatch');
      await rejects({ overrides: { azp: TRUSTED } }, 'azp_mismatch');
    });

    it('accepts an aud array whose azp is our client_id', async () => {
      const res = await launchWith(h, agent, { overrides: { aud: [h.platform.clientId, TRUSTED], azp: h.platform.clientId } });
      assert.equal(res.status, 200, res.text);
    });

    it('accepts an aud array of one entry without azp', async () => {
      const res = await launchWith(h, agent, { overrides: { aud: [h.platform.clientId] } });
      assert.equal(res.status, 200, res.text);
    });

    it('refuses an exp in the past (401 token_expired)', async () => {
      await rejects({ overrides: { iat: now() - 120, exp: now() - 60 } }, 'token_expired');
    });

    it('refuses a token without exp (401 claim_missing)', async () => {
      await rejects({ overrides: { exp: undefined } }, 'claim_missing', 'exp');
    });

    it('refuses a token without iat (401 claim_missing)', async () => {
      await rejects({ overrides: { iat: undefined } }, 'claim_missing', 'iat');
    });

    it('refuses an iat in the future beyond the 30 s tolerance (401 iat_invalid)', async () => {
      const err = await rejects({ overrides: { iat: now() + 60 } }, 'iat_invalid');
      assert.match(err.message, /future/);
    });

    it('accepts an iat a few seconds in the future, within tolerance (control)', async () => {
      const res = await launchWith(h, agent, { overrides: { iat: now() + 3 } });
      assert.equal(res.status, 200, res.text);
    });

    it('accepts an iat 25 s in the future: the default tolerance is 30 s (control)', async () => {
      const res = await launchWith(h, agent, { overrides: { iat: now() + 25 } });
      assert.equal(res.status, 200, res.text);
    });

    it('refuses an iat older than 600 s (401 iat_invalid)', async () => {
      const err = await rejects({ overrides: { iat: now() - 700, exp: now() + 300 } }, 'iat_invalid');
      assert.match(err.message, /past/);
    });

    it('accepts an iat 9 minutes old (control)', async () => {
      const res = await launchWith(h, agent, { overrides: { iat: now() - 540, exp: now() + 300 } });
      assert.equal(res.status, 200, res.text);
    });

    it('refuses a non-numeric iat (401 iat_invalid)', async () => {
      await rejects({ overrides: { iat: String(now()) } }, 'iat_invalid');
    });

    it('refuses a nonce different from the login\'s (401 nonce_mismatch)', async () => {
      await rejects({ overrides: { nonce: 'B'.repeat(43) } }, 'nonce_mismatch');
    });

    it('refuses a token without nonce (401 claim_missing)', async () => {
      await rejects({ overrides: { nonce: undefined } }, 'claim_missing', 'nonce');
    });
  });

  describe('LTI claims', () => {
    beforeEach(() => setup());

    type Case = [name: string, overrides: Record<string, unknown>, code: string, claim: string];
    const DL = 'LtiDeepLinkingRequest';
    const dlSettings = {
      deep_link_return_url: 'https://platform.test/deep-link-return',
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe'],
    };
    const CASES: Case[] = [
      ['version missing', { [CLAIM.version]: undefined }, 'claim_missing', 'version'],
      ['version "1.1"', { [CLAIM.version]: '1.1' }, 'claim_invalid', 'version'],
      ['version a number', { [CLAIM.version]: 1.3 }, 'claim_invalid', 'version'],
      ['message_type missing', { [CLAIM.messageType]: undefined }, 'claim_missing', 'message_type'],
      ['message_type unknown', { [CLAIM.messageType]: 'LtiSubmissionReviewRequest' }, 'claim_invalid', 'message_type'],
      ['deployment_id missing', { [CLAIM.deploymentId]: undefined }, 'claim_missing', 'deployment_id'],
      ['deployment_id not a string', { [CLAIM.deploymentId]: 42 }, 'claim_invalid', 'deployment_id'],
      ['deployment_id empty', { [CLAIM.deploymentId]: '' }, 'claim_invalid', 'deployment_id'],
      ['deployment_id over 255 characters', { [CLAIM.deploymentId]: 'd'.repeat(256) }, 'claim_invalid', 'deployment_id'],
      ['sub missing', { sub: undefined }, 'claim_missing', 'sub'],
      ['sub empty', { sub: '' }, 'claim_invalid', 'sub'],
      ['sub over 255 characters', { sub: 's'.repeat(256) }, 'claim_invalid', 'sub'],
      ['sub not a string', { sub: 12345 }, 'claim_invalid', 'sub'],
      ['roles missing', { [CLAIM.roles]: undefined }, 'claim_missing', 'roles'],
      ['roles a string', { [CLAIM.roles]: 'Instructor' }, 'claim_invalid', 'roles'],
      ['roles with a non-string', { [CLAIM.roles]: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner', 7] }, 'claim_invalid', 'roles'],
      ['resource_link missing', { [CLAIM.resourceLink]: undefined }, 'claim_missing', 'resource_link'],
      ['resource_link not an object', { [CLAIM.resourceLink]: 'resource-link-1' }, 'claim_invalid', 'resource_link'],
      ['resource_link.id missing', { [CLAIM.resourceLink]: { title: 'no id' } }, 'claim_missing', 'resource_link.id'],
      ['resource_link.id over 255 characters', { [CLAIM.resourceLink]: { id: 'r'.repeat(256) } }, 'claim_invalid', 'resource_link.id'],
      ['target_link_uri missing', { [CLAIM.targetLinkUri]: undefined }, 'claim_missing', 'target_link_uri'],
      ['target_link_uri differing from the login', { [CLAIM.targetLinkUri]: 'https://tool.test/elsewhere' }, 'login_mismatch', 'target_link_uri'],
      ['deep linking without deep_linking_settings', { [CLAIM.messageType]: DL }, 'claim_missing', 'deep_linking_settings'],
      [
        'deep linking settings not an object',
        { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: ['ltiResourceLink'] },
        'claim_invalid',
        'deep_linking_settings',
      ],
      [
        'deep linking without accept_types',
        { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: { ...dlSettings, accept_types: undefined } },
        'claim_missing',
        'deep_linking_settings.accept_types',
      ],
      [
        'deep linking accept_types not an array',
        { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: { ...dlSettings, accept_types: 'ltiResourceLink' } },
        'claim_invalid',
        'deep_linking_settings.accept_types',
      ],
      [
        'deep linking without deep_link_return_url',
        { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: { ...dlSettings, deep_link_return_url: undefined } },
        'claim_missing',
        'deep_linking_settings.deep_link_return_url',
      ],
      [
        'deep linking without accept_presentation_document_targets',
        { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: { ...dlSettings, accept_presentation_document_targets: undefined } },
        'claim_missing',
        'deep_linking_settings.accept_presentation_document_targets',
      ],
      [
        'deep linking with an empty accept_types',
        { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: { ...dlSettings, accept_types: [] } },
        'claim_invalid',
        'deep_linking_settings.accept_types',
      ],
      [
        'deep linking with an empty accept_presentation_document_targets',
        { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: { ...dlSettings, accept_presentation_document_targets: [] } },
        'claim_invalid',
        'deep_linking_settings.accept_presentation_document_targets',
      ],
      ['context not an object', { [CLAIM.context]: 'course-101' }, 'claim_invalid', 'context'],
      ['context an array', { [CLAIM.context]: [{ id: 'course-101' }] }, 'claim_invalid', 'context'],
      ['context.id missing', { [CLAIM.context]: { label: 'LTI 101' } }, 'claim_missing', 'context.id'],
      ['context.id over 255 characters', { [CLAIM.context]: { id: 'c'.repeat(256) } }, 'claim_invalid', 'context.id'],
      ['custom not an object', { [CLAIM.custom]: 'greeting=hello' }, 'claim_invalid', 'custom'],
      ['custom null', { [CLAIM.custom]: null }, 'claim_invalid', 'custom'],
      ['launch_presentation not an object', { [CLAIM.launchPresentation]: 'iframe' }, 'claim_invalid', 'launch_presentation'],
      ['tool_platform not an object', { [CLAIM.toolPlatform]: 5 }, 'claim_invalid', 'tool_platform'],
      ['ags endpoint not an object', { [CLAIM.ags]: 'https://platform.test/lineitems' }, 'claim_invalid', 'ags endpoint'],
      ['namesroleservice not an object', { [CLAIM.nrps]: true }, 'claim_invalid', 'namesroleservice'],
    ];

    for (const [name, overrides, code, claim] of CASES) {
      it(`refuses ${name} (401 ${code})`, async () => {
        const res = await launchWith(h, agent, { overrides });
        const err = assertLtiError(res, 401, code);
        assert.ok(err.message.includes(claim), `message should name ${claim}: ${err.message}`);
        assert.equal((await nonceRows(h)).length, 0, 'the refused launch spent its login');
        assert.equal(await deploymentRows(h), 0, 'a refused launch creates no deployment');
      });
    }

    it('accepts a deep linking request with complete settings (control)', async () => {
      const res = await launchWith(h, agent, { overrides: { [CLAIM.messageType]: DL, [CLAIM.deepLinkingSettings]: dlSettings } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.messageType, DL);
    });

    it('accepts a launch without the optional claims (control)', async () => {
      const res = await launchWith(h, agent, {
        overrides: { [CLAIM.context]: undefined, [CLAIM.custom]: undefined, [CLAIM.launchPresentation]: undefined, [CLAIM.toolPlatform]: undefined },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.custom, {});
    });

    for (const param of ['lti_deployment_id', 'deployment_id']) {
      it(`refuses a deployment_id differing from the login's ${param} (401 login_mismatch)`, async () => {
        const res = await launchWith(h, agent, {
          login: { [param]: 'deployment-at-login' },
          overrides: { [CLAIM.deploymentId]: h.platform.deploymentId },
        });
        const err = assertLtiError(res, 401, 'login_mismatch');
        assert.match(err.message, /deployment_id/);
        assert.equal(await deploymentRows(h), 0);
      });
    }
  });

  describe('unknown deployment', () => {
    it('refuses it with 403 deployment_not_found and creates no row when auto-creation is off', async () => {
      await setup({ launch: {} });
      const { res, nonce } = await launchWithToken(h, agent, (claims) => h.platform.sign(claims));
      const err = assertLtiError(res, 403, 'deployment_not_found');
      assert.match(err.message, new RegExp(h.platform.deploymentId));
      assert.equal(await deploymentRows(h), 0, 'no deployment row is created');
      assert.ok(!(await nonceRows(h)).includes(nonce), 'the verified token spent its nonce');
      const setCookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
      assert.deepEqual(setCookies.filter((c) => !c.startsWith('lti_login_')), [], 'no new session is handed out');
    });

    it('launches a deployment that was added ahead of time (control)', async () => {
      await setup({ launch: {} });
      await h.store.addDeployment(h.registration.id, h.platform.deploymentId);
      const { res } = await launchWithToken(h, agent, (claims) => h.platform.sign(claims));
      assert.equal(res.status, 200, res.text);
      assert.equal(await deploymentRows(h), 1);
    });

    it('calls onDeploymentNotFound, which may redirect to onboarding, and spends the nonce', async () => {
      const calls: DeploymentNotFoundInfo[] = [];
      await setup({
        launch: {
          onDeploymentNotFound: (_req, res, _next, info) => {
            calls.push(info);
            res.redirect(302, '/onboarding');
          },
        },
      });
      const { res, nonce, state, idToken } = await launchWithToken(h, agent, (claims) => h.platform.sign(claims));
      assert.equal(res.status, 302, res.text);
      assert.equal(res.headers.location, '/onboarding');

      assert.equal(calls.length, 1);
      const [info] = calls;
      assert.equal(info.registration.id, h.registration.id);
      assert.equal(info.registration.issuer, h.platform.issuer);
      assert.equal(info.registration.clientId, h.platform.clientId);
      assert.equal(info.deploymentId, h.platform.deploymentId);
      assert.equal(info.claims.nonce, nonce);
      assert.equal(info.claims.sub, 'user-instructor-1');
      assert.equal(info.claims[CLAIM.deploymentId], h.platform.deploymentId);
      assert.equal(await deploymentRows(h), 0, 'the hook decides; no row is created');

      // The nonce is consumed: the row is gone and a replay is refused.
      assert.ok(!(await nonceRows(h)).includes(nonce));
      assertLtiError(await postLaunch(agent, { id_token: idToken, state }), 401, 'state_not_found');

      // Nor can a new login in the same browser replay it: its nonce is fresh.
      const second = await startLogin(h, agent);
      assertLtiError(await postLaunch(agent, { id_token: idToken, state: second.state }), 401, 'nonce_mismatch');
      assert.equal(calls.length, 1, 'the hook is not called for the replay');
    });
  });
});
