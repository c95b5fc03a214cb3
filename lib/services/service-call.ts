/**
 * One authorized request to a platform service (AGS, NRPS), with the failure
 * handling every call shares: a token for exactly the call's scope, one retry
 * with a new token after a 401, bounded waits on 429 `Retry-After`, bounded
 * retries with backoff on 5xx, network errors and timeouts (only for requests
 * safe to repeat), a timeout and byte cap per attempt, and paging through
 * `Link: rel="next"` with loop detection and a page cap.
 */
import { boundedFetch, FetchProblem, type BoundedResponse } from '../http/bounded-fetch';
import { isSecureUrl } from '../http/secure-url';
import type { Registration } from '../stores/store';
import { LtiServiceError } from './errors';
import {
  InvalidServiceLaunchError,
  SERVICE_SPEC,
  ServiceBadResponseError,
  ServiceRequestRejectedError,
  ServiceTimeoutError,
  ServiceUnavailableError,
} from './call-errors';
import { findLink } from './link-header';

/**
 * Where service calls get OAuth 2 access tokens. `AccessTokenClient` implements
 * it (cache per registration and scopes, one request in flight); pass your own
 * to `ltiServices({ tokens })` to share a cache or for tests.
 */
export interface AccessTokens {
  /** A live token granting `scopes` on `registration`'s platform. */
  get(registration: Registration, scopes: string[]): Promise<string>;
  /** Drop `token` (the platform refused it) so the next `get` asks for a new one. */
  invalidate(registration: Registration, scopes: string[], token: string): void;
}

/** Limits of service calls; every one is bounded. */
export interface ServiceCallOptions {
  /** One deadline per attempt for connecting, headers and body, in ms (default 10 000). */
  timeoutMs?: number;
  /** Largest response body read per request, in bytes (default 4 MiB). */
  maxBytes?: number;
  /** Extra attempts after a 5xx, network error or timeout, for requests safe to repeat (default 2). */
  retries?: number;
  /** First backoff delay in ms, doubled per retry, with jitter (default 250). */
  retryBaseMs?: number;
  /** Total time a call may wait on 429 `Retry-After`, in ms (default 10 000); longer asks fail at once. */
  maxRetryWaitMs?: number;
  /** Most pages a paged call reads (default 1 000). */
  maxPages?: number;
  /** Most items `listLineItems` and `getResults` collect into their array (default 100 000). */
  maxItems?: number;
}

/** A request as the AGS and NRPS modules describe it. */
export interface ServiceRequest {
  registration: Registration;
  /** The one scope the call needs: the token is requested for exactly this scope. */
  scope: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  accept?: string;
  contentType?: string;
  body?: unknown;
  /** True when repeating after a 5xx or timeout is safe (GET, PUT, DELETE, score POST). */
  repeatable: boolean;
  /** Spec section cited by errors. */
  spec: string;
  /** Maps a platform 404 to a more specific error (e.g. LineItemMissingError). */
  notFound?: (details: { platformStatus: number; url: string; body: string }) => LtiServiceError;
}

/** A successful answer. */
export interface ServiceResponse {
  status: number;
  headers: Headers;
  /** The URL that answered. */
  url: string;
  /** The parsed JSON body; undefined when the body was empty. */
  json: unknown;
  /** The start of the body as text (for error excerpts). */
  excerpt: string;
}

const DEFAULTS = { timeoutMs: 10_000, maxBytes: 4 * 1024 * 1024, retries: 2, retryBaseMs: 250, maxRetryWaitMs: 10_000, maxPages: 1_000, maxItems: 100_000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `Retry-After` in ms (delta-seconds or HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Makes service requests for one `ltiServices()` instance. */
export class ServiceCaller {
  readonly limits: Required<ServiceCallOptions>;

  constructor(
    private readonly tokens: AccessTokens,
    options: ServiceCallOptions = {},
  ) {
    this.limits = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  }

  /** Make the request, retrying as its kind allows. Throws an {@link LtiServiceError} subclass. */
  async call(req: ServiceRequest): Promise<ServiceResponse> {
    if (!isSecureUrl(req.url)) {
      throw new InvalidServiceLaunchError(`Service URL ${JSON.stringify(req.url)} is not https (http only on loopback).`, req.spec);
    }
    const { retries, retryBaseMs, maxRetryWaitMs } = this.limits;
    let refreshed = false;
    let failures = 0;
    let waited = 0;
    for (;;) {
      const token = await this.token(req);
      const outcome = await this.attempt(req, token);
      if ('response' in outcome) return outcome.response;
      const { res, problem } = outcome;
      if (res?.status === 401 && !refreshed) {
        // The token may have been revoked or expired early: one new token, one retry.
        this.tokens.invalidate(req.registration, [req.scope], token);
        refreshed = true;
        continue;
      }
      if (res?.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after'));
        if (wait !== undefined) {
          if (waited + wait > maxRetryWaitMs) throw this.failure(req, outcome, `asked to wait ${wait} ms, past the ${maxRetryWaitMs} ms bound`);
          waited += wait;
          await sleep(wait);
          continue;
        }
        // No Retry-After: backoff within the retry budget (a 429 was not processed, so any method may repeat).
        if (failures < retries) {
          await sleep(backoff(retryBaseMs, failures++));
          continue;
        }
        throw this.failure(req, outcome, 'rate limited');
      }
      const transient = problem ? problem.kind === 'timeout' || problem.kind === 'network' : res!.status >= 500;
      if (transient && req.repeatable && failures < retries) {
        await sleep(backoff(retryBaseMs, failures++));
        continue;
      }
      throw this.failure(req, outcome, transient && failures > 0 ? `after ${failures + 1} attempts` : undefined);
    }
  }

  /**
   * Every page of a paged GET, following `Link: rel="next"` (same origin only:
   * the token goes with it). A `next` already seen, or more than `maxPages`
   * pages, is a {@link ServiceBadResponseError}.
   */
  async *pages(req: ServiceRequest): AsyncGenerator<ServiceResponse> {
    const seen = new Set<string>();
    const origin = new URL(req.url).origin;
    let url: string | undefined = new URL(req.url).toString();
    while (url !== undefined) {
      if (seen.has(url)) throw new ServiceBadResponseError('The platform\'s "next" link points to a page already read (paging loop).', SERVICE_SPEC.paging, { url });
      if (seen.size >= this.limits.maxPages) {
        throw new ServiceBadResponseError(`More than ${this.limits.maxPages} pages (maxPages).`, SERVICE_SPEC.paging, { url });
      }
      seen.add(url);
      const res = await this.call({ ...req, url });
      const next = findLink(res.headers.get('link'), 'next', res.url);
      if (next !== undefined && new URL(next).origin !== origin) {
        throw new ServiceBadResponseError('The platform\'s "next" link points to another origin.', SERVICE_SPEC.paging, { url: res.url });
      }
      yield res;
      url = next;
    }
  }

  private async token(req: ServiceRequest): Promise<string> {
    try {
      return await this.tokens.get(req.registration, [req.scope]);
    } catch (err) {
      if (err instanceof LtiServiceError) throw err;
      throw new ServiceUnavailableError('Could not obtain an access token.', SERVICE_SPEC.security, { cause: err });
    }
  }

  private async attempt(req: ServiceRequest, token: string): Promise<{ response: ServiceResponse } | { res?: BoundedResponse; problem?: FetchProblem }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (req.accept) headers.accept = req.accept;
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    let res: BoundedResponse;
    try {
      res = await boundedFetch(req.url, {
        method: req.method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        timeoutMs: this.limits.timeoutMs,
        maxBytes: this.limits.maxBytes,
      });
    } catch (err) {
      if (err instanceof FetchProblem) return { problem: err };
      throw err;
    }
    if (res.status < 200 || res.status >= 300) return { res };
    const text = res.body.toString('utf8');
    let json: unknown;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        throw new ServiceBadResponseError('The platform answered with a body that is not JSON.', req.spec, { platformStatus: res.status, url: res.url, body: text });
      }
    }
    return { response: { status: res.status, headers: res.headers, url: res.url, json, excerpt: text.slice(0, 1000) } };
  }

  private failure(req: ServiceRequest, outcome: { res?: BoundedResponse; problem?: FetchProblem }, detail?: string): LtiServiceError {
    const suffix = detail ? ` (${detail})` : '';
    const { res, problem } = outcome;
    if (problem) {
      const details = { url: problem.url, cause: problem };
      switch (problem.kind) {
        case 'timeout':
          return new ServiceTimeoutError(`The platform did not answer within ${this.limits.timeoutMs} ms${suffix}.`, req.spec, details);
        case 'too_large':
          return new ServiceBadResponseError(`The platform's answer is larger than ${this.limits.maxBytes} bytes.`, req.spec, details);
        case 'redirect':
          return new ServiceBadResponseError('The platform redirected to another origin or too often.', req.spec, details);
        default:
          return new ServiceUnavailableError(`The platform could not be reached${suffix}.`, req.spec, details);
      }
    }
    const body = res!.body.toString('utf8', 0, Math.min(res!.body.length, 2000));
    const details = { platformStatus: res!.status, url: res!.url, body };
    if (res!.status === 404 && req.notFound) return req.notFound(details);
    if (res!.status === 429 || res!.status >= 500) {
      return new ServiceUnavailableError(`The platform answered ${req.method} with status ${res!.status}${suffix}.`, req.spec, details);
    }
    return new ServiceRequestRejectedError(`The platform refused ${req.method} with status ${res!.status}${suffix}.`, req.spec, details);
  }
}

function backoff(baseMs: number, attempt: number): number {
  const delay = baseMs * 2 ** attempt;
  return Math.round(delay / 2 + (Math.random() * delay) / 2);
}
