import assert from 'node:assert/strict';
import { CLAIM, type DeploymentNotFoundInfo } from '../lib';
import {
  launchWith,
  postLaunch,
  startLogin,
  type Agent,
  type Harness,
  type HarnessOptions,
} from './helpers/harness';
import { assertLtiError, deploymentRows, harnessWithAgent, launchWithToken, nonceRows } from './helpers/rejections';

describe('launch rejections: LTI claims and unknown deployments', () => {
  let h: Harness;
  let agent: Agent;
  async function setup(options?: HarnessOptions) {
    ({ h, agent } = await harnessWithAgent(options));
  }
  afterEach(() => h?.close());

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
