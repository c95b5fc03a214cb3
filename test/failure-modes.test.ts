import assert from 'node:assert/strict';
import session from 'express-session';
import request from 'supertest';
import { JwksCache } from '../lib';
import { DevPlatform } from '../dev/platform';
import { LAUNCH_URL, createHarness, fullLaunch, launchWith, postLaunch, startLogin, type Harness } from './helpers/harness';
import { TcpProxy, viaProxy } from './helpers/tcp-proxy';

describe('failure modes', () => {
  let h: Harness;
  afterEach(() => h.close());

  describe('database down', () => {
    let proxy: TcpProxy;
    beforeEach(async () => {
      proxy = new TcpProxy(Number(new URL(process.env.DATABASE_URL!).port));
      await proxy.start();
      h = await createHarness({ databaseUrl: viaProxy(process.env.DATABASE_URL!, proxy.port), launch: { autoCreateDeployments: true } });
    });
    afterEach(async () => {
      await proxy.up().catch(() => undefined);
      await proxy.close();
    });

    it('answers 503 at login and at launch, and recovers when the database is back', async () => {
      const agent = request.agent(h.app);
      assert.equal((await fullLaunch(h, agent)).status, 200);
      const { location } = await startLogin(h, agent);
      const pending = await h.platform.authorize(location.searchParams);

      await proxy.down();
      // A new browser: nothing to load, so the store call is what fails.
      const login = await request(h.app)
        .get('/lti/login')
        .set('Accept', 'application/json')
        .query({ iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId });
      assert.equal(login.status, 503);
      assert.equal(login.body.error.code, 'storage_unavailable');
      assert.doesNotMatch(login.text, /ECONNREFUSED|at \w+ \(/, 'no internals leak');

      // A browser with a session: loading it is what fails.
      const launch = await postLaunch(agent, { id_token: pending.idToken, state: pending.state });
      assert.equal(launch.status, 503);
      assert.equal(launch.body.error.code, 'session_unavailable');
      const known = await agent.get('/lti/login').set('Accept', 'application/json')
        .query({ iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL });
      assert.equal(known.status, 503);
      assert.equal(known.body.error.code, 'session_unavailable');

      await proxy.up();
      const again = await fullLaunch(h, request.agent(h.app));
      assert.equal(again.status, 200, again.text);
    });
  });

  describe('session store failing', () => {
    /** An in-memory session store that can be switched to fail like an unreachable server. */
    class FlakyStore extends session.MemoryStore {
      failing: 'none' | 'set' | 'get' | 'destroy' = 'none';
      private fail(op: string) {
        return Object.assign(new Error(`session store ${op} failed`), { code: 'ECONNREFUSED' });
      }
      override set(sid: string, data: session.SessionData, cb?: (err?: unknown) => void) {
        if (this.failing === 'set') return cb?.(this.fail('set'));
        super.set(sid, data, cb);
      }
      override get(sid: string, cb: (err: unknown, data?: session.SessionData | null) => void) {
        if (this.failing === 'get') return cb(this.fail('get'));
        super.get(sid, cb);
      }
      override destroy(sid: string, cb?: (err?: unknown) => void) {
        if (this.failing === 'destroy') return cb?.(this.fail('destroy'));
        super.destroy(sid, cb);
      }
    }

    it('answers 503 session_unavailable when saving, loading or regenerating fails, and recovers', async () => {
      const sessions = new FlakyStore();
      h = await createHarness({ sessionStore: sessions, launch: { autoCreateDeployments: true } });
      const query = { iss: h.platform.issuer, login_hint: 'x', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId };

      // The login writes no session: a failing session store shows at the launch's save.
      sessions.failing = 'set';
      await request(h.app).get('/lti/login').query(query).expect(302);
      const saved = await fullLaunch(h, request.agent(h.app));
      assert.equal(saved.status, 503);
      assert.equal(saved.body.error.code, 'session_unavailable');

      // A browser with a session (from a launch), then a new login.
      sessions.failing = 'none';
      const agent = request.agent(h.app);
      assert.equal((await fullLaunch(h, agent)).status, 200);
      const { location } = await startLogin(h, agent);
      const { idToken, state } = await h.platform.authorize(location.searchParams);

      sessions.failing = 'get';
      const load = await postLaunch(agent, { id_token: idToken, state });
      assert.equal(load.status, 503);
      assert.equal(load.body.error.code, 'session_unavailable');

      sessions.failing = 'destroy';
      // The failed load stopped before the launch ran: the login is still there.
      const regenerate = await postLaunch(agent, { id_token: idToken, state });
      assert.equal(regenerate.status, 503);
      assert.equal(regenerate.body.error.code, 'session_unavailable');

      sessions.failing = 'none';
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
    });
  });

  describe('JWKS endpoint', () => {
    beforeEach(async () => {
      h = await createHarness({ launch: { autoCreateDeployments: true } });
    });

    for (const mode of ['error', 'junk', 'empty'] as const) {
      it(`refuses the launch (fails closed) when the key set is ${mode}`, async () => {
        h.platform.jwksMode = mode;
        const res = await launchWith(h, request.agent(h.app));
        const expected = mode === 'empty' ? 'signing_key_not_found' : 'jwks_unavailable';
        assert.equal(res.body.error.code, expected);
        assert.equal(res.status, mode === 'empty' ? 401 : 503);
      });
    }

    it('gives up on a hanging key set after the timeout, without stalling other launches', async () => {
      await h.close();
      h = await createHarness({ launch: { autoCreateDeployments: true, jwksCache: new JwksCache({ timeoutMs: 3_000 }) } });
      // A second platform with a healthy key set, launching into the same app meanwhile.
      const healthy = await DevPlatform.start({ clientId: 'healthy-client' });
      try {
        await h.store.registerPlatform(healthy.registration());
        h.platform.jwksMode = 'hang';
        const started = Date.now();
        let hungAnswered = false;
        const hanging = launchWith(h, request.agent(h.app)).then((r) => {
          hungAnswered = true;
          return r;
        });
        await new Promise((r) => setTimeout(r, 100));
        const agent = request.agent(h.app);
        const login = await agent
          .get('/lti/login')
          .query({ iss: healthy.issuer, login_hint: 'learner', target_link_uri: LAUNCH_URL, client_id: healthy.clientId })
          .expect(302);
        const other = await healthy.authorize(new URL(login.headers.location as string).searchParams);
        const ok = await postLaunch(agent, { id_token: other.idToken, state: other.state });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(hungAnswered, false, 'the healthy launch finished while the other key set still hung');
        const hung = await hanging;
        assert.equal(hung.status, 503);
        assert.equal(hung.body.error.code, 'jwks_unavailable');
        assert.ok(Date.now() - started < 6_000, 'bounded by the timeout');
      } finally {
        await healthy.close();
      }
    });

    it('fetches the key set once for many launches', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      assert.equal(h.platform.jwksRequests, 1);
    });

    it('accepts a rotated key after one refetch; a flood of one unknown kid shares one refetch, then none', async () => {
      await h.close();
      h = await createHarness({ launch: { autoCreateDeployments: true, jwksCache: new JwksCache({ cooldownMs: 1_500 }) } });
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200);
      assert.equal(h.platform.jwksRequests, 1);
      await new Promise((r) => setTimeout(r, 1_600)); // past the cooldown, as a real rotation would be
      await h.platform.rotateKey();
      assert.equal((await fullLaunch(h, request.agent(h.app))).status, 200, 'new kid accepted');
      assert.equal(h.platform.jwksRequests, 2, 'exactly one refetch');
      // Log in first, then post every unknown-kid token at once, well inside the cooldown.
      const prepared = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const agent = request.agent(h.app);
          const { nonce, state } = await startLogin(h, agent);
          const token = await h.platform.sign(h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL }), { kid: 'no-such-kid' });
          return { agent, state, token };
        }),
      );
      const post = (batch: typeof prepared) => Promise.all(batch.map((p) => postLaunch(p.agent, { id_token: p.token, state: p.state })));
      for (const r of await post(prepared.slice(0, 10))) assert.equal(r.body.error.code, 'signing_key_not_found');
      // A kid never seen gets one fetch (a rotation must be seen), shared by every concurrent probe.
      assert.equal(h.platform.jwksRequests, 3, 'one refetch for ten concurrent probes');
      for (const r of await post(prepared.slice(10))) assert.equal(r.body.error.code, 'signing_key_not_found');
      assert.equal(h.platform.jwksRequests, 3, 'a kid found absent is not fetched again within the cooldown');
    });

    it('never has more than one key set fetch in flight', async () => {
      const agents = Array.from({ length: 10 }, () => request.agent(h.app));
      const logins = await Promise.all(agents.map((a) => startLogin(h, a)));
      const tokens = await Promise.all(logins.map((l) => h.platform.authorize(l.location.searchParams)));
      const res = await Promise.all(tokens.map((t, i) => postLaunch(agents[i], { id_token: t.idToken, state: t.state })));
      for (const r of res) assert.equal(r.status, 200, r.text);
      assert.equal(h.platform.jwksRequests, 1);
    });
  });
});
