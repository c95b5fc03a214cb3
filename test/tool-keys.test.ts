import assert from 'node:assert/strict';
import express from 'express';
import knex, { type Knex } from 'knex';
import request from 'supertest';
import { SignJWT, createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { ConfigurationError, createKnexStore, ltiErrorHandler, ltiJwks, type KnexStore } from '../lib';
import { TEST_KEY_SECRET, resetTables } from './helpers/harness';
import { TcpProxy, viaProxy } from './helpers/tcp-proxy';

const SECRET = TEST_KEY_SECRET;
const OTHER_SECRET = 'another-secret-abcdefghijklmnopqrstuvwxyz-0123456789';
const PUBLIC_MEMBERS = ['alg', 'e', 'kid', 'kty', 'n', 'use'];

const connect = () => knex({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 0, max: 10 } });

async function keyRows(db: Knex) {
  return (await db('lti_tool_keys').select('*').orderBy('created_at')) as Array<{
    kid: string;
    state: string;
    public_jwk: Record<string, unknown>;
    private_key_encrypted: string;
    retired_at: Date | null;
  }>;
}

async function withNodeEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_ENV;
  if (value === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
}

async function signWith(store: KnexStore): Promise<string> {
  const key = await store.signingKey();
  return new SignJWT({ hello: 'world' }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).setIssuedAt().setExpirationTime('5m').sign(key.privateKey);
}

describe('tool keys', function () {
  this.timeout(30_000);
  let db: Knex;
  let store: KnexStore;
  beforeEach(async () => {
    db = connect();
    await resetTables(db);
    await db('lti_tool_keys').truncate();
    store = createKnexStore(db, { keySecret: SECRET });
  });
  afterEach(async () => {
    // Later suites share the table: leave no key sealed with another secret.
    await db('lti_tool_keys').truncate();
    await db.destroy();
  });

  it('makes a current and a next RS256 2048-bit key on first need, once', async () => {
    assert.equal((await keyRows(db)).length, 0);
    const key = await store.signingKey();
    assert.equal(key.alg, 'RS256');
    const rows = await keyRows(db);
    assert.deepEqual(rows.map((r) => r.state).sort(), ['current', 'next']);
    assert.equal(rows.find((r) => r.state === 'current')!.kid, key.kid);
    assert.equal(Buffer.from(rows[0].public_jwk.n as string, 'base64url').length * 8, 2048);
    assert.equal((await store.signingKey()).kid, key.kid);
    assert.equal((await createKnexStore(db, { keySecret: SECRET }).signingKey()).kid, key.kid, 'another store uses the same key');
    assert.equal((await keyRows(db)).length, 2);
  });

  it('keeps private keys encrypted at rest; a wrong secret is a clear ConfigurationError', async () => {
    await store.signingKey();
    for (const row of await keyRows(db)) {
      const text = JSON.stringify(row);
      assert.doesNotMatch(text, /PRIVATE KEY|BEGIN|"d"|"p"|"q"/);
      assert.deepEqual(Object.keys(row.public_jwk).sort(), PUBLIC_MEMBERS);
      assert.match(row.private_key_encrypted, /^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    const wrong = createKnexStore(db, { keySecret: OTHER_SECRET });
    await assert.rejects(wrong.signingKey(), (err: unknown) => {
      assert.ok(err instanceof ConfigurationError);
      assert.match(err.message, /cannot be decrypted with this keySecret/);
      return true;
    });
    // A sealed key moved to another row (kid is the authenticated data) does not open either.
    const [a, b] = await keyRows(db);
    await db('lti_tool_keys').where({ kid: a.kid }).update({ private_key_encrypted: b.private_key_encrypted });
    await assert.rejects(createKnexStore(db, { keySecret: SECRET, keyCacheTtlMs: 0 }).signingKey(), /cannot be decrypted/);
  });

  it('refuses a short keySecret', async () => {
    await assert.rejects(createKnexStore(db, { keySecret: 'short' }).signingKey(), (err: unknown) => err instanceof ConfigurationError && /at least 32/.test(err.message));
    assert.equal((await keyRows(db)).length, 0);
  });

  it('without keySecret in production: refuses to make or use private keys, still serves existing public keys', async () => {
    await withNodeEnv('production', async () => {
      const bare = createKnexStore(db);
      await assert.rejects(bare.signingKey(), (err: unknown) => err instanceof ConfigurationError && /no keySecret/.test(err.message));
      await assert.rejects(bare.publicJwks(), ConfigurationError);
      await assert.rejects(bare.rotateToolKeys(), ConfigurationError);
      assert.equal((await keyRows(db)).length, 0, 'nothing created');
      await store.signingKey(); // made by a store that has the secret
      assert.equal((await bare.publicJwks()).keys.length, 2);
      await assert.rejects(bare.signingKey(), ConfigurationError);
    });
  });

  it('outside production without keySecret: a development secret, with one warning', async () => {
    await withNodeEnv('development', async () => {
      const warnings: unknown[] = [];
      const dev = createKnexStore(db, { logger: { warn: (fields) => void warnings.push(fields) } });
      const key = await dev.signingKey();
      await dev.rotateToolKeys();
      await dev.signingKey();
      assert.notEqual((await dev.signingKey()).kid, key.kid);
      assert.equal(warnings.length, 1);
      assert.deepEqual(warnings[0], { event: 'lti.development_key_secret' });
      await assert.rejects(store.signingKey(), /cannot be decrypted/, 'the development secret is not the real one');
    });
  });

  it('two processes (two knex pools) starting together end with one current and one next key', async () => {
    const other = connect();
    try {
      const a = createKnexStore(db, { keySecret: SECRET });
      const b = createKnexStore(other, { keySecret: SECRET });
      const kids = await Promise.all([
        ...Array.from({ length: 8 }, () => a.signingKey()),
        ...Array.from({ length: 8 }, () => b.signingKey()),
        a.publicJwks().then((j) => j.keys[0]),
        b.publicJwks().then((j) => j.keys[0]),
      ]);
      assert.equal(new Set(kids.map((k) => k.kid)).size, 1);
      const rows = await keyRows(db);
      assert.deepEqual(rows.map((r) => r.state).sort(), ['current', 'next']);
      // Concurrent rotations are serialized: each one retires one key.
      await Promise.all([a.rotateToolKeys(), b.rotateToolKeys()]);
      const states = (await keyRows(db)).map((r) => r.state).sort();
      assert.deepEqual(states, ['current', 'next', 'retired', 'retired']);
    } finally {
      await other.destroy();
    }
  });

  it('the database refuses a second current key', async () => {
    await store.signingKey();
    const [row] = await keyRows(db);
    await assert.rejects(
      db('lti_tool_keys').insert({ ...row, kid: 'another', state: 'current', public_jwk: JSON.stringify(row.public_jwk) }),
      /lti_tool_keys_one_current/,
    );
  });

  describe('JWKS route', () => {
    const appFor = (s: Pick<KnexStore, 'publicJwks'>, cacheControl?: string) => {
      const app = express();
      app.get('/lti/jwks', ltiJwks({ store: s, cacheControl }));
      app.use(ltiErrorHandler());
      return app;
    };

    it('serves only the public members of the current and next keys, with Cache-Control', async () => {
      const res = await request(appFor(store)).get('/lti/jwks').expect(200);
      assert.equal(res.headers['cache-control'], 'public, max-age=300');
      assert.match(res.headers['content-type'], /^application\/json/);
      const keys = res.body.keys as Array<JWK & Record<string, unknown>>;
      assert.equal(keys.length, 2);
      for (const k of keys) {
        assert.deepEqual(Object.keys(k).sort(), PUBLIC_MEMBERS);
        assert.deepEqual([k.kty, k.alg, k.use], ['RSA', 'RS256', 'sig']);
      }
      assert.equal(keys[0].kid, (await store.signingKey()).kid, 'current first');
      // The published key verifies what the tool signs.
      await jwtVerify(await signWith(store), createLocalJWKSet({ keys }));
      const custom = await request(appFor(store, 'public, max-age=60')).get('/lti/jwks').expect(200);
      assert.equal(custom.headers['cache-control'], 'public, max-age=60');
    });

    it('answers 503 when the store fails', async () => {
      const res = await request(appFor({ publicJwks: () => Promise.reject(new Error('connection refused')) }))
        .get('/lti/jwks')
        .set('Accept', 'application/json')
        .expect(503);
      assert.equal(res.body.error.code, 'storage_unavailable');
    });
  });

  describe('rotation', () => {
    it('promotes next to current, signs with it at once, and keeps the old key published for the grace period', async () => {
      const before = await store.signingKey();
      const oldToken = await signWith(store);
      const nextKid = (await store.publicJwks()).keys[1].kid;
      const rotation = await store.rotateToolKeys();
      assert.deepEqual({ current: rotation.current, retired: rotation.retired }, { current: nextKid, retired: before.kid });
      assert.equal((await store.signingKey()).kid, nextKid, 'this process signs with the new key at once');
      const jwks = await store.publicJwks();
      assert.deepEqual(jwks.keys.map((k) => k.kid), [rotation.current, rotation.next, before.kid]);
      const set = createLocalJWKSet(jwks);
      await jwtVerify(oldToken, set); // platforms still verify what the old key signed
      await jwtVerify(await signWith(store), set);
      // Past the grace period the retired key leaves the set (and the next rotation deletes it).
      await db('lti_tool_keys').where({ kid: before.kid }).update({ retired_at: new Date(Date.now() - 25 * 3600_000) });
      assert.deepEqual((await store.publicJwks()).keys.map((k) => k.kid), [rotation.current, rotation.next]);
      await store.rotateToolKeys();
      assert.equal((await db('lti_tool_keys').where({ kid: before.kid })).length, 0);
    });

    it('honours retiredKeyGraceMs', async () => {
      const short = createKnexStore(db, { keySecret: SECRET, retiredKeyGraceMs: 1 });
      const { retired } = await short.rotateToolKeys();
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(!(await short.publicJwks()).keys.some((k) => k.kid === retired));
      assert.ok((await store.publicJwks()).keys.some((k) => k.kid === retired), 'the default grace keeps it');
    });

    it('another process keeps its key until its keyCacheTtlMs has passed', async () => {
      const other = connect();
      try {
        const cachedLong = createKnexStore(other, { keySecret: SECRET }); // default 60 s
        const uncached = createKnexStore(other, { keySecret: SECRET, keyCacheTtlMs: 0 });
        const first = await cachedLong.signingKey();
        assert.equal((await uncached.signingKey()).kid, first.kid);
        const { current } = await store.rotateToolKeys();
        assert.equal((await cachedLong.signingKey()).kid, first.kid, 'cached within the TTL');
        assert.equal((await uncached.signingKey()).kid, current, 'checked again once the TTL is over');
      } finally {
        await other.destroy();
      }
    });
  });

  it('database down: keeps signing with the key it has; without one, the database error surfaces', async () => {
    const proxy = new TcpProxy(Number(new URL(process.env.DATABASE_URL!).port));
    await proxy.start();
    const proxied = knex({ client: 'pg', connection: viaProxy(process.env.DATABASE_URL!, proxy.port), pool: { min: 0, max: 2 }, acquireConnectionTimeout: 2_000 });
    try {
      const s = createKnexStore(proxied, { keySecret: SECRET, keyCacheTtlMs: 0 });
      const fresh = createKnexStore(proxied, { keySecret: SECRET });
      const key = await s.signingKey();
      await proxy.down();
      assert.equal((await s.signingKey()).kid, key.kid);
      await assert.rejects(fresh.signingKey(), (err: unknown) => !(err instanceof ConfigurationError));
    } finally {
      await proxy.up().catch(() => undefined);
      await proxy.close();
      await proxied.destroy();
    }
  });

  it('registrations keep an optional tokenAudience', async () => {
    const input = { issuer: 'https://d2l.test', clientId: 'c', authEndpoint: 'https://d2l.test/auth', jwksUrl: 'https://d2l.test/jwks', tokenEndpoint: 'https://d2l.test/token' };
    assert.equal((await store.registerPlatform(input)).tokenAudience, null);
    const reg = await store.registerPlatform({ ...input, tokenAudience: 'https://api.brightspace.com/auth/token' });
    assert.equal(reg.tokenAudience, 'https://api.brightspace.com/auth/token');
    assert.equal((await store.findRegistrations(input.issuer, 'c'))[0].tokenAudience, 'https://api.brightspace.com/auth/token');
  });
});
