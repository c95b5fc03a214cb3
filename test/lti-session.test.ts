import assert from 'node:assert/strict';
import express from 'express';
import pg from 'pg';
import request from 'supertest';
import { ConfigurationError, ltiSession, type LtiSessionMiddleware, type LtiSessionOptions } from '../lib';
import { createHarness, fullLaunch, type Harness } from './helpers/harness';

const SECRET = 'a-session-secret-of-at-least-32-characters';

interface Logged {
  fields: Record<string, unknown>;
  message?: string;
}

/** An app whose /set route writes the session, mounted behind ltiSession(). */
function sessionApp(options: LtiSessionOptions, trustProxy?: number) {
  const logs: Logged[] = [];
  const middleware = ltiSession({ logger: { warn: (fields, message) => void logs.push({ fields, message }) }, ...options });
  const app = express();
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  app.use(middleware);
  app.get('/set', (req, res) => {
    (req.session as unknown as Record<string, unknown>).seen = true;
    res.send('ok');
  });
  app.get('/read', (req, res) => {
    res.json({ seen: (req.session as unknown as Record<string, unknown>).seen ?? false });
  });
  app.get('/health', (_req, res) => res.send('ok'));
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).send('error'));
  return { app, logs, middleware };
}

function setCookie(res: request.Response): string {
  return ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).join('\n');
}

describe('ltiSession', function () {
  this.timeout(20_000);
  let pool: pg.Pool;
  const opened: LtiSessionMiddleware[] = [];
  before(() => {
    pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((m) => m.close()));
  });
  after(async () => {
    await pool.end();
  });
  const open = (options: LtiSessionOptions, trustProxy?: number) => {
    const made = sessionApp(options, trustProxy);
    opened.push(made.middleware);
    return made;
  };

  it('production behind trust proxy (X-Forwarded-Proto: https): SameSite=None; Secure; Partitioned; HttpOnly, no warning', async () => {
    const { app, logs } = open({ pool, secret: SECRET, production: true }, 1);
    const res = await request(app).get('/set').set('X-Forwarded-Proto', 'https').expect(200);
    const cookie = setCookie(res);
    assert.match(cookie, /^lti\.sid=/);
    for (const attribute of ['SameSite=None', 'Secure', 'Partitioned', 'HttpOnly', 'Path=/']) assert.ok(cookie.includes(attribute), `${attribute} in ${cookie}`);
    assert.doesNotMatch(cookie, /Expires|Max-Age/, 'a browser-session cookie by default');
    assert.deepEqual(logs, []);
  });

  it('production without trust proxy: warns once that no Secure cookie can be set, and sets none', async () => {
    const { app, logs } = open({ pool, secret: SECRET, production: true });
    const first = await request(app).get('/set').set('X-Forwarded-Proto', 'https').expect(200);
    await request(app).get('/set').expect(200);
    assert.equal(setCookie(first), '', 'express-session refuses a Secure cookie over http');
    assert.equal(logs.length, 1);
    assert.equal(logs[0].fields.event, 'lti.cookie_warning');
    assert.match(logs[0].message ?? '', /trust proxy/);
  });

  it('development: SameSite=Lax over plain http, not Secure, not Partitioned; no session before something is stored', async () => {
    const { app, logs } = open({ conString: process.env.DATABASE_URL, secret: SECRET, production: false });
    assert.equal(setCookie(await request(app).get('/health').expect(200)), '', 'saveUninitialized: false');
    const cookie = setCookie(await request(app).get('/set').expect(200));
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure|Partitioned/);
    assert.deepEqual(logs, []);
  });

  it('options override the defaults (name, cookie, rolling, tableName) and express-session options apply last', async () => {
    const { app } = open({ pool, secret: SECRET, production: false, name: 'my.sid', cookie: { maxAge: 60_000 }, rolling: true });
    const agent = request.agent(app);
    assert.match(setCookie(await agent.get('/set').expect(200)), /^my\.sid=.*Expires=/);
    assert.match(setCookie(await agent.get('/health').expect(200)), /^my\.sid=/, 'rolling re-sends the cookie');
    await pool.query('drop table if exists session_alt; create table session_alt (like session including all)');
    try {
      const other = open({ pool, secret: SECRET, production: false, tableName: 'session_alt', sessionOptions: { name: 'x.sid' } });
      assert.match(setCookie(await request(other.app).get('/set').expect(200)), /^x\.sid=/);
      assert.equal((await pool.query('select count(*)::int as n from session_alt')).rows[0].n, 1, 'the row is in tableName');
    } finally {
      await pool.query('drop table session_alt');
    }
  });

  it('refuses a missing or short secret in production, and neither or both of pool and conString', () => {
    const refuses = (options: LtiSessionOptions, pattern: RegExp) =>
      assert.throws(() => ltiSession(options), (err: unknown) => err instanceof ConfigurationError && pattern.test(err.message));
    refuses({ pool, production: true }, /secret is required in production/);
    refuses({ pool, production: true, secret: '' }, /secret is required in production/);
    refuses({ pool, production: true, secret: 'x'.repeat(31) }, /at least 32 characters/);
    refuses({ pool, production: true, secret: [SECRET, 'short'] }, /at least 32 characters/);
    refuses({ production: false, secret: SECRET }, /either pool/);
    refuses({ pool, conString: 'postgres://x', production: false, secret: SECRET }, /either pool/);
    opened.push(ltiSession({ pool, production: true, secret: 'x'.repeat(32) }), ltiSession({ pool, production: false, secret: 'short-is-fine-locally' }));
  });

  it('development without a secret: a random per-process secret, one warning per logger, sessions still work', async () => {
    const logs: Logged[] = [];
    const logger = { warn: (fields: Record<string, unknown>, message?: string) => void logs.push({ fields, message }) };
    const a = open({ pool, production: false, logger });
    const b = open({ pool, production: false, logger });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].fields.event, 'lti.session_warning');
    assert.match(logs[0].message ?? '', /random secret.*at least 32 characters/s);
    // Both instances sign with the same process secret: a cookie from one is read by the other.
    const cookie = setCookie(await request(a.app).get('/set').expect(200)).split(';')[0];
    const read = await request(b.app).get('/read').set('Cookie', cookie).expect(200);
    assert.deepEqual(read.body, { seen: true });
  });

  it('shares the pool it is given (close() leaves it open) and ends the pool it made itself', async () => {
    const shared = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    try {
      const mine = ltiSession({ pool: shared, secret: SECRET, production: false });
      const app = express().use(mine).get('/set', (req, res) => {
        (req.session as unknown as Record<string, unknown>).seen = true;
        res.send('ok');
      });
      await request(app).get('/set').expect(200);
      assert.ok(shared.totalCount >= 1, 'the session row was written through the shared pool');
      await mine.close();
      assert.equal((await shared.query('select 1 as one')).rows[0].one, 1, 'the shared pool is still open');

      const own = ltiSession({ conString: process.env.DATABASE_URL, secret: SECRET, production: false });
      const ownApp = express().use(own).get('/set', (req, res) => {
        (req.session as unknown as Record<string, unknown>).seen = true;
        res.send('ok');
      });
      ownApp.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).send('error'));
      const agent = request.agent(ownApp);
      await agent.get('/set').expect(200);
      await own.close();
      assert.equal((await agent.get('/set')).status, 500, 'its own pool is ended: the session cannot be loaded');
    } finally {
      await shared.end();
    }
  });

  describe('with ltiLogin and ltiLaunch', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('a full launch through the development platform, and the next request is recognised', async () => {
      let middleware: LtiSessionMiddleware | undefined;
      h = await createHarness({
        launch: { autoCreateDeployments: true },
        sessionMiddleware: (harnessPool) => (middleware = ltiSession({ pool: harnessPool, secret: SECRET, production: false })),
      });
      try {
        const agent = request.agent(h.app);
        const launched = await fullLaunch(h, agent, 'learner');
        assert.equal(launched.status, 200, launched.text);
        assert.match(setCookie(launched), /^lti\.sid=.*SameSite=Lax/m);
        const me = await agent.get('/me').expect(200);
        assert.equal(me.body.lti.userId, launched.body.user.id);
        assert.equal((await h.db('session').count<{ count: string }[]>('* as count'))[0].count, '1');
      } finally {
        await middleware?.close();
      }
    });
  });
});
