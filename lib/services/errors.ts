import { LtiError } from '../errors';

/** What a service error knows of the platform's answer. */
export interface ServiceErrorDetails {
  /** The platform's HTTP status, when it answered. */
  platformStatus?: number;
  /** The URL that was called (or answered). */
  url?: string;
  /** The platform's body; only a short excerpt with tokens removed is kept. */
  body?: string;
  cause?: unknown;
}

/**
 * Base class of every failure of a call to the platform after the launch
 * (access tokens, AGS, NRPS). `status` is what the tool should answer (502/503/504
 * for platform faults, 4xx for misuse); `platformStatus`, `url` and `bodyExcerpt`
 * describe the platform's answer.
 */
export class LtiServiceError extends LtiError {
  /** The platform's HTTP status, when it answered. */
  readonly platformStatus?: number;
  /** The URL that was called. */
  readonly url?: string;
  /** At most 200 characters of the platform's body, tokens removed. */
  readonly bodyExcerpt?: string;

  constructor(code: string, status: number, message: string, spec: string | undefined, details: ServiceErrorDetails = {}) {
    super(code, status, message, spec, details.cause === undefined ? undefined : { cause: details.cause });
    this.platformStatus = details.platformStatus;
    this.url = details.url;
    this.bodyExcerpt = details.body === undefined ? undefined : bodyExcerpt(details.body);
  }
}

/** A short excerpt of a platform's answer, with anything token-like removed (for errors and logs). */
export function bodyExcerpt(body: string, max = 200): string {
  return body
    .replace(/("(?:access_token|refresh_token|id_token|client_assertion|assertion|token|JWT)"\s*:\s*)"[^"]*"/gi, '$1"[removed]"')
    .replace(/\b(bearer)\s+[\w.~+/=-]+/gi, '$1 [removed]')
    .replace(/\beyJ[\w-]*\.[\w-]*\.?[\w-]*/g, '[token removed]')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .slice(0, max);
}
