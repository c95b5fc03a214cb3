/**
 * Failures of getting an access token from a platform's token endpoint. None
 * carries the access token or the client assertion: messages are fixed text and
 * body excerpts go through `bodyExcerpt`, with the known secrets removed first.
 */
import { LtiServiceError, type ServiceErrorDetails } from './errors';

const TOKEN_SPEC = '1EdTech Security Framework 1.0 §4.1.1; RFC 7523 §2.2';
const RESPONSE_SPEC = '1EdTech Security Framework 1.0 §4.1.1; RFC 6749 §5.1';

/** The registration has no token endpoint: services cannot be called (tool configuration). */
export class TokenEndpointMissingError extends LtiServiceError {
  constructor(readonly registrationId: string) {
    super(
      'token_endpoint_missing',
      500,
      `Registration ${registrationId} has no token endpoint: register the platform's tokenEndpoint to call its services.`,
      '1EdTech Security Framework 1.0 §4.1',
    );
  }
}

/** The token request named no valid scope, or a scope with spaces or control characters (caller misuse). */
export class TokenScopeInvalidError extends LtiServiceError {
  constructor(problem: string) {
    super('token_scope_invalid', 500, `Access token scopes ${problem}.`, 'RFC 6749 §3.3');
  }
}

/** The platform refused the token request (4xx, usually an OAuth error such as `invalid_client`). */
export class TokenRequestFailedError extends LtiServiceError {
  /** The OAuth `error` code of the answer, when it had one (e.g. `invalid_scope`). */
  readonly oauthError?: string;
  constructor(details: ServiceErrorDetails & { oauthError?: string }) {
    super(
      'token_request_failed',
      502,
      `The platform refused the access token request (HTTP ${details.platformStatus}${details.oauthError ? `, ${details.oauthError}` : ''}).`,
      `${TOKEN_SPEC}; RFC 6749 §5.2`,
      details,
    );
    this.oauthError = details.oauthError;
  }
}

/** The token endpoint could not be reached, failed (5xx), or did not answer in time (504). */
export class TokenEndpointUnavailableError extends LtiServiceError {
  constructor(reason: 'down' | 'timeout' | 'server_error', details: ServiceErrorDetails) {
    super(
      'token_endpoint_unavailable',
      reason === 'timeout' ? 504 : 503,
      reason === 'timeout'
        ? 'The platform\'s token endpoint did not answer in time.'
        : reason === 'down'
          ? 'The platform\'s token endpoint could not be reached.'
          : `The platform's token endpoint failed (HTTP ${details.platformStatus}).`,
      TOKEN_SPEC,
      details,
    );
  }
}

/** The token endpoint answered something that is not a usable token response (junk, too large, wrong type). */
export class TokenResponseInvalidError extends LtiServiceError {
  constructor(problem: string, details: ServiceErrorDetails) {
    super('token_response_invalid', 502, `The platform's token response is not usable: ${problem}.`, RESPONSE_SPEC, details);
  }
}
