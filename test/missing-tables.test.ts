import assert from 'node:assert/strict';
import express from 'express';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import request from 'supertest';
import { ConfigurationError, createKnexStore, ltiErrorHandler, ltiLogin, ltiSession, type LtiStore } from '../lib';
import { LAUNCH_URL, TEST_KEY_SECRET, createHarness } from './helpers/harness';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const COMMAND = /npx knex migrate:latest.*db\.migrate\.latest\(\{ directory: migrationsDirectory \}\)/;

/** A database before the migrations: a schema of its own, empty, first on the search_path. */
describe('before the migrations (tables missing)', function () {
  this.timeout(20_000);
  const schema = `empty_${process.pid}_${Date.now()}`;
  let admin: Knex;
  let empty: Knex;
  before(async () => {
    admin = knex({ client: 'pg', connection: process.env.DATABASE_URL });
    await admin.raw(`create schema "${schema}"`);
    empty = knex({ client: 'pg', connection: process.env.DATABASE_URL, searchPath: [schema], pool: { min: 0, max: 4 } });
  });
  after(async () => {
    await empty.destroy();
    await admin.raw(`drop schema "${schema}" cascade`);
    await admin.destroy();
  });

  it('registerPlatform() is a ConfigurationError naming the command, without the SQL', async () => {
    const store = createKnexStore(empty, { keySecret: TEST_KEY_SECRET });
    const input = { issuer: 'https://lms.test', clientId: 'c', authEndpoint: 'https://lms.test/auth', jwksUrl: 'https://lms.test/jwks' };
    const err = await store.registerPlatform(input).then(
      () => assert.fail('registered without tables'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigurationError, String(err));
    assert.equal(err.status, 500);
    assert.match(err.message, /^The table "lti_registrations" does not exist: run express-lti's migrations/);
    assert.match(err.message, COMMAND);
    assert.doesNotMatch(err.message, /insert into|on conflict/i);
    assert.equal((err.cause as { code?: string }).code, '42P01', 'the database error is kept as the cause');
    // Other admin calls and the tool keys say the same.
    await assert.rejects(() => store.listDeployments(), /The table "lti_deployments" does not exist/);
    await assert.rejects(() => store.publicJwks(), /The table "lti_tool_keys" does not exist/);
  });

  it('the login answers 500 configuration_error naming the command (JSON and page), not 503', async () => {
    const h = await createHarness({ store: createKnexStore(empty, { keySecret: TEST_KEY_SECRET }) });
    try {
      const query = { iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId };
      const json = await request(h.app).get('/lti/login').set('Accept', 'application/json').query(query);
      assert.equal(json.status, 500);
      assert.equal(json.body.error.code, 'configuration_error');
      assert.match(json.body.error.message, COMMAND);
      const page = await request(h.app).get('/lti/login').set('Accept', 'text/html').query(query);
      assert.equal(page.status, 500);
      assert.match(page.text, /configuration_error/);
      assert.doesNotMatch(page.text, /select|lti_registrations/i, 'no SQL or table names for learners');
    } finally {
      await h.close();
    }
  });

  it('storeCall maps a missing table of any store (here one querying the empty schema) the same way', async () => {
    const rawStore = {
      findRegistrations: async () => empty('lti_registrations').select(),
    } as unknown as LtiStore;
    const app = express();
    app.get('/lti/login', ltiLogin({ store: rawStore, launchUrl: LAUNCH_URL }));
    app.use(ltiErrorHandler());
    const res = await request(app)
      .get('/lti/login')
      .set('Accept', 'application/json')
      .query({ iss: 'https://lms.test', login_hint: 'x', target_link_uri: LAUNCH_URL, client_id: 'c' });
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, 'configuration_error');
    assert.match(res.body.error.message, /"lti_registrations" does not exist/);
  });

  it('a missing session table (ltiSession loading a session) is configuration_error too', async () => {
    const good = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    const bad = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2, options: `-c search_path=${schema}` });
    const sessions = [ltiSession({ pool: good, secret: SECRET, production: false }), ltiSession({ pool: bad, secret: SECRET, production: false })];
    try {
      const apps = sessions.map((middleware) => {
        const app = express().use(middleware);
        app.get('/', (req, res) => {
          (req.session as unknown as Record<string, unknown>).seen = true;
          res.send('ok');
        });
        return app.use(ltiErrorHandler());
      });
      const cookie = String((await request(apps[0]).get('/').expect(200)).headers['set-cookie']).split(';')[0];
      const res = await request(apps[1]).get('/').set('Cookie', cookie).set('Accept', 'application/json');
      assert.equal(res.status, 500);
      assert.equal(res.body.error.code, 'configuration_error');
      assert.match(res.body.error.message, /The table "session" does not exist/);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      await Promise.all([good.end(), bad.end()]);
    }
  });
});
