import type { KeyLike } from 'jose';
import { boundedFetch, FetchProblem } from '../http/bounded-fetch';
import { JwksUnavailableError, SigningKeyNotFoundError } from '../errors';
import { candidateKeys, NotAKeySetError, parseKeySet, type PolicyKeySet } from './jwks-policy';

/** Where a launch gets the keys to verify its id_token with. */
export interface SigningKeySource {
  /**
   * The keys to try for a token's `kid` and `alg` (at most 3, never empty).
   * Throws `SigningKeyNotFoundError` when the key set has none,
   * `JwksUnavailableError` when no key set can be had.
   */
  keysFor(kid: string, alg: string): Promise<KeyLike[]>;
}

/** Options of {@link JwksCache}. */
export interface JwksCacheOptions {
  /** One deadline over connecting, headers and body of a key set fetch, in ms (default 5 000). */
  timeoutMs?: number;
  /** Largest key set read, in bytes (default 1 048 576); a longer one is abandoned. */
  maxBytes?: number;
  /**
   * A `kid` that a key set fetch found absent is refused without another fetch
   * for this long, in ms (default 30 000): repeated probes of one kid cost nothing.
   */
  cooldownMs?: number;
  /**
   * At most one fetch per URL this often, in ms (default 1 000). A token with an
   * unknown `kid` waits for the next fetch, so a new key (rotation) is accepted
   * within about this long however many unknown kids an attacker sends.
   */
  minRefetchIntervalMs?: number;
  /** Refresh a key set in the background once it is this old, in ms (default 600 000). */
  maxAgeMs?: number;
}

interface LoadedSet {
  keys: PolicyKeySet;
  /** Number of the fetch that produced it, and when that fetch started. */
  seq: number;
  startedAt: number;
}

interface Entry {
  set?: LoadedSet;
  /** The fetch in flight (at most one per URL). */
  fetching?: { seq: number; promise: Promise<LoadedSet> };
  /** The next fetch, waiting for the one in flight and for the minimum interval. */
  next?: Promise<LoadedSet>;
  started: number;
  lastStart: number;
  /** kid → start time of the fetch that found it absent; oldest first. */
  absent: Map<string, number>;
}

const MAX_URLS = 1_000;
const MAX_ABSENT_KIDS = 1_000;
const MAX_REMEMBERED_KID_LENGTH = 256;

/**
 * One key set per JWKS URL, shared by every launch. Fetched with one deadline
 * and a byte cap, filtered by the key policy (`jwks-policy.ts`) and imported once
 * per fetch. The last good set keeps serving while a refresh is pending, stuck
 * or failed; at most one fetch per URL is in flight, and at most one starts per
 * `minRefetchIntervalMs`.
 */
export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly options: Required<JwksCacheOptions>;

  constructor(options: JwksCacheOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 5_000,
      maxBytes: options.maxBytes ?? 1_048_576,
      cooldownMs: options.cooldownMs ?? 30_000,
      minRefetchIntervalMs: options.minRefetchIntervalMs ?? 1_000,
      maxAgeMs: options.maxAgeMs ?? 600_000,
    };
  }

  /** The key source of `url`; its key set is fetched on first use. */
  get(url: string): SigningKeySource {
    return { keysFor: (kid, alg) => this.keysFor(url, kid, alg) };
  }

  /** Drop the cached key set of `url` (or of every URL). */
  clear(url?: string): void {
    if (url === undefined) this.entries.clear();
    else this.entries.delete(url);
  }

  private entry(url: string): Entry {
    let entry = this.entries.get(url);
    if (!entry) {
      // URLs come from registrations, so this stays small; the cap guards misuse.
      if (this.entries.size >= MAX_URLS) this.entries.clear();
      entry = { started: 0, lastStart: -Infinity, absent: new Map() };
      this.entries.set(url, entry);
    }
    return entry;
  }

  private async keysFor(url: string, kid: string, alg: string): Promise<KeyLike[]> {
    const entry = this.entry(url);
    // Fetches numbered above this started after the token arrived, so they see any key published before it was signed.
    const arrival = entry.started;
    // With no key set yet, any fetch in flight will do.
    const set = entry.set ?? (await this.nextFetch(url, entry, -1));
    if (set.keys.byKid.has(kid)) {
      if (Date.now() - set.startedAt >= this.options.maxAgeMs && !entry.fetching && !entry.next) {
        this.nextFetch(url, entry, arrival).catch(() => undefined); // stale-while-revalidate
      }
      return found(set, kid, alg);
    }
    const absentAt = entry.absent.get(kid);
    if (set.seq > arrival || (absentAt !== undefined && Date.now() - absentAt < this.options.cooldownMs)) {
      throw new SigningKeyNotFoundError();
    }
    const fresh = await this.nextFetch(url, entry, arrival);
    if (fresh.keys.byKid.has(kid)) return found(fresh, kid, alg);
    remember(entry, kid, fresh.startedAt);
    throw new SigningKeyNotFoundError();
  }

  /** A fetch that starts after `arrival`: the one in flight if it did, else the next one (shared). */
  private nextFetch(url: string, entry: Entry, arrival: number): Promise<LoadedSet> {
    if (entry.fetching && entry.fetching.seq > arrival) return entry.fetching.promise;
    if (entry.next) return entry.next;
    const next = (async () => {
      await undefined; // let `entry.next` be set below before this clears it
      if (entry.fetching) await entry.fetching.promise.catch(() => undefined);
      const wait = entry.lastStart + this.options.minRefetchIntervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
      entry.next = undefined;
      return this.start(url, entry);
    })();
    entry.next = next;
    return next;
  }

  private start(url: string, entry: Entry): Promise<LoadedSet> {
    const seq = ++entry.started;
    const startedAt = Date.now();
    entry.lastStart = startedAt;
    const promise = this.load(url).then(
      (keys) => {
        const set = { keys, seq, startedAt };
        if (!entry.set || entry.set.seq < seq) entry.set = set;
        for (const kid of keys.byKid.keys()) entry.absent.delete(kid);
        return set;
      },
    ).finally(() => {
      if (entry.fetching?.seq === seq) entry.fetching = undefined;
    });
    entry.fetching = { seq, promise };
    return promise;
  }

  /** Fetch and filter one key set; every failure is a JwksUnavailableError, within the deadline. */
  private async load(url: string): Promise<PolicyKeySet> {
    let body: Buffer;
    try {
      const res = await boundedFetch(url, {
        timeoutMs: this.options.timeoutMs,
        maxBytes: this.options.maxBytes,
        headers: { accept: 'application/json, application/jwk-set+json' },
      });
      if (res.status !== 200) throw new JwksUnavailableError(`the platform answered HTTP ${res.status}`);
      body = res.body;
    } catch (err) {
      if (err instanceof JwksUnavailableError) throw err;
      throw new JwksUnavailableError(fetchDetail(err, this.options), { cause: err });
    }
    try {
      return await parseKeySet(body);
    } catch (err) {
      if (err instanceof NotAKeySetError) throw new JwksUnavailableError(`${err.message}, not a JSON Web Key Set`, { cause: err });
      throw err;
    }
  }
}

/** A fixed key set under the same policy (tests, tools given keys out of band). */
export function staticKeySource(jwks: { keys: unknown[] }): SigningKeySource {
  const parsed = parseKeySet(JSON.stringify(jwks));
  return {
    async keysFor(kid, alg) {
      const keys = candidateKeys(await parsed, kid, alg);
      if (keys.length === 0) throw new SigningKeyNotFoundError();
      return keys;
    },
  };
}

function found(set: LoadedSet, kid: string, alg: string): KeyLike[] {
  const keys = candidateKeys(set.keys, kid, alg);
  if (keys.length === 0) throw new SigningKeyNotFoundError();
  return keys;
}

/** Remember a kid a fetch found absent; bounded, oldest dropped first. */
function remember(entry: Entry, kid: string, at: number): void {
  if (kid.length > MAX_REMEMBERED_KID_LENGTH) return;
  entry.absent.delete(kid);
  if (entry.absent.size >= MAX_ABSENT_KIDS) entry.absent.delete(entry.absent.keys().next().value as string);
  entry.absent.set(kid, at);
}

function fetchDetail(err: unknown, options: Required<JwksCacheOptions>): string {
  if (!(err instanceof FetchProblem)) return 'the request failed';
  switch (err.kind) {
    case 'timeout':
      return `no complete answer within ${options.timeoutMs} ms`;
    case 'too_large':
      return `the answer is larger than ${options.maxBytes} bytes`;
    case 'redirect':
      return err.message; // to another origin, or too many hops
    default:
      return 'the request failed';
  }
}

/** The cache launches use unless given their own. */
export const defaultJwksCache = new JwksCache();
