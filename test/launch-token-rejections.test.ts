import assert from 'node:assert/strict';
import { CompactSign, SignJWT, base64url, generateKeyPair } from 'jose';
import {
  launchWith,
  type Agent,
  type Harness,
  type HarnessOptions,
} from './helpers/harness';
import { assertLtiError, harnessWithAgent, launchWithToken, nonceRows, now, type LtiErrorBody } from './helpers/rejections';

describe("launch rejections: the id_token's signature, header and standard claims", () => {
  let h: Harness;
  let agent: Agent;
  async function setup(options?: HarnessOptions) {
    ({ h, agent } = await harnessWithAgent(options));
  }
  afterEach(() => h?.close());

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
});
