import assert from 'node:assert/strict';
import request from 'supertest';
import { LAUNCH_URL, createHarness, postLaunch, startLogin, type Harness } from './helpers/harness';

const N = 25;

describe('races', () => {
  let h: Harness;
  afterEach(() => h.close());

  it(`of ${N} concurrent posts of one token exactly one launches`, async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent);
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    const cookie = (await agent.jar.getCookies({ domain: '127.0.0.1', path: '/lti/launch', secure: false, script: false }))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    // Separate requests carrying the same login cookie: they race on taking the
    // login row (one DELETE … RETURNING), which exactly one wins.
    const responses = await Promise.all(
      Array.from({ length: N }, () =>
        request(h.app).post('/lti/launch').set('Cookie', cookie).set('Accept', 'application/json').type('form').send({ id_token: idToken, state }),
      ),
    );
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    assert.equal(ok.length, 1, `exactly one success, got ${ok.length}`);
    for (const r of refused) {
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'state_not_found');
    }
    assert.equal((await h.db('lti_logins').count<{ count: string }[]>('* as count'))[0].count, '0');
  });

  it(`${N} concurrent first launches of a new deployment all succeed and leave one row`, async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
    const deploymentId = 'brand-new-deployment';
    // Log in N browsers first, then fire every launch at once.
    const prepared = await Promise.all(
      Array.from({ length: N }, async () => {
        const agent = request.agent(h.app);
        const { nonce, state } = await startLogin(h, agent);
        const claims = h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL, hint: { deploymentId } });
        return { agent, fields: { id_token: await h.platform.sign(claims), state } };
      }),
    );
    const responses = await Promise.all(prepared.map(({ agent, fields }) => postLaunch(agent, fields)));
    for (const r of responses) assert.equal(r.status, 200, r.text);
    const rows = await h.db('lti_deployments').where({ deployment_id: deploymentId });
    assert.equal(rows.length, 1);
    const ids = new Set(responses.map((r) => r.body.deployment.id));
    assert.deepEqual([...ids], [rows[0].id], 'every launch got the same deployment record');
  });
});
