import assert from 'node:assert/strict';
import request from 'supertest';
import { ROLE } from '../lib';
import { COURSE } from '../dev/platform';
import { LAUNCH_URL, createHarness, fullLaunch, postLaunch, startLogin, type Harness } from './helpers/harness';

describe('launch flow (happy path)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
  });
  afterEach(() => h.close());

  it('logs in with GET, launches, and sets a typed req.lti', async () => {
    const agent = request.agent(h.app);
    const res = await fullLaunch(h, agent);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.messageType, 'LtiResourceLinkRequest');
    assert.equal(res.body.user.id, 'user-instructor-1');
    assert.equal(res.body.user.name, 'Ada Instructor');
    assert.equal(res.body.user.email, 'ada@platform.test');
    assert.deepEqual(res.body.user.roles, [ROLE.instructor]);
    assert.equal(res.body.user.isInstructor, true);
    assert.equal(res.body.user.isLearner, false);
    assert.deepEqual(res.body.context, COURSE);
    assert.equal(res.body.resourceLink.id, 'resource-link-1');
    assert.deepEqual(res.body.custom, { greeting: 'hello' });
    assert.equal(res.body.deploymentId, h.platform.deploymentId);
    assert.equal(res.body.registration.id, h.registration.id);
    assert.equal(res.body.deployment.deploymentId, h.platform.deploymentId);
  });

  it('logs in with a form POST', async () => {
    const agent = request.agent(h.app);
    const res = await agent
      .post('/lti/login')
      .type('form')
      .send({ iss: h.platform.issuer, login_hint: 'learner', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId })
      .expect(302);
    const { idToken, state } = await h.platform.authorize(new URL(res.headers.location as string).searchParams);
    const launched = await postLaunch(agent, { id_token: idToken, state }).expect(200);
    assert.equal(launched.body.user.isLearner, true);
  });

  it('keeps the launch in a regenerated session for the next pages', async () => {
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent);
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    assert.equal((await h.db('session').count<{ c: string }[]>('* as c'))[0].c, '0', 'the login writes no session');
    await postLaunch(agent, { id_token: idToken, state }).expect(200);
    const before = (await h.db('session').select('sid')).map((r) => r.sid);
    assert.equal(before.length, 1);
    // A second launch in this browser: a new session id replaces the old one.
    assert.equal((await fullLaunch(h, agent)).status, 200);
    const after = (await h.db('session').select('sid')).map((r) => r.sid);
    assert.equal(after.length, 1);
    assert.notEqual(after[0], before[0], 'the session id changes at launch');
    const me = await agent.get('/me').expect(200);
    assert.equal(me.body.lti.userId, 'user-instructor-1');
    assert.equal(me.body.lti.context.id, COURSE.id);
    assert.equal(me.body.lti.registrationId, h.registration.id);
  });

  it('writes the regenerated session once at launch', async () => {
    const writes: string[] = [];
    const query = h.pool.query.bind(h.pool);
    (h.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && /^(INSERT INTO|DELETE FROM|UPDATE) "session"/.test(args[0])) writes.push(args[0].split(' ')[0]);
      return (query as (...a: unknown[]) => unknown)(...args);
    };
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent);
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    writes.length = 0;
    await postLaunch(agent, { id_token: idToken, state }).expect(200);
    assert.deepEqual(writes, ['INSERT'], 'a fresh browser: the new session written once, no DELETE of a session that was never stored');
  });

  it('still saves what the app puts in the session after the launch', async () => {
    await h.close();
    h = await createHarness({
      launch: { autoCreateDeployments: true },
      afterLaunch: (req, _res, next) => {
        (req.session as unknown as Record<string, unknown>).cart = ['book'];
        next();
      },
    });
    const agent = request.agent(h.app);
    assert.equal((await fullLaunch(h, agent)).status, 200);
    const [row] = await h.db('session').select('sess');
    assert.deepEqual(row.sess.cart, ['book']);
    assert.equal(row.sess.lti.userId, 'user-instructor-1');
  });

  it('lets two tabs of one browser log in and launch in either order', async () => {
    const agent = request.agent(h.app);
    const tabA = await startLogin(h, agent, { login_hint: 'instructor' });
    const tabB = await startLogin(h, agent, { login_hint: 'learner' });
    const b = await h.platform.authorize(tabB.location.searchParams);
    const a = await h.platform.authorize(tabA.location.searchParams);
    const resB = await postLaunch(agent, { id_token: b.idToken, state: b.state }).expect(200);
    const resA = await postLaunch(agent, { id_token: a.idToken, state: a.state }).expect(200);
    assert.equal(resB.body.user.isLearner, true);
    assert.equal(resA.body.user.isInstructor, true);
  });

  it('launches a deep linking request with its settings', async () => {
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent, {
      lti_message_hint: JSON.stringify({ messageType: 'LtiDeepLinkingRequest' }),
    });
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    const res = await postLaunch(agent, { id_token: idToken, state }).expect(200);
    assert.equal(res.body.messageType, 'LtiDeepLinkingRequest');
    assert.equal(res.body.deepLinking.deep_link_return_url, `${h.platform.url}/deep-link-return`);
  });
});
