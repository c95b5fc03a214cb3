/** Edge cases found in review: each pins a behaviour that was once wrong. */
import assert from 'node:assert/strict';
import express from 'express';
import knex, { type Knex } from 'knex';
import request from 'supertest';
import { CLAIM, createKnexStore, ltiErrorHandler } from '../lib';
import { LAUNCH_URL, createHarness, fullLaunch, launchWith, postLaunch, startLogin, type Harness } from './helpers/harness';

describe('robustness', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  describe('the regenerated session', () => {
    it('is written again when the app saves a change and then reverts it', async () => {
      h = await createHarness({
        launch: { autoCreateDeployments: true },
        afterLaunch: (req, _res, next) => {
          const s = req.session as unknown as Record<string, unknown>;
          s.tmp = 'one-time';
          req.session.save(() => {
            delete s.tmp;
            next();
          });
        },
      });
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      const [row] = await h.db('session').select('sess');
      assert.equal(row.sess.tmp, undefined, 'the store holds what the session holds at the end');
    });

    it('is written again when the app changes the cookie lifetime', async () => {
      h = await createHarness({
        launch: { autoCreateDeployments: true },
        cookie: { maxAge: 60_000 },
        afterLaunch: (req, _res, next) => {
          req.session.cookie.maxAge = 30 * 24 * 3600 * 1000; // "remember me"
          next();
        },
      });
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      const [row] = await h.db('session').select('expire');
      assert.ok(new Date(row.expire).getTime() > Date.now() + 29 * 24 * 3600 * 1000, `expire ${row.expire}`);
    });
  });

  describe('control characters', () => {
    it('a NUL in a login parameter is a 400, not a database error', async () => {
      h = await createHarness();
      for (const params of [{ iss: '\u0000' }, { client_id: 'a\u0000' }, { login_hint: 'x\r\ny' }]) {
        const res = await request(h.app)
          .get('/lti/login')
          .set('Accept', 'application/json')
          .query({ iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL, ...params });
        assert.equal(res.status, 400, JSON.stringify(params));
        assert.equal(res.body.error.code, 'invalid_request');
        assert.match(res.body.error.message, /control characters/);
      }
    });

    it('a platform error_description has its control characters replaced', async () => {
      h = await createHarness();
      const res = await request(h.app)
        .post('/lti/launch')
        .set('Accept', 'application/json')
        .type('form')
        .send({ error: 'login_required', error_description: 'line one\r\nfake: line' });
      assert.equal(res.body.error.code, 'platform_error');
      assert.doesNotMatch(res.body.error.message, /[\r\n]/);
    });

    it('a signed deployment_id with a NUL is refused as a claim, not a database error', async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const res = await launchWith(h, request.agent(h.app), { overrides: { [CLAIM.deploymentId]: 'dep\u0000x' } });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'claim_invalid');
    });
  });

  describe('the store caches', () => {
    let db: Knex;
    afterEach(() => db?.destroy());

    it('a lookup that read a row before it was deleted does not put it back in the cache', async () => {
      db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
      await db.raw('truncate lti_logins, lti_deployments, lti_registrations');
      let delayNext = false;
      // The same knex, but the next query's result arrives 300 ms late.
      const slow = new Proxy(db, {
        apply(target, thisArg, args: [string]) {
          const builder = Reflect.apply(target, thisArg, args) as Knex.QueryBuilder;
          if (!delayNext) return builder;
          delayNext = false;
          const then = builder.then.bind(builder);
          Object.assign(builder, {
            then: (ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) =>
              then((v: unknown) => new Promise((r) => setTimeout(() => r(v), 300))).then(ok, fail),
          });
          return builder;
        },
      });
      const store = createKnexStore(slow);
      const reg = await store.registerPlatform({ issuer: 'https://lms.test', clientId: 'c', authEndpoint: 'https://lms.test/a', jwksUrl: 'https://lms.test/j' });
      const dep = await store.addDeployment(reg.id, 'd1');
      delayNext = true;
      const stale = store.findDeployment(reg, 'd1'); // reads the row now, returns late
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await store.deleteDeployment(dep.id), true);
      assert.equal((await stale)?.id, dep.id, 'the slow lookup saw the row');
      assert.equal(await store.findDeployment(reg, 'd1'), undefined, 'but did not cache it past the delete');
    });

    it('records handed out are copies: changing one does not change the cache', async () => {
      db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
      await db.raw('truncate lti_logins, lti_deployments, lti_registrations');
      const store = createKnexStore(db);
      const reg = await store.registerPlatform({ issuer: 'https://lms.test', clientId: 'c', authEndpoint: 'https://lms.test/a', jwksUrl: 'https://lms.test/j' });
      const [found] = await store.findRegistrations('https://lms.test', 'c');
      found.jwksUrl = 'https://attacker.test/jwks';
      assert.equal((await store.findRegistrations('https://lms.test', 'c'))[0].jwksUrl, 'https://lms.test/j');
      await store.addDeployment(reg.id, 'd1');
      const dep = (await store.findDeployment(reg, 'd1'))!;
      dep.deploymentId = 'changed';
      assert.equal((await store.findDeployment(reg, 'd1'))!.deploymentId, 'd1');
    });
  });

  it('onDeploymentNotFound calling next() without an error is a configuration error, not a crash downstream', async () => {
    h = await createHarness({ launch: { onDeploymentNotFound: (_req, _res, next) => next() } });
    const res = await fullLaunch(h, request.agent(h.app));
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, 'configuration_error');
  });

  it('a logger that throws does not turn a refusal into a crash', async () => {
    h = await createHarness({ launch: { logger: { warn: () => { throw new Error('logger down'); } } } });
    const agent = request.agent(h.app);
    const { state } = await startLogin(h, agent);
    const res = await postLaunch(agent, { id_token: 'not.a.token', state });
    assert.equal(res.status, 401);
  });

  it("the error handler leaves the app's own connection errors alone when the session is fine", async () => {
    h = await createHarness();
    const app = express();
    app.use((req, _res, next) => {
      (req as unknown as { session: object }).session = {}; // the session middleware ran
      next();
    });
    app.get('/', (_req, _res, next) => next(Object.assign(new Error('redis down'), { code: 'ECONNREFUSED' })));
    app.use(ltiErrorHandler());
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(599).send(err.message));
    const res = await request(app).get('/');
    assert.equal(res.status, 599);
  });

  describe('form bodies', () => {
    it('too many fields is a 413 that says so', async () => {
      h = await createHarness();
      const body = Array.from({ length: 150 }, (_, i) => `f${i}=1`).join('&');
      const res = await request(h.app).post('/lti/launch').set('Accept', 'application/json').type('form').send(body);
      assert.equal(res.status, 413);
      assert.match(res.body.error.message, /too many fields/);
    });

    it('a charset other than UTF-8 is a 415', async () => {
      h = await createHarness();
      const res = await request(h.app)
        .post('/lti/launch')
        .set('Accept', 'application/json')
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r')
        .send('id_token=a&state=b');
      assert.equal(res.status, 415);
      assert.equal(res.body.error.code, 'body_invalid');
    });
  });
});
