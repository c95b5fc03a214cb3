import { createRemoteJWKSet } from 'jose';

/** A key getter for jose's `jwtVerify`, backed by one platform's JWKS URL. */
export type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** Options of {@link JwksCache}. */
export interface JwksCacheOptions {
  /** Abort a key set fetch after this many milliseconds (default 5 000). */
  timeoutMs?: number;
  /** Refetch a key set at most this often on an unknown `kid` (default 30 000). */
  cooldownMs?: number;
  /** Refetch a key set after this long even when every `kid` is known (default 600 000). */
  maxAgeMs?: number;
}

/**
 * One cached remote key set per JWKS URL, shared by every launch. jose's remote
 * set does the hard parts per URL: at most one fetch in flight, one refetch on an
 * unknown `kid` and then a cooldown, so a flood of unknown kids cannot become a
 * fetch storm.
 */
export class JwksCache {
  private readonly sets = new Map<string, KeySet>();
  private readonly options: Required<JwksCacheOptions>;

  constructor(options: JwksCacheOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 5_000,
      cooldownMs: options.cooldownMs ?? 30_000,
      maxAgeMs: options.maxAgeMs ?? 600_000,
    };
  }

  /** The key set for `url`, created on first use. */
  get(url: string): KeySet {
    let set = this.sets.get(url);
    if (!set) {
      // URLs come from registrations, so this stays small; the cap guards misuse.
      if (this.sets.size >= 1_000) this.sets.clear();
      set = createRemoteJWKSet(new URL(url), {
        timeoutDuration: this.options.timeoutMs,
        cooldownDuration: this.options.cooldownMs,
        cacheMaxAge: this.options.maxAgeMs,
      });
      this.sets.set(url, set);
    }
    return set;
  }

  /** Drop the cached key set of `url` (or of every URL). */
  clear(url?: string): void {
    if (url === undefined) this.sets.clear();
    else this.sets.delete(url);
  }
}

/** The cache launches use unless given their own. */
export const defaultJwksCache = new JwksCache();
