import { LtiServiceError, type ServiceErrorDetails } from './errors';

/** Spec sections cited by service errors. */
export const SERVICE_SPEC = {
  ags: 'LTI AGS 2.0',
  lineItems: 'LTI AGS 2.0 §3.2 (line item service)',
  results: 'LTI AGS 2.0 §3.3 (result service)',
  scores: 'LTI AGS 2.0 §3.4 (score publish service)',
  agsClaim: 'LTI AGS 2.0 §3.1 (AGS claim and scopes)',
  nrps: 'LTI NRPS 2.0 §2 (membership service)',
  paging: 'LTI AGS 2.0 §3.2 / NRPS 2.0 §2 (paging with Link rel="next", RFC 8288)',
  security: '1EdTech Security Framework 1.0 §4.1 (access tokens)',
} as const;

/**
 * The platform's service is unavailable: 5xx or network failure after the bounded
 * retries, or 429 whose `Retry-After` exceeds the wait bound. The tool should answer 503.
 */
export class ServiceUnavailableError extends LtiServiceError {
  constructor(message: string, spec: string, details: ServiceErrorDetails = {}) {
    super('service_unavailable', 503, message, spec, details);
  }
}

/** No complete answer within the timeout (after the bounded retries). The tool should answer 504. */
export class ServiceTimeoutError extends LtiServiceError {
  constructor(message: string, spec: string, details: ServiceErrorDetails = {}) {
    super('service_timeout', 504, message, spec, details);
  }
}

/**
 * The platform answered something unusable: not JSON, not the expected shape,
 * larger than the byte cap, a redirect to another origin, a paging loop, a `next`
 * link to another origin, or more pages than the page cap. Status 502.
 */
export class ServiceBadResponseError extends LtiServiceError {
  constructor(message: string, spec: string, details: ServiceErrorDetails = {}) {
    super('service_bad_response', 502, message, spec, details);
  }
}

/**
 * The platform refused the request with a 4xx (other than a first 401, which is
 * retried once with a new token, and 429). Status 502: from the tool's own user's
 * point of view the upstream refused; `platformStatus` says which 4xx it was.
 */
export class ServiceRequestRejectedError extends LtiServiceError {
  constructor(message: string, spec: string, details: ServiceErrorDetails = {}) {
    super('service_request_rejected', 502, message, spec, details);
  }
}

/**
 * Misuse: the call needs a scope (or a service claim) that the launch's AGS/NRPS
 * claim does not grant. Thrown before any request. Status 403.
 */
export class ScopeNotGrantedError extends LtiServiceError {
  /** The scope the call needed. */
  readonly scope: string;
  constructor(scope: string, spec: string) {
    super('scope_not_granted', 403, `The launch does not grant the scope ${scope} this call needs.`, spec);
    this.scope = scope;
  }
}

/**
 * No line item to use: none given and the launch's AGS claim has no `lineitem`
 * (status 400, before any request), or the platform answered 404 for it (status 404).
 */
export class LineItemMissingError extends LtiServiceError {
  constructor(message: string, status: 400 | 404, details: ServiceErrorDetails = {}) {
    super('line_item_missing', status, message, SERVICE_SPEC.lineItems, details);
  }
}

/** A score the spec does not allow (bad enum, scoreGiven without scoreMaximum…). Status 400, before any request. */
export class InvalidScoreError extends LtiServiceError {
  /** The score field at fault. */
  readonly field: string;
  constructor(field: string, problem: string) {
    super('invalid_score', 400, `Score field "${field}" ${problem}.`, SERVICE_SPEC.scores);
    this.field = field;
  }
}

/** A line item the spec does not allow (empty label, scoreMaximum not > 0…). Status 400, before any request. */
export class InvalidLineItemError extends LtiServiceError {
  /** The line item field at fault. */
  readonly field: string;
  constructor(field: string, problem: string) {
    super('invalid_line_item', 400, `Line item field "${field}" ${problem}.`, SERVICE_SPEC.lineItems);
    this.field = field;
  }
}

/**
 * The launch given to a service call is unusable: not a launch, no registration
 * id, a registration that no longer exists, a service URL that is not https
 * (http only on loopback), or a line item / `differences` URL on another origin
 * than the launch's claim. Status 400.
 */
export class InvalidServiceLaunchError extends LtiServiceError {
  constructor(message: string, spec: string = SERVICE_SPEC.ags) {
    super('invalid_service_launch', 400, message, spec);
  }
}
