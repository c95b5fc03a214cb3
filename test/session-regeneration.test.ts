/**
 * The session regeneration at launch sends no DELETE for a session that cannot
 * be stored (generated during this request, holding nothing), and still
 * deletes every session the browser brought or the app stored before the launch.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import pgSession from 'connect-pg-simple';
import request from 'supertest';
import { ltiErrorHandler, ltiLaunch, ltiLogin } from '../lib';
import { LAUNCH_URL, createHarness, fullLaunch, postLaunch, startLogin, type Agent, type Harness } from './helpers/harness';

/** Session statements the harness's session pool sends, by verb. */
function recordSessionWrites(h: Harness): string[] {
  const writes: string[] = [];
  const query = h.pool.query.bind(h.pool) as (...a: unknown[]) => unknown;
  (h.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (text && /^(INSERT INTO|DELETE FROM|UPDATE) "session"/.test(text)) writes.push(text.split(' ')[0]);
    return query(...args);
  };
  return writes;
}

async function sessionIds(h: Harness): Promise<string[]> {
  return (await h.db('session').select('sid')).map((r: { sid: string }) => r.sid);
}

interface Jar {
  getCookie(name: string, access: object): { value: string } | undefined;
  setCookie(cookie: string, domain: string, path: string): void;
}
const jarOf = (agent: Agent) => (agent as unknown as { jar: Jar }).jar;

/** The signed session cookie's value an agent holds. */
function sessionCookie(agent: Agent): string {
  const c = jarOf(agent).getCookie('tool.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false });
  assert.ok(c, 'the agent has a session cookie');
  return c.value;
}

/** A cookie value express-session accepts for `sid` (its cookie-signature format, secret of the harness). */
function signedSid(sid: string): string {
  const mac = createHmac('sha256', 'test-secret').update(sid).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${sid}.${mac}`);
}

describe('session regeneration at launch', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('a fresh browser: one INSERT, no DELETE', async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
    const writes = recordSessionWrites(h);
    const agent = request.agent(h.app);
    const { location } = await startLogin(h, agent);
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    writes.length = 0;
    await postLaunch(agent, { id_token: idToken, state }).expect(200);
    assert.deepEqual(writes, ['INSERT']);
    assert.equal((await sessionIds(h)).length, 1);
  });

  it("a browser with a stored session: the old row is deleted and the id changes", async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
    const agent = request.agent(h.app);
    assert.equal((await fullLaunch(h, agent)).status, 200);
    const [before] = await sessionIds(h);
    const writes = recordSessionWrites(h);
    assert.equal((await fullLaunch(h, agent)).status, 200);
    // (UPDATE: express-session touching the session at the login)
    assert.deepEqual(writes.filter((w) => w !== 'UPDATE'), ['DELETE', 'INSERT']);
    const after = await sessionIds(h);
    assert.equal(after.length, 1);
    assert.notEqual(after[0], before);
  });

  for (const encoding of ['as set', 'percent-encoded']) {
    it(`a planted session with data (cookie ${encoding}) does not survive the victim's launch`, async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const attacker = request.agent(h.app);
      assert.equal((await fullLaunch(h, attacker, 'learner')).status, 200);
      const [planted] = await sessionIds(h);
      let value = sessionCookie(attacker); // s%3A<id>.<signature>
      // The cookie parser decodes %XX anywhere: the id need not appear literally in the header.
      if (encoding === 'percent-encoded') value = value.replace(planted, [...planted].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join(''));
      assert.equal(value.includes(planted), encoding === 'as set');

      const victim = request.agent(h.app);
      jarOf(victim).setCookie(`tool.sid=${value}; Path=/`, '127.0.0.1', '/');
      const writes = recordSessionWrites(h);
      const res = await fullLaunch(h, victim);
      assert.equal(res.status, 200, res.text);
      // (the login's UPDATE is express-session touching the planted session)
      assert.deepEqual(writes.filter((w) => w !== 'UPDATE'), ['DELETE', 'INSERT'], 'the planted session was loaded, then destroyed');
      const ids = await sessionIds(h);
      assert.equal(ids.length, 1, 'only the new session is stored');
      assert.notEqual(ids[0], planted, 'the planted id was replaced');
    });
  }

  for (const encoding of ['as set', 'percent-encoded']) {
    it(`a planted session holding nothing (cookie ${encoding}) does not survive the victim's launch`, async () => {
      // Only the cookie tells that this session came from the store: it holds nothing else.
      h = await createHarness({ launch: { autoCreateDeployments: true } });
      const sid = 'planted-session-0123456789';
      const cookie = { originalMaxAge: null, expires: null, httpOnly: true, path: '/' };
      await h.db('session').insert({ sid, sess: { cookie }, expire: new Date(Date.now() + 3_600_000) });
      let value = signedSid(sid);
      if (encoding === 'percent-encoded') value = value.replace(sid, [...sid].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join(''));
      assert.equal(value.includes(sid), encoding === 'as set');
      const victim = request.agent(h.app);
      jarOf(victim).setCookie(`tool.sid=${value}; Path=/`, '127.0.0.1', '/');
      const writes = recordSessionWrites(h);
      const res = await fullLaunch(h, victim);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(writes.filter((w) => w !== 'UPDATE'), ['DELETE', 'INSERT'], 'the planted session was loaded, then destroyed');
      const ids = await sessionIds(h);
      assert.equal(ids.length, 1, 'only the new session is stored');
      assert.notEqual(ids[0], sid);
    });
  }

  it('a new session the app stored before the launch, in the same request, does not survive it', async () => {
    h = await createHarness({ launch: { autoCreateDeployments: true } });
    const app = express();
    app.use(session({ store: new (pgSession(session))({ pool: h.pool, createTableIfMissing: false }), secret: 's', resave: false, saveUninitialized: false, name: 'tool.sid' }));
    const storeFirst: RequestHandler = (req, _res, next) => {
      (req.session as unknown as Record<string, unknown>).cart = ['before launch'];
      req.session.save(next);
    };
    app.all('/lti/login', ltiLogin({ store: h.store, launchUrl: LAUNCH_URL }));
    app.post('/lti/launch', storeFirst, ltiLaunch({ store: h.store, jwksCache: h.jwksCache, autoCreateDeployments: true }), (req, res) => {
      res.json({ sessionId: req.sessionID });
    });
    app.use(ltiErrorHandler());
    const agent = request.agent(app);
    const { location } = await startLogin(h, agent);
    const { idToken, state } = await h.platform.authorize(location.searchParams);
    const res = await postLaunch(agent, { id_token: idToken, state }).expect(200);
    const rows = await h.db('session').select('sid', 'sess');
    assert.equal(rows.length, 1, 'the pre-launch row was deleted');
    assert.equal(rows[0].sid, res.body.sessionId);
    assert.equal(rows[0].sess.cart, undefined, 'nothing of the old session is carried over');
  });
});
