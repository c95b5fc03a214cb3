/** Launches shaped like the big platforms send them. */
import assert from 'node:assert/strict';
import request from 'supertest';
import { CLAIM } from '../lib';
import { DevPlatform, PERSONAS } from '../dev/platform';
import { LAUNCH_URL, createHarness, fullLaunch, launchWith, postLaunch, startLogin, type Harness } from './helpers/harness';

describe('platform quirks', () => {
  let h: Harness;
  afterEach(() => h.close());

  describe('Canvas', () => {
    it('one shared issuer for every tenant: the client_id picks the registration', async () => {
      const issuer = 'https://canvas.instructure.com';
      h = await createHarness({ platform: { issuer, clientId: '10000000000001' }, launch: { autoCreateDeployments: true } });
      const other = await DevPlatform.start({ issuer, clientId: '10000000000002', deploymentId: 'other-tenant' });
      try {
        await h.store.registerPlatform(other.registration());
        const agent = request.agent(h.app);
        const login = await agent
          .get('/lti/login')
          .query({ iss: issuer, login_hint: 'learner', target_link_uri: LAUNCH_URL, client_id: other.clientId, deployment_id: other.deploymentId })
          .expect(302);
        assert.ok(String(login.headers.location).startsWith(other.authEndpoint), 'the second tenant\'s auth endpoint');
        const { idToken, state } = await other.authorize(new URL(login.headers.location as string).searchParams);
        const res = await postLaunch(agent, { id_token: idToken, state });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.registration.clientId, other.clientId);
        // Without client_id the shared issuer is ambiguous.
        const ambiguous = await request(h.app).get('/lti/login').set('Accept', 'application/json')
          .query({ iss: issuer, login_hint: 'x', target_link_uri: LAUNCH_URL });
        assert.equal(ambiguous.body.error.code, 'registration_ambiguous');
      } finally {
        await other.close();
      }
    });

    it('binds the deployment_id sent at login to the token', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const ok = await launchWith(h, request.agent(h.app), { login: { deployment_id: h.platform.deploymentId } });
      assert.equal(ok.status, 200, ok.text);
      const bad = await launchWith(h, request.agent(h.app), { login: { deployment_id: 'another-deployment' } });
      assert.equal(bad.body.error.code, 'login_mismatch');
    });

    it('privacy settings that send no name, email or picture', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { name: undefined, email: undefined, picture: undefined } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.user.id, PERSONAS.instructor.sub);
      assert.equal(res.body.user.name, undefined);
      assert.equal(res.body.user.email, undefined);
    });
  });

  describe('Blackboard', () => {
    it('azp equal to the client id beside a single aud', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { azp: h.platform.clientId } });
      assert.equal(res.status, 200, res.text);
    });
  });

  describe('Brightspace', () => {
    it('JWKS keys without alg, in a key set over 64 KB', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const [signing] = h.platform.keys;
      delete signing.publicJwk.alg;
      delete signing.publicJwk.use;
      // Padding: the same public material under 200 other kids.
      const padding = Array.from({ length: 200 }, (_, i) => ({ ...signing, kid: `old-${i}`, publicJwk: { ...signing.publicJwk, kid: `old-${i}` } }));
      h.platform.keys = [signing, ...padding];
      const size = JSON.stringify({ keys: h.platform.keys.map((k) => k.publicJwk) }).length;
      assert.ok(size > 64 * 1024, `key set is ${size} bytes`);
      const res = await fullLaunch(h, request.agent(h.app));
      assert.equal(res.status, 200, res.text);
    });
  });

  describe('Schoology', () => {
    it('aud as a one-element array, without azp', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { aud: [h.platform.clientId] } });
      assert.equal(res.status, 200, res.text);
    });
  });

  describe('Moodle', () => {
    it('lti_message_hint as JSON reaches the platform unaltered', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const hint = JSON.stringify({ cmid: 42, launchid: 'ltilaunch1_0123&x=1', targetLinkUri: LAUNCH_URL });
      const agent = request.agent(h.app);
      const { location } = await startLogin(h, agent, { lti_message_hint: hint });
      assert.equal(location.searchParams.get('lti_message_hint'), hint);
      const { idToken, state } = await h.platform.authorize(location.searchParams);
      assert.equal((await postLaunch(agent, { id_token: idToken, state })).status, 200);
    });
  });

  describe('Sakai', () => {
    it('an older login without client_id, when the issuer has one registration', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const agent = request.agent(h.app);
      const login = await agent.get('/lti/login').query({ iss: h.platform.issuer, login_hint: 'instructor', target_link_uri: LAUNCH_URL }).expect(302);
      const { idToken, state } = await h.platform.authorize(new URL(login.headers.location as string).searchParams);
      const res = await postLaunch(agent, { id_token: idToken, state });
      assert.equal(res.status, 200, res.text);
    });
  });

  describe('launch_presentation', () => {
    it('drops a non-https return_url and an unknown document_target instead of failing', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const res = await launchWith(h, request.agent(h.app), {
        overrides: { [CLAIM.launchPresentation]: { document_target: 'popup', return_url: 'http://lms.example/return', locale: 'en' } },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.launchPresentation, { locale: 'en' });
      const kept = await launchWith(h, request.agent(h.app), {
        overrides: { [CLAIM.launchPresentation]: { document_target: 'window', return_url: 'https://lms.example/return' } },
      });
      assert.deepEqual(kept.body.launchPresentation, { document_target: 'window', return_url: 'https://lms.example/return' });
    });
  });
});
