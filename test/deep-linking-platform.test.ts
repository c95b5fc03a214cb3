import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SignJWT } from 'jose';
import { CLAIM, DL_CLAIM, sendDeepLinkingResponse, type DeepLinkingSettingsClaim } from '../lib';
import type { DeepLinkingReturn } from '../dev/platform-deep-linking';
import { createHarness, postLaunch, startLogin, type Harness } from './helpers/harness';
import { parseResponsePage, postJwt } from './helpers/deep-linking';

// The development platform's deep_link_return_url: what it refuses, as an LMS would.
describe('deep linking: the platform\'s return endpoint', () => {
  let h: Harness;
  let dlReturn: DeepLinkingReturn;

  beforeEach(async () => {
    h = await createHarness({
      launch: { autoCreateDeployments: true },
      afterLaunch: async (req, res) => {
        await sendDeepLinkingResponse(res, req.lti, [{ type: 'ltiResourceLink', title: 'Quiz 1' }], { keys: h.store });
      },
    });
    dlReturn = h.platform.deepLinkReturn;
  });
  afterEach(() => h.close());

  async function launchDeepLinking(settings: Partial<DeepLinkingSettingsClaim> = {}) {
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent, { lti_message_hint: JSON.stringify({ messageType: 'LtiDeepLinkingRequest', deepLinking: settings }) });
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    const res = await postLaunch(agent, { id_token: idToken, state });
    assert.equal(res.status, 200, res.text);
    return res;
  }

  it('refuses a replayed response, a GET, a post without JWT, and junk', async () => {
    const page = parseResponsePage((await launchDeepLinking()).text);
    assert.equal((await postJwt(page.action, page.jwt)).status, 200);
    const replay = await postJwt(page.action, page.jwt);
    assert.equal(replay.status, 400);
    assert.match(replay.text, /replayed/);
    const get = await fetch(page.action, { signal: AbortSignal.timeout(5_000) });
    assert.equal(get.status, 400);
    const none = await fetch(page.action, { method: 'POST', body: new URLSearchParams({ jwt: page.jwt }), signal: AbortSignal.timeout(5_000) });
    assert.equal(none.status, 400);
    assert.equal((await postJwt(page.action, 'not.a.jwt')).status, 400);
    assert.equal(dlReturn.responses.length, 1);
    assert.equal(dlReturn.refusals.length, 4);
  });

  it('of 12 concurrent posts of one response exactly one is accepted', async () => {
    const page = parseResponsePage((await launchDeepLinking()).text);
    const results = await Promise.all(Array.from({ length: 12 }, () => postJwt(page.action, page.jwt)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, ...Array(11).fill(400)]);
    assert.equal(dlReturn.responses.length, 1);
  });

  it('refuses a response with a wrong iss, aud, deployment, message type, version, or one expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const valid = {
      iss: h.platform.clientId,
      aud: h.platform.issuer,
      iat: now,
      exp: now + 300,
      [CLAIM.deploymentId]: h.platform.deploymentId,
      [CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [CLAIM.version]: '1.3.0',
      [DL_CLAIM.contentItems]: [],
    };
    const key = await h.store.signingKey();
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ nonce: randomUUID(), ...claims }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
    const url = `${h.platform.url}/deep-link-return`;
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['iss', { ...valid, iss: 'another-client' }, /"iss" claim/],
      ['aud', { ...valid, aud: 'https://other.platform' }, /"aud" claim/],
      ['deployment', { ...valid, [CLAIM.deploymentId]: 'other-deployment' }, /deployment_id/],
      ['message type', { ...valid, [CLAIM.messageType]: 'LtiDeepLinkingRequest' }, /message_type/],
      ['version', { ...valid, [CLAIM.version]: '1.1' }, /version/],
      ['expired', { ...valid, iat: now - 400, exp: now - 100 }, /ERR_JWT_EXPIRED/],
      ['items not a list', { ...valid, [DL_CLAIM.contentItems]: { type: 'link' } }, /content_items/],
    ];
    for (const [name, claims, reason] of cases) {
      const res = await postJwt(url, await sign(claims));
      assert.equal(res.status, 400, name);
      assert.match(res.text, reason, name);
    }
    assert.equal((await postJwt(url, await sign(valid))).status, 200, 'the control verifies');
    assert.equal(dlReturn.responses.length, 1);
  });
});
