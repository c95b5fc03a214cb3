import assert from 'node:assert/strict';
import knex, { type Knex } from 'knex';
import request from 'supertest';
import { DevPlatform, parseAutoPostForm } from '../dev/platform';
import { mountRegistration, type PlatformRegistration } from '../dev/platform-registration';
import { createKnexStore, type KnexStore } from '../lib';
import { createApp, type ExampleApp } from '../example-app/app';
import { platformPageHtml } from '../example-app/dev-platform-page';
import { TEST_KEY_SECRET } from './helpers/harness';

const TOOL = 'http://127.0.0.1:3000';

describe('example app: Dynamic Registration and the admin page', function () {
  this.timeout(20_000);
  let db: Knex;
  let store: KnexStore;
  let platform: DevPlatform;
  let reg: PlatformRegistration;
  let tool: ExampleApp;
  const saved = process.env.ADMIN_PASSWORD;

  async function start(adminPassword?: string) {
    if (adminPassword === undefined) delete process.env.ADMIN_PASSWORD;
    else process.env.ADMIN_PASSWORD = adminPassword;
    tool = createApp({ databaseUrl: process.env.DATABASE_URL!, toolUrl: TOOL, store, production: false, sessionSecret: 'test-secret' });
  }

  beforeEach(async () => {
    db = knex({ client: 'pg', connection: process.env.DATABASE_URL!, pool: { min: 0, max: 4 } });
    await db.raw('truncate lti_logins, lti_deployments, lti_registrations, session');
    store = createKnexStore(db, { keySecret: TEST_KEY_SECRET });
    platform = await DevPlatform.start({ toolJwksUrl: `${TOOL}/lti/jwks` });
    reg = mountRegistration(platform);
  });

  afterEach(async () => {
    if (saved === undefined) delete process.env.ADMIN_PASSWORD;
    else process.env.ADMIN_PASSWORD = saved;
    await tool.close();
    await platform.close();
    await db.destroy();
  });

  /** Click "Register tool": the platform's page frames the tool's registration URL; the browser loads it. */
  async function clickRegister(): Promise<request.Response> {
    const html = platformPageHtml(platform, TOOL, [platform.deploymentId]);
    const form = /<form id="register-tool" method="get" action="([^"]+)"><input type="hidden" name="tool" value="([^"]+)">/.exec(html);
    assert.ok(form, 'the platform page has a Register tool button');
    const start = await fetch(`${form[1]}?tool=${encodeURIComponent(form[2].replace(/&amp;/g, '&'))}`);
    assert.equal(start.status, 200);
    const src = /<iframe id="tool" src="([^"]+)"/.exec(await start.text())![1].replace(/&#38;/g, '&');
    const url = new URL(src);
    assert.equal(url.origin + url.pathname, `${TOOL}/lti/register`);
    return request(tool.app).get(url.pathname + url.search);
  }

  it('one click registers the tool (no ADMIN_PASSWORD: approved at once) and the launch then works; no admin page', async () => {
    await start();
    const res = await clickRegister();
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /org\.imsglobal\.lti\.close/);
    const [registration] = await store.listRegistrations();
    assert.equal(registration.awaitingApproval, false);
    assert.equal((await store.listDeployments(registration.id)).length, 1);

    const agent = request.agent(tool.app);
    const login = await agent
      .post('/lti/login')
      .type('form')
      .send({ iss: platform.issuer, login_hint: 'instructor', target_link_uri: `${TOOL}/lti/launch`, client_id: platform.clientId })
      .expect(302);
    const auth = await fetch(login.headers.location as string);
    const { fields } = parseAutoPostForm(await auth.text());
    await agent.post('/lti/launch').type('form').send(fields).expect(303).expect('location', '/app');
    await request(tool.app).get('/admin/registrations').expect(404);
  });

  it('with ADMIN_PASSWORD new registrations wait; the password-protected page lists and approves them (CSRF token required)', async () => {
    await start('s3cret-admin');
    await clickRegister().then((r) => assert.match(r.text, /must approve this registration/));
    const [waiting] = await store.listRegistrations();
    assert.equal(waiting.awaitingApproval, true);

    await request(tool.app).get('/admin/registrations').expect(401).expect('www-authenticate', /Basic/);
    await request(tool.app).get('/admin/registrations').auth('admin', 'wrong').expect(401);
    const page = await request(tool.app).get('/admin/registrations').auth('admin', 's3cret-admin').expect(200);
    assert.ok(page.text.includes(waiting.issuer));
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1];

    await request(tool.app).post(`/admin/registrations/${waiting.id}/approve`).auth('admin', 's3cret-admin').type('form').send({ csrf: 'forged' }).expect(403);
    await request(tool.app).post(`/admin/registrations/${waiting.id}/approve`).type('form').send({ csrf }).expect(401);
    assert.equal((await store.listRegistrations())[0].awaitingApproval, true);
    const approved = await request(tool.app).post(`/admin/registrations/${waiting.id}/approve`).auth('admin', 's3cret-admin').type('form').send({ csrf }).expect(200);
    assert.match(approved.text, /Approved/);
    assert.equal((await store.listRegistrations())[0].awaitingApproval, false);
    assert.match((await request(tool.app).get('/admin/registrations').auth('x', 's3cret-admin')).text, /None\./);
    assert.equal(reg.received.length, 1);
  });
});
