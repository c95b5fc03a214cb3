import assert from 'node:assert/strict';
import request from 'supertest';
import { TOOL_CONFIGURATION } from '../dev/platform-registration';
import { LAUNCH_URL, TOOL, fullLaunch, type Agent } from './helpers/harness';
import { NRPS, SCORE, createRegistrationHarness, type RegistrationHarness } from './helpers/registration';

describe('Dynamic Registration: the exchange', function () {
  this.timeout(20_000);
  let h: RegistrationHarness;
  afterEach(() => h.close());

  it('registers the tool, stores the registration and deployment, and a launch then works', async () => {
    h = await createRegistrationHarness();
    const token = h.reg.issueToken();
    const res = await request(h.app)
      .get('/lti/register')
      .query({ openid_configuration: h.reg.openidConfigurationUrl, registration_token: token })
      .expect(200);
    // The close page: the message to the platform's window, and a visible confirmation.
    assert.match(res.text, /\(window\.opener \|\| window\.parent\)\.postMessage\(\{ subject: 'org\.imsglobal\.lti\.close' \}, '\*'\)/);
    assert.match(res.text, /Quiz Tool is registered and ready to use\./);
    assert.ok(!res.text.includes(token), 'the token is never on the page');
    assert.match(String(res.headers['content-security-policy']), /script-src 'nonce-/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');

    // What the platform received (§3.5.2).
    assert.equal(h.reg.received.length, 1);
    const [sent] = h.reg.received;
    assert.equal(sent.authorization, `Bearer ${token}`);
    assert.equal(sent.contentType, 'application/json');
    assert.equal(h.reg.configRequests[0].authorization, `Bearer ${token}`);
    const body = sent.body;
    assert.equal(body.application_type, 'web');
    assert.deepEqual(body.response_types, ['id_token']);
    assert.deepEqual(body.grant_types, ['implicit', 'client_credentials']);
    assert.equal(body.initiate_login_uri, `${TOOL}/lti/login`);
    assert.deepEqual(body.redirect_uris, [LAUNCH_URL]);
    assert.equal(body.client_name, 'Quiz Tool');
    assert.equal(body.jwks_uri, `${h.toolUrl}/lti/jwks`);
    assert.equal(body.token_endpoint_auth_method, 'private_key_jwt');
    // Only scopes, messages and claims the platform supports.
    assert.deepEqual(String(body.scope).split(' '), [SCORE, NRPS]);
    const config = body[TOOL_CONFIGURATION] as Record<string, unknown>;
    assert.equal(config.domain, 'tool.test');
    assert.equal(config.target_link_uri, LAUNCH_URL);
    assert.equal(config.description, 'Quizzes for the course');
    assert.deepEqual(config.claims, ['iss', 'sub', 'name', 'email']);
    assert.deepEqual(config.messages, [{ type: 'LtiDeepLinkingRequest', target_link_uri: `${TOOL}/lti/launch`, label: 'Add a quiz' }]);

    const [registration] = await h.store.listRegistrations();
    assert.equal(registration.issuer, h.platform.issuer);
    assert.equal(registration.clientId, h.platform.clientId);
    assert.equal(registration.authEndpoint, h.platform.authEndpoint);
    assert.equal(registration.jwksUrl, h.platform.jwksUrl);
    assert.equal(registration.tokenEndpoint, h.platform.tokenEndpoint);
    assert.equal(registration.tokenAudience, null);
    assert.equal(registration.awaitingApproval, false);
    const deployments = await h.store.listDeployments(registration.id);
    assert.deepEqual(deployments.map((d) => d.deploymentId), [h.platform.deploymentId]);

    const agent: Agent = request.agent(h.app);
    const launch = await fullLaunch(h, agent);
    assert.equal(launch.status, 200, launch.text);
    assert.equal(launch.body.registration.id, registration.id);
    assert.equal(launch.body.deployment.id, deployments[0].id);
  });

  it('stores the authorization_server as the token audience, and calls onRegistered with both rows', async () => {
    const seen: unknown[] = [];
    h = await createRegistrationHarness({ onRegistered: (registration, deployment) => void seen.push({ registration, deployment }) });
    h.reg.configOverrides = { authorization_server: 'https://auth.platform.test/token' };
    await h.register().expect(200);
    const [registration] = await h.store.listRegistrations();
    assert.equal(registration.tokenAudience, 'https://auth.platform.test/token');
    assert.equal(seen.length, 1);
    const { registration: r, deployment: d } = seen[0] as { registration: { id: string }; deployment: { deploymentId: string } };
    assert.equal(r.id, registration.id);
    assert.equal(d.deploymentId, h.platform.deploymentId);
    const logged = h.logs.find((l) => l.fields.event === 'lti.registered');
    assert.equal(logged?.fields.registrationId, registration.id);
  });

  it('stores no deployment when the answer has none (Canvas): the first launch brings it', async () => {
    h = await createRegistrationHarness({}, { launch: { autoCreateDeployments: true } });
    h.reg.answerDeployment = false;
    await h.register().expect(200);
    assert.deepEqual(await h.counts(), { registrations: 1, deployments: 0 });
    assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
    assert.deepEqual(await h.counts(), { registrations: 1, deployments: 1 });
  });

  it('re-registering the same issuer and client id updates the row, never duplicates it', async () => {
    h = await createRegistrationHarness();
    await h.register().expect(200);
    const [first] = await h.store.listRegistrations();
    h.reg.configOverrides = { jwks_uri: `${h.platform.url}/jwks?v=2` };
    await h.register().expect(200);
    const all = await h.store.listRegistrations();
    assert.equal(all.length, 1);
    assert.equal(all[0].id, first.id);
    assert.equal(all[0].jwksUrl, `${h.platform.url}/jwks?v=2`);
    assert.deepEqual(await h.counts(), { registrations: 1, deployments: 1 });
  });

  it('8 concurrent registrations of the same issuer and client id leave one registration and one deployment', async () => {
    h = await createRegistrationHarness();
    const results = await Promise.all(Array.from({ length: 8 }, () => h.register()));
    assert.deepEqual(results.map((r) => r.status), Array(8).fill(200));
    assert.deepEqual(await h.counts(), { registrations: 1, deployments: 1 });
  });

  it('accepts the registration parameters in a form POST', async () => {
    h = await createRegistrationHarness();
    await request(h.app)
      .post('/lti/register')
      .type('form')
      .send({ openid_configuration: h.reg.openidConfigurationUrl, registration_token: h.reg.issueToken() })
      .expect(200);
    assert.equal((await h.counts()).registrations, 1);
  });
});
