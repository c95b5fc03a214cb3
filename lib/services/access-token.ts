/**
 * OAuth 2 access tokens for service calls (1EdTech Security Framework §4.1,
 * RFC 7523): client_credentials with a client assertion signed by the tool's
 * current key, cached per (registration, scopes) and shared by concurrent callers.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { FetchProblem, boundedFetch, type BoundedResponse } from '../http/bounded-fetch';
import type { ToolKeySource } from '../keys/tool-key-source';
import type { Registration } from '../stores/store';
import { storeCall } from '../stores/store-call';
import {
  TokenEndpointMissingError,
  TokenEndpointUnavailableError,
  TokenRequestFailedError,
  TokenResponseInvalidError,
  TokenScopeInvalidError,
} from './token-errors';

/** Options of {@link AccessTokenClient}. */
export interface AccessTokenClientOptions {
  /** The tool's signing key (the knex store). */
  keys: ToolKeySource;
  /** One deadline for the whole token request, in ms (default 10 000). */
  timeoutMs?: number;
  /** A token is renewed this many seconds before it expires (default 60; at most half its lifetime). */
  expiryMarginSeconds?: number;
  /** Largest token response read, in bytes (default 64 KiB). */
  maxBytes?: number;
}

/** Lifetime assumed when the platform's answer has no `expires_in` (RFC 6749 makes it optional). */
const DEFAULT_EXPIRES_IN = 3600;
/** Client assertions live this long (Security Framework: a few minutes). */
const ASSERTION_LIFETIME_SECONDS = 300;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_CACHED = 10_000;

interface CachedToken {
  token: string;
  /** ms epoch after which the token is no longer handed out. */
  renewAt: number;
}

/** Normalized scopes: each checked, duplicates removed, sorted (so the cache key and the request agree). */
function normalizeScopes(scopes: string[]): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new TokenScopeInvalidError('must name at least one scope');
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new TokenScopeInvalidError('must be non-empty strings without spaces, quotes, backslashes or control characters');
    }
  }
  return [...new Set(scopes)].sort();
}

/** Remove the secrets of this exchange from a platform's body before it is excerpted. */
function scrub(body: string, secrets: string[]): string {
  let text = body;
  for (const secret of secrets) if (secret.length >= 8) text = text.split(secret).join('[removed]');
  return text.replace(/(access_token|client_assertion|assertion)=[^&\s"]*/gi, '$1=[removed]');
}

/**
 * Gets and caches access tokens from the token endpoints of registered
 * platforms. One client per app (it holds the cache); safe for any number of
 * concurrent callers. Never logs, and never puts a token or assertion in an error.
 */
export class AccessTokenClient {
  private readonly keys: ToolKeySource;
  private readonly timeoutMs: number;
  private readonly marginSeconds: number;
  private readonly maxBytes: number;
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(options: AccessTokenClientOptions) {
    this.keys = options.keys;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.marginSeconds = options.expiryMarginSeconds ?? 60;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
  }

  /**
   * An access token for `scopes` (only those: least privilege) at the platform
   * of `registration`: from the cache while it has more than the margin left,
   * else from one token request shared by every concurrent caller.
   * @throws a {@link TokenEndpointMissingError}, {@link TokenScopeInvalidError},
   * {@link TokenRequestFailedError}, {@link TokenEndpointUnavailableError} or
   * {@link TokenResponseInvalidError}; `StorageUnavailableError` when the key
   * cannot be read, `ConfigurationError` when there is no `keySecret` in production.
   */
  async get(registration: Registration, scopes: string[]): Promise<string> {
    const sorted = normalizeScopes(scopes);
    const key = this.cacheKey(registration, sorted);
    const hit = this.cache.get(key);
    if (hit && Date.now() < hit.renewAt) return hit.token;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.request(registration, sorted, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /**
   * Forget `token` (e.g. a service answered 401 with it), so the next `get()`
   * requests a new one. A newer token already cached for the same scopes is kept.
   */
  invalidate(registration: Registration, scopes: string[], token: string): void {
    const key = this.cacheKey(registration, normalizeScopes(scopes));
    if (this.cache.get(key)?.token === token) this.cache.delete(key);
  }

  private cacheKey(registration: Registration, sorted: string[]): string {
    // The endpoint and audience are part of the key: a changed registration gets new tokens.
    return JSON.stringify([registration.id, registration.tokenEndpoint, registration.tokenAudience ?? null, registration.clientId, sorted]);
  }

  private async request(registration: Registration, sorted: string[], key: string): Promise<string> {
    const endpoint = registration.tokenEndpoint;
    if (!endpoint) throw new TokenEndpointMissingError(registration.id);
    const assertion = await this.assertion(registration, endpoint);
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: assertion,
      scope: sorted.join(' '),
    }).toString();
    let res: BoundedResponse;
    try {
      res = await boundedFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        timeoutMs: this.timeoutMs,
        maxBytes: this.maxBytes,
      });
    } catch (err) {
      throw this.fetchError(err, endpoint);
    }
    const text = res.body.toString('utf8');
    const parsed = parseJson(text);
    const secrets = [assertion, typeof parsed?.access_token === 'string' ? parsed.access_token : ''];
    const details = { platformStatus: res.status, url: res.url, body: scrub(text, secrets) };
    if (res.status >= 500) throw new TokenEndpointUnavailableError('server_error', details);
    if (res.status !== 200) {
      const oauthError = typeof parsed?.error === 'string' && /^[\x20-\x7e]{1,64}$/.test(parsed.error) ? parsed.error : undefined;
      throw new TokenRequestFailedError({ ...details, oauthError });
    }
    if (!parsed) throw new TokenResponseInvalidError('not a JSON object', details);
    const token = parsed.access_token;
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
      throw new TokenResponseInvalidError('access_token is missing or not a token string', details);
    }
    // RFC 6749 §5.1: token_type is case-insensitive (Blackboard answers "bearer").
    if (parsed.token_type !== undefined && (typeof parsed.token_type !== 'string' || parsed.token_type.toLowerCase() !== 'bearer')) {
      throw new TokenResponseInvalidError('token_type is not Bearer', details);
    }
    const expiresIn = expiresInSeconds(parsed.expires_in);
    if (expiresIn === undefined) throw new TokenResponseInvalidError('expires_in is not a positive number of seconds', details);
    const margin = Math.min(this.marginSeconds, expiresIn / 2);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, { token, renewAt: Date.now() + (expiresIn - margin) * 1000 });
    return token;
  }

  private async assertion(registration: Registration, endpoint: string): Promise<string> {
    // A database failure reading the key is a 503 (StorageUnavailableError); a ConfigurationError passes as is.
    const key = await storeCall(() => this.keys.signingKey());
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(registration.clientId)
      .setSubject(registration.clientId)
      .setAudience(registration.tokenAudience || endpoint)
      .setIssuedAt()
      .setExpirationTime(`${ASSERTION_LIFETIME_SECONDS}s`)
      .sign(key.privateKey);
  }

  private fetchError(err: unknown, endpoint: string): Error {
    if (!(err instanceof FetchProblem)) return err instanceof Error ? err : new Error(String(err));
    switch (err.kind) {
      case 'timeout':
        return new TokenEndpointUnavailableError('timeout', { url: endpoint, cause: err });
      case 'too_large':
        return new TokenResponseInvalidError(`larger than ${this.maxBytes} bytes`, { url: endpoint, cause: err });
      case 'redirect':
        return new TokenResponseInvalidError('redirected to another origin', { url: endpoint, cause: err });
      default:
        return new TokenEndpointUnavailableError('down', { url: endpoint, cause: err });
    }
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `expires_in` as seconds: a number (or numeric string) ≥ 1; absent means the default. */
function expiresInSeconds(value: unknown): number | undefined {
  if (value === undefined || value === null) return DEFAULT_EXPIRES_IN;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 1 ? n : undefined;
}
