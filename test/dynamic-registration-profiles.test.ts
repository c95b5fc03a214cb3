import assert from 'node:assert/strict';
import request from 'supertest';
import { CANVAS, GENERIC, MOODLE, BRIGHTSPACE, SAKAI, PLATFORM_PROFILES } from '../lib';
import { profileFor } from '../lib/registration/profiles';
import { validatePlatformConfiguration } from '../lib/registration/platform-configuration';
import { TOOL_CONFIGURATION } from '../dev/platform-registration';
import { fullLaunch } from './helpers/harness';
import { NRPS, SCORE, createRegistrationHarness, type RegistrationHarness } from './helpers/registration';
import { brightspace, canvas, moodle, sakai, type PlatformShape } from './fixtures/registration/platforms';

async function withShape(shape: PlatformShape, options: Parameters<typeof createRegistrationHarness>[1] = {}): Promise<RegistrationHarness> {
  const h = await createRegistrationHarness({}, options);
  const endpoints = () => ({
    issuer: h.platform.issuer,
    url: h.platform.url,
    registrationEndpoint: h.reg.registrationEndpoint,
    clientId: h.reg.clientId,
    deploymentId: h.platform.deploymentId,
  });
  h.reg.configure = () => shape.config(endpoints());
  h.reg.answer = (_base, req) => shape.answer(endpoints(), req);
  return h;
}

describe('Dynamic Registration: platform profiles', function () {
  this.timeout(20_000);
  let h: RegistrationHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('Moodle: string messages_supported, an array application_type and a numeric deployment_id are accepted; the deployment is stored', async () => {
    h = await withShape(moodle, { platform: { deploymentId: '42' } });
    await h.register().expect(200);
    const body = h.reg.received[0].body;
    const config = body[TOOL_CONFIGURATION] as Record<string, unknown>;
    assert.deepEqual(config.messages, [{ type: 'LtiDeepLinkingRequest', target_link_uri: 'https://tool.test/lti/launch', label: 'Add a quiz' }]);
    assert.equal(config['https://canvas.instructure.com/lti/privacy_level'], undefined);
    assert.deepEqual(String(body.scope).split(' '), [SCORE, NRPS]);
    const [registration] = await h.store.listRegistrations();
    assert.equal(registration.name, `Moodle (${new URL(h.platform.issuer).host})`);
    assert.deepEqual((await h.store.listDeployments(registration.id)).map((d) => d.deploymentId), [h.platform.deploymentId]);
    assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
  });

  it('Canvas: sends its privacy level and placements, ignores its bare-host authorization_server, and has no deployment (first launch brings it)', async () => {
    h = await withShape(canvas, { launch: { autoCreateDeployments: true } });
    await h.register().expect(200);
    const config = h.reg.received[0].body[TOOL_CONFIGURATION] as Record<string, unknown>;
    assert.equal(config['https://canvas.instructure.com/lti/privacy_level'], 'public');
    assert.deepEqual(config.messages, [
      { type: 'LtiDeepLinkingRequest', target_link_uri: 'https://tool.test/lti/launch', label: 'Add a quiz', placements: ['assignment_selection', 'link_selection', 'editor_button'] },
    ]);
    const [registration] = await h.store.listRegistrations();
    assert.equal(registration.tokenAudience, null, 'the token endpoint stays the audience');
    assert.equal(registration.name, `Canvas (${new URL(h.platform.issuer).host})`);
    assert.deepEqual(await h.counts(), { registrations: 1, deployments: 0 });
    assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
    assert.deepEqual(await h.counts(), { registrations: 1, deployments: 1 });
  });

  it('Brightspace: authorization_server becomes the token audience; the deployment is stored', async () => {
    h = await withShape(brightspace);
    await h.register().expect(200);
    const [registration] = await h.store.listRegistrations();
    assert.equal(registration.tokenAudience, 'https://api.brightspace.com/auth/token');
    assert.equal(registration.name, `Brightspace (${new URL(h.platform.issuer).host})`);
    assert.equal((await h.store.listDeployments(registration.id)).length, 1);
    const config = h.reg.received[0].body[TOOL_CONFIGURATION] as { messages: unknown[] };
    assert.equal(config.messages.length, 1);
  });

  it('Sakai: iss and sub are kept although its claims_supported is short; the deployment is stored', async () => {
    h = await withShape(sakai);
    await h.register().expect(200);
    const config = h.reg.received[0].body[TOOL_CONFIGURATION] as { claims: string[] };
    assert.deepEqual(config.claims, ['iss', 'sub', 'name', 'email']);
    const [registration] = await h.store.listRegistrations();
    assert.equal((await h.store.listDeployments(registration.id)).length, 1);
  });

  it('picks profiles by product_family_code (case-insensitive), GENERIC otherwise', () => {
    h = undefined as unknown as RegistrationHarness;
    assert.equal(profileFor('Canvas'), CANVAS);
    assert.equal(profileFor('moodle'), MOODLE);
    assert.equal(profileFor('desire2learn'), BRIGHTSPACE);
    assert.equal(profileFor('sakai'), SAKAI);
    assert.equal(profileFor('blackboard'), GENERIC);
    assert.equal(PLATFORM_PROFILES.length, 4);
  });

  it("Canvas Cloud's shared issuer is accepted from an *.instructure.com configuration URL, and from no other host", () => {
    h = undefined as unknown as RegistrationHarness;
    const doc = canvas.config({ issuer: 'https://canvas.instructure.com', url: 'https://sso.canvaslms.com', registrationEndpoint: 'https://school.instructure.com/api/lti/registrations', clientId: '1', deploymentId: '1' });
    const ok = validatePlatformConfiguration(doc, 'https://school.instructure.com/api/lti/security/openid-configuration', {});
    assert.equal(ok.profile, CANVAS);
    for (const url of ['https://evil.example/api/lti/security/openid-configuration', 'https://instructure.com.evil.example/x', 'http://school.instructure.com/x']) {
      assert.throws(() => validatePlatformConfiguration(doc, url, {}), /does not match/);
    }
    // The shared issuer is Canvas' only: another family claiming it is refused.
    const other = { ...doc, 'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'other' } };
    assert.throws(() => validatePlatformConfiguration(other, 'https://school.instructure.com/x', {}), /does not match/);
  });
});
