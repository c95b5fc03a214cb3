/**
 * The tool's key pairs in PostgreSQL (table lti_tool_keys): made on first need,
 * private halves encrypted at rest, rotated next → current → retired.
 */
import { createPrivateKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ConfigurationError } from '../errors';
import { consoleLogger, type LtiLogger } from '../logger';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption';
import type { ToolKeySource, ToolSigningKey } from './tool-key-source';

const generateRsa = promisify(generateKeyPair);
const TABLE = 'lti_tool_keys';
/** One lock id for every process: key creation and rotation are serialized by it. */
const LOCK = "select pg_advisory_xact_lock(hashtext('express-lti:lti_tool_keys'))";
/** Used only when NODE_ENV is not 'production' and no keySecret was given. */
const DEVELOPMENT_SECRET = 'express-lti development key secret (never use in production)';

/** A public key as the tool's JWKS publishes it: these members only. */
export interface ToolPublicJwk extends JWK {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

/** The tool's key set as served to platforms. */
export interface ToolJwks {
  keys: ToolPublicJwk[];
}

/** The kids after {@link ToolKeyStore.rotateToolKeys}. */
export interface ToolKeyRotation {
  /** The key that signs from now on (the former next key). */
  current: string;
  /** The new next key, already published. */
  next: string;
  /** The former current key, still published for the grace period. */
  retired: string;
}

/** Options of the tool keys (part of `KnexStoreOptions`). */
export interface ToolKeyOptions {
  /**
   * Secret that encrypts the private keys at rest (AES-256-GCM, key derived with
   * scrypt). At least 32 random characters, kept outside the database (e.g. the
   * `LTI_KEY_SECRET` environment variable). Required when NODE_ENV is
   * 'production'; elsewhere a fixed development secret is used, with a warning.
   */
  keySecret?: string;
  /** How long a retired key stays in the JWKS, in ms (default 24 h). */
  retiredKeyGraceMs?: number;
  /**
   * How long this process keeps using the current key before checking the
   * database again, in ms (default 60 000). A rotation made by this process is
   * seen at once; one made by another process after at most this long. While the
   * database cannot be reached, the key already loaded keeps signing.
   */
  keyCacheTtlMs?: number;
  /** Receives the one-time development-secret warning (default: console). */
  logger?: LtiLogger;
}

/** Key calls of the knex store. */
export interface ToolKeyStore extends ToolKeySource {
  /** The public parts of the next, current and recently retired keys (creates the keys on first need). */
  publicJwks(): Promise<ToolJwks>;
  /** Promote next → current, current → retired, and make a new next key. */
  rotateToolKeys(): Promise<ToolKeyRotation>;
}

interface KeyRow {
  kid: string;
  state: 'next' | 'current' | 'retired';
  public_jwk: ToolPublicJwk;
  private_key_encrypted: string;
  retired_at: Date | null;
}

/** Only the public members, whatever the row holds. */
function publicPart(jwk: ToolPublicJwk): ToolPublicJwk {
  return { kty: 'RSA', n: jwk.n, e: jwk.e, kid: jwk.kid, alg: 'RS256', use: 'sig' };
}

/** The key calls over `db`; `createKnexStore` delegates to these. */
export function createKnexToolKeys(db: Knex, options: ToolKeyOptions = {}): ToolKeyStore {
  const graceMs = options.retiredKeyGraceMs ?? 24 * 60 * 60 * 1000;
  const cacheTtlMs = options.keyCacheTtlMs ?? 60_000;
  let warned = false;
  let cached: { key: ToolSigningKey; checkedAt: number } | undefined;
  let loading: Promise<ToolSigningKey> | undefined;
  /** Bumped by a rotation: a load that started before it must not be cached. */
  let generation = 0;

  function secret(): string {
    if (options.keySecret !== undefined) {
      if (options.keySecret.length < 32) throw new ConfigurationError('keySecret must be at least 32 characters (use a random value).');
      return options.keySecret;
    }
    if (process.env.NODE_ENV === 'production') {
      throw new ConfigurationError(
        'createKnexStore: no keySecret, so the tool cannot create or use its private keys. Pass keySecret (e.g. process.env.LTI_KEY_SECRET).',
      );
    }
    if (!warned) {
      warned = true;
      try {
        (options.logger ?? consoleLogger).warn(
          { event: 'lti.development_key_secret' },
          'No keySecret given: tool private keys are encrypted with a fixed development secret. Set keySecret before production.',
        );
      } catch {
        // A failing logger must not stop key creation.
      }
    }
    return DEVELOPMENT_SECRET;
  }

  async function newKeyRow(state: 'next' | 'current', sealSecret: string): Promise<Record<string, unknown>> {
    const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    const { n, e } = publicKey.export({ format: 'jwk' });
    const kid = await calculateJwkThumbprint({ kty: 'RSA', n, e });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    return {
      kid,
      state,
      public_jwk: JSON.stringify(publicPart({ kty: 'RSA', n: n!, e: e!, kid, alg: 'RS256', use: 'sig' })),
      private_key_encrypted: await encryptPrivateKey(sealSecret, kid, pem),
      activated_at: state === 'current' ? new Date() : null,
    };
  }

  /** Make the missing current and next keys, under the lock (inside `trx`). */
  async function ensureIn(trx: Knex.Transaction): Promise<void> {
    await trx.raw(LOCK);
    const states = (await trx(TABLE).whereIn('state', ['current', 'next']).pluck('state')) as string[];
    for (const state of ['current', 'next'] as const) {
      if (!states.includes(state)) await trx(TABLE).insert(await newKeyRow(state, secret()));
    }
  }

  const ensureKeys = () => db.transaction(ensureIn);

  async function loadCurrent(): Promise<ToolSigningKey> {
    const started = generation;
    let row = (await db(TABLE).select('kid', 'private_key_encrypted').where({ state: 'current' }).first()) as KeyRow | undefined;
    if (!row) {
      secret(); // refuse before creating anything
      await ensureKeys();
      row = (await db(TABLE).select('kid', 'private_key_encrypted').where({ state: 'current' }).first()) as KeyRow | undefined;
      if (!row) throw new Error('The current tool key vanished while being created.');
    }
    let key: ToolSigningKey;
    if (cached && cached.key.kid === row.kid) {
      key = cached.key;
    } else {
      const pem = await decryptPrivateKey(secret(), row.kid, row.private_key_encrypted);
      key = { kid: row.kid, alg: 'RS256', privateKey: createPrivateKey(pem) };
    }
    if (started === generation) cached = { key, checkedAt: Date.now() };
    return key;
  }

  return {
    async signingKey() {
      if (cached && Date.now() - cached.checkedAt < cacheTtlMs) return cached.key;
      const stale = cached?.key;
      // Concurrent callers share one load.
      loading ??= loadCurrent().finally(() => (loading = undefined));
      try {
        return await loading;
      } catch (err) {
        // The database is down: keep signing with the key this process already has
        // (a rotation elsewhere is picked up once the database is back).
        if (stale && !(err instanceof ConfigurationError)) return stale;
        throw err;
      }
    },

    async publicJwks() {
      const read = async () =>
        (await db(TABLE)
          .select('kid', 'state', 'public_jwk', 'retired_at')
          .whereIn('state', ['current', 'next'])
          .orWhere((q) => q.where({ state: 'retired' }).andWhere('retired_at', '>', new Date(Date.now() - graceMs)))) as KeyRow[];
      let rows = await read();
      if (!rows.some((r) => r.state === 'current') || !rows.some((r) => r.state === 'next')) {
        await ensureKeys();
        rows = await read();
      }
      const order = { current: 0, next: 1, retired: 2 };
      rows.sort((a, b) => order[a.state] - order[b.state] || (b.retired_at?.getTime() ?? 0) - (a.retired_at?.getTime() ?? 0));
      return { keys: rows.map((r) => publicPart(r.public_jwk)) };
    },

    async rotateToolKeys() {
      const sealSecret = secret();
      const result = await db.transaction(async (trx) => {
        await ensureIn(trx);
        const now = new Date();
        const [current] = (await trx(TABLE).where({ state: 'current' }).update({ state: 'retired', retired_at: now }, ['kid'])) as Array<{ kid: string }>;
        const [promoted] = (await trx(TABLE).where({ state: 'next' }).update({ state: 'current', activated_at: now }, ['kid'])) as Array<{ kid: string }>;
        const next = await newKeyRow('next', sealSecret);
        await trx(TABLE).insert(next);
        // Retired keys past the grace period are no longer published: drop them.
        await trx(TABLE).where({ state: 'retired' }).andWhere('retired_at', '<=', new Date(now.getTime() - graceMs)).del();
        return { current: promoted.kid, next: next.kid as string, retired: current.kid };
      });
      generation++;
      cached = undefined;
      loading = undefined;
      return result;
    },
  };
}
