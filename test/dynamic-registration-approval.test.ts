import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { RegistrationNotApprovedError } from '../lib';
import { LAUNCH_URL, fullLaunch, postLaunch, startLogin } from './helpers/harness';
import { createRegistrationHarness, type RegistrationHarness } from './helpers/registration';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../bin/express-lti.js');

describe('Dynamic Registration: approval', function () {
  this.timeout(30_000);
  let h: RegistrationHarness;
  afterEach(async () => {
    await h?.close();
    h = undefined as unknown as RegistrationHarness;
  });

  function login(agent = request.agent(h.app)) {
    return agent
      .get('/lti/login')
      .set('Accept', 'application/json')
      .query({ iss: h.platform.issuer, login_hint: 'instructor', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId });
  }

  it('requireApproval: the registration waits (403 registration_not_approved at login); the CLI approves it in another process and the next launch works', async () => {
    h = await createRegistrationHarness({ requireApproval: true });
    const page = await h.register().set('Accept', 'text/html').expect(200);
    assert.match(page.text, /must approve this registration before it can be launched/);
    const [waiting] = await h.store.listRegistrations();
    assert.equal(waiting.awaitingApproval, true);
    assert.equal((await h.store.listDeployments(waiting.id)).length, 1);

    for (let i = 0; i < 3; i++) {
      const refused = await login().expect(403);
      assert.equal(refused.body.error.code, 'registration_not_approved');
    }
    const html = await login().set('Accept', 'text/html').expect(403);
    assert.match(html.text, /waiting for approval/);

    const { stdout } = await run(process.execPath, [BIN, 'registrations', 'approve', waiting.id, '--json'], { env: { ...process.env } });
    assert.equal((JSON.parse(stdout) as { awaitingApproval: boolean }).awaitingApproval, false);

    // Same process, same store and cache (30 s TTL), no restart: the next launch works.
    const launch = await fullLaunch(h, request.agent(h.app));
    assert.equal(launch.status, 200, launch.text);
  });

  it('refuses the launch too when the registration waits (a login started before approval was withdrawn)', async () => {
    h = await createRegistrationHarness();
    await h.register().expect(200);
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent);
    await h.db('lti_registrations').update({ awaiting_approval: true });
    h.store.clearCache();
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    const res = await postLaunch(agent, { id_token: idToken, state });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'registration_not_approved');
  });

  it('without requireApproval the registration launches at once; store.approveRegistration is idempotent', async () => {
    h = await createRegistrationHarness({ requireApproval: false });
    await h.register().expect(200);
    assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
    const [registration] = await h.store.listRegistrations();
    assert.equal((await h.store.approveRegistration(registration.id))?.awaitingApproval, false);
    assert.equal(await h.store.approveRegistration('not-an-id'), undefined);
  });

  it('re-registration keeps the approval state an admin decided', async () => {
    h = await createRegistrationHarness({ requireApproval: true });
    await h.register().expect(200);
    const [waiting] = await h.store.listRegistrations();
    await h.register().expect(200);
    assert.equal((await h.store.listRegistrations())[0].awaitingApproval, true, 'still waiting');
    await h.store.approveRegistration(waiting.id);
    await h.register().expect(200);
    const [after] = await h.store.listRegistrations();
    assert.equal(after.awaitingApproval, false, 'still approved');
    assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
  });

  it('a waiting registration is never served from the cache; an approved one is', async () => {
    h = await createRegistrationHarness({ requireApproval: true });
    await h.register().expect(200);
    const [waiting] = await h.store.listRegistrations();
    await h.store.findRegistrations(waiting.issuer, waiting.clientId);
    // Approved behind the store's back (as another process does): seen at once.
    await h.db('lti_registrations').update({ awaiting_approval: false });
    assert.equal((await h.store.findRegistrations(waiting.issuer, waiting.clientId))[0].awaitingApproval, false);
    assert.equal((await h.store.findRegistrationById(waiting.id))?.awaitingApproval, false);
    // Approved rows are cached (cacheTtlMs): a change behind the store's back shows later.
    await h.db('lti_registrations').update({ awaiting_approval: true });
    assert.equal((await h.store.findRegistrations(waiting.issuer, waiting.clientId))[0].awaitingApproval, false);
  });

  it('RegistrationNotApprovedError is a 403 with a stable code', () => {
    const err = new RegistrationNotApprovedError('https://lms.example', 'c');
    assert.equal(err.status, 403);
    assert.equal(err.code, 'registration_not_approved');
  });
});
