/**
 * The tool cases of the 1EdTech LTI Advantage certification suite (core launch
 * section), as launches the in-test platform signs: every known-bad launch is
 * refused, every valid one launches.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { CLAIM, ROLE } from '../lib';
import { createHarness, launchWith, postLaunch, startLogin, LAUNCH_URL, type Harness } from './helpers/harness';
import { createSign, type KeyObject } from 'node:crypto';
import { base64url } from 'jose';

type Overrides = Record<string, unknown>;

describe('certification suite cases', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
  });
  after(() => h.close());

  describe('known-bad launches are refused', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: Array<[string, () => Overrides, string]> = [
      ['Incorrect KID in the JWT header', () => ({}), 'signing_key_not_found'],
      ['Wrong LTI version', () => ({ [CLAIM.version]: '11.3' }), 'claim_invalid'],
      ['No LTI version', () => ({ [CLAIM.version]: undefined }), 'claim_missing'],
      ['Timestamps incorrect', () => ({ iat: 11111, exp: 22222 }), 'token_expired'],
      ['message_type claim missing', () => ({ [CLAIM.messageType]: undefined }), 'claim_missing'],
      ['role claim missing', () => ({ [CLAIM.roles]: undefined }), 'claim_missing'],
      ['deployment_id claim missing', () => ({ [CLAIM.deploymentId]: undefined }), 'claim_missing'],
      ['resource_link claim missing', () => ({ [CLAIM.resourceLink]: undefined }), 'claim_missing'],
      ['user (sub) claim missing', () => ({ sub: undefined }), 'claim_missing'],
      ['aud claim missing', () => ({ aud: undefined }), 'claim_missing'],
      ['iss claim missing', () => ({ iss: undefined }), 'claim_missing'],
      ['iat in the future', () => ({ iat: now() + 3600, exp: now() + 7200 }), 'iat_invalid'],
    ];
    for (const [name, overrides, code] of cases) {
      it(`${name} → ${code}`, async () => {
        const header = name.startsWith('Incorrect KID') ? { kid: 'imstester_66' } : undefined;
        const res = await launchWith(h, request.agent(h.app), { overrides: overrides(), header });
        assert.equal(res.status, 401, res.text);
        assert.equal(res.body.error.code, code);
      });
    }

    it('No KID in the JWT header → kid_missing', async () => {
      const agent = request.agent(h.app);
      const { nonce, state } = await startLogin(h, agent);
      const input = `${base64url.encode(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url.encode(
        JSON.stringify(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL })),
      )}`;
      const sig = createSign('RSA-SHA256').update(input).sign(h.platform.keys[0].privateKey as KeyObject).toString('base64url');
      const res = await postLaunch(agent, { id_token: `${input}.${sig}`, state });
      assert.equal(res.body.error.code, 'kid_missing');
    });

    it('Invalid LTI message (a payload that is not an LTI launch) → refused', async () => {
      const agent = request.agent(h.app);
      const { state } = await startLogin(h, agent);
      const res = await postLaunch(agent, { id_token: await h.platform.sign({ name: 'badltilaunch' }), state });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'claim_missing');
    });
  });

  describe('valid launches succeed', () => {
    const teacher = ROLE.instructor;
    const student = ROLE.learner;
    const cases: Array<[string, Overrides, (body: { user: Record<string, unknown> }) => void]> = [];
    for (const [who, role] of [['Teacher', teacher], ['Student', student]] as const) {
      const isRole = who === 'Teacher' ? 'isInstructor' : 'isLearner';
      cases.push(
        [`${who}: launch`, { [CLAIM.roles]: [role] }, (b) => assert.equal(b.user[isRole], true)],
        [`${who}: multiple roles`, { [CLAIM.roles]: [role, ROLE.mentor, 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Staff'] }, (b) => assert.equal(b.user[isRole], true)],
        [`${who}: short role name`, { [CLAIM.roles]: [role.split('#')[1]] }, (b) => assert.equal(b.user[isRole], true)],
        [`${who}: unknown extra role`, { [CLAIM.roles]: [role, 'urn:example:role:Unknown'] }, (b) => assert.equal(b.user[isRole], true)],
        [`${who}: no role`, { [CLAIM.roles]: [''] }, (b) => assert.equal(b.user[isRole], false)],
        [`${who}: email only`, { [CLAIM.roles]: [role], name: undefined }, (b) => assert.equal(b.user.name, undefined)],
        [`${who}: names only`, { [CLAIM.roles]: [role], email: undefined, given_name: 'Given', family_name: 'Family' }, (b) => assert.equal(b.user.givenName, 'Given')],
        [`${who}: no personal data`, { [CLAIM.roles]: [role], name: undefined, email: undefined }, (b) => assert.equal(b.user.email, undefined)],
        [`${who}: email, no context`, { [CLAIM.roles]: [role], name: undefined, [CLAIM.context]: undefined }, (b) => assert.equal(b.user.email !== undefined, true)],
      );
    }
    cases.push(['Student: only the resource link', {
      [CLAIM.roles]: [student], name: undefined, email: undefined, [CLAIM.context]: undefined, [CLAIM.toolPlatform]: undefined,
      [CLAIM.launchPresentation]: undefined, [CLAIM.custom]: undefined,
    }, (b) => assert.equal(b.user.isLearner, true)]);

    for (const [name, overrides, check] of cases) {
      it(name, async () => {
        const res = await launchWith(h, request.agent(h.app), { overrides });
        assert.equal(res.status, 200, res.text);
        check(res.body);
      });
    }
  });
});
