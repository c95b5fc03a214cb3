import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import {
  LAUNCH_URL,
  postLaunch,
  startLogin,
  type Agent,
  type Harness,
  type HarnessOptions,
} from './helpers/harness';
import { assertLtiError, harnessWithAgent, nonceRows } from './helpers/rejections';

describe('launch rejections: request, platform errors, state', () => {
  let h: Harness;
  let agent: Agent;
  async function setup(options?: HarnessOptions) {
    ({ h, agent } = await harnessWithAgent(options));
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
});
