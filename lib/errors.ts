import { quoted, safeText } from './safe-text';

/**
 * Every failure of a login or launch is one of these classes. Each has a stable
 * `code` (safe to branch on and to show), an HTTP `status`, and `spec`: the spec
 * section the check enforces. Messages name the problem but never echo a token,
 * a secret or a stack; a value that came with the request is quoted, capped and
 * stripped of control characters (`safeText`), so a message is safe to log.
 * Error pages never show messages: see `ltiErrorHandler`.
 */
export class LtiError extends Error {
  /** Stable, machine-readable error code, e.g. `nonce_replayed`. */
  readonly code: string;
  /** HTTP status the error handler answers with. */
  readonly status: number;
  /** Alias of `status`, so Express' default error handler picks it up. */
  readonly statusCode: number;
  /** The spec section this check enforces, when there is one. */
  readonly spec?: string;
  /** Express' default handler shows the message of errors that set `expose`. */
  readonly expose = true;

  constructor(code: string, status: number, message: string, spec?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.statusCode = status;
    this.spec = spec;
  }
}

const SEC = '1EdTech Security Framework 1.0';
const CORE = 'LTI Core 1.3';

// ---- configuration -------------------------------------------------------

/** The app is mis-configured (e.g. no express-session in front of the middleware). */
export class ConfigurationError extends LtiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('configuration_error', 500, message, undefined, options);
  }
}

// ---- login (OIDC third-party-initiated login) -----------------------------

/** A login or launch parameter is missing, repeated, empty or of the wrong type. */
export class InvalidRequestError extends LtiError {
  /** The parameter at fault. */
  readonly parameter: string;
  constructor(parameter: string, problem: string, spec = `${SEC} §5.1.1.1`) {
    super('invalid_request', 400, `Parameter "${parameter}" ${problem}.`, spec);
    this.parameter = parameter;
  }
}

/**
 * The launch URL was requested without POST, e.g. opened in a browser (405, with
 * `Allow: POST`). An id_token sent that way is `InvalidRequestError` instead.
 */
export class MethodNotAllowedError extends LtiError {
  /** The methods the URL takes: the `Allow` header. */
  readonly allow = 'POST';
  /** Response headers (Express' default error handler sets these too). */
  readonly headers: Readonly<Record<string, string>> = { Allow: 'POST' };
  constructor() {
    super('method_not_allowed', 405, "The launch URL takes only the platform's form POST (response_mode=form_post).", `${SEC} §5.1.1.3`);
  }
}

/** No registration matches the issuer (and client id) of the login or launch. */
export class RegistrationNotFoundError extends LtiError {
  constructor(readonly issuer: string, readonly clientId: string | undefined) {
    super(
      'registration_not_found',
      400,
      clientId === undefined
        ? `No platform is registered for issuer ${quoted(issuer)}.`
        : `No platform is registered for issuer ${quoted(issuer)} with client_id ${quoted(clientId)}.`,
      `${SEC} §5.1.1.1`,
    );
  }
}

/**
 * The platform is registered but waits for an admin's approval (Dynamic
 * Registration with `requireApproval`): approve it with `store.approveRegistration(id)`
 * or `express-lti registrations approve <id>`.
 */
export class RegistrationNotApprovedError extends LtiError {
  constructor(readonly issuer: string, readonly clientId: string) {
    super(
      'registration_not_approved',
      403,
      `The registration of issuer ${quoted(issuer)} with client_id ${quoted(clientId)} waits for an administrator's approval.`,
      'LTI Dynamic Registration 1.0 §3.6 (the tool may require approval)',
    );
  }
}

/** The login had no client_id and the issuer has several registrations. */
export class AmbiguousRegistrationError extends LtiError {
  constructor(readonly issuer: string) {
    super(
      'registration_ambiguous',
      400,
      `Issuer ${quoted(issuer)} has several registrations and the login did not send client_id.`,
      `${CORE} §4.1.3`,
    );
  }
}

/** target_link_uri points outside the tool's allowed origins (open redirect guard). */
export class TargetLinkUriNotAllowedError extends LtiError {
  constructor() {
    super(
      'target_link_uri_not_allowed',
      400,
      'target_link_uri is not on an origin this tool accepts.',
      'OpenID Connect Core §4; LTI Core 1.3 §4.1',
    );
  }
}

// ---- launch: state and platform errors ---------------------------------------

/** No pending login in this browser's session matches `state` (or it was used). */
export class StateNotFoundError extends LtiError {
  constructor() {
    super(
      'state_not_found',
      401,
      'The launch state does not match a login started in this browser. ' +
        "It was already used, or the login's cookie did not reach the tool (check SameSite=None; Secure; Partitioned).",
      `${SEC} §7.3.1`,
    );
  }
}

/** The pending login matching `state` is older than the state lifetime. */
export class StateExpiredError extends LtiError {
  constructor() {
    super('state_expired', 401, 'The login that started this launch has expired. Launch again from the platform.', `${SEC} §7.3.1`);
  }
}

/** The platform answered the authentication request with `error=…`. */
export class PlatformAuthError extends LtiError {
  constructor(
    /** The platform's `error` value (e.g. `login_required`). */
    readonly platformError: string,
    /** The platform's `error_description`, if any (posted by anyone: escape it before showing it). */
    readonly description: string | undefined,
  ) {
    super(
      'platform_error',
      401,
      `The platform refused the authentication request: ${safeText(platformError, 64)}${description ? ` (${safeText(description, 200)})` : ''}.`,
      'OpenID Connect Core §3.1.2.6',
    );
  }
}

// ---- launch: id_token ---------------------------------------------------------

/** The id_token is not a well-formed compact JWS with a JSON payload. */
export class MalformedTokenError extends LtiError {
  constructor(detail: string) {
    super('token_malformed', 401, `The id_token is malformed: ${safeText(detail, 200)}.`, `${SEC} §5.1.3 step 1`);
  }
}

/** The id_token signature does not verify against the platform's keys. */
export class SignatureInvalidError extends LtiError {
  constructor(detail: string) {
    super('signature_invalid', 401, `The id_token signature is not valid: ${safeText(detail, 200)}.`, `${SEC} §5.1.3 step 1`);
  }
}

/** The token's header names an algorithm other than the one pinned for the registration. */
export class AlgorithmNotAllowedError extends LtiError {
  constructor(alg: string | undefined, allowed: readonly string[]) {
    super(
      'algorithm_not_allowed',
      401,
      `The id_token is signed with ${alg === undefined ? 'an algorithm' : quoted(alg, 32)} this tool does not accept` +
        (allowed.length ? ` (accepted: ${allowed.join(', ')}).` : '.'),
      `${SEC} §5.1.3 step 6, §6.1; RFC 8725 §3.1`,
    );
  }
}

/** The token's header carries its own key or key location (jku, jwk, x5u, x5c). */
export class HeaderNotAllowedError extends LtiError {
  constructor(readonly header: string) {
    super(
      'header_not_allowed',
      401,
      `The id_token header has "${header}"; keys are taken only from the platform's registered JWKS URL.`,
      'RFC 8725 §3.10; RFC 7515 §4.1',
    );
  }
}

/** The token's header has no `kid`, so the signing key cannot be chosen. */
export class KeyIdMissingError extends LtiError {
  constructor() {
    super('kid_missing', 401, 'The id_token header has no kid.', `${SEC} §6.3`);
  }
}

/** The platform's key set could not be fetched or used (down, slow, junk, empty). */
export class JwksUnavailableError extends LtiError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('jwks_unavailable', 503, `The platform's key set could not be used: ${safeText(detail, 200)}.`, `${SEC} §6.3`, options);
  }
}

/** No key in the platform's key set matches the token's `kid`, even after a refetch. */
export class SigningKeyNotFoundError extends LtiError {
  constructor() {
    super('signing_key_not_found', 401, "No key in the platform's key set matches the id_token's kid.", `${SEC} §6.3`);
  }
}

/** A required claim is missing. */
export class MissingClaimError extends LtiError {
  constructor(readonly claim: string, spec: string) {
    super('claim_missing', 401, `The id_token has no ${claim} claim.`, spec);
  }
}

/** A claim is present but has the wrong type, value or length. */
export class InvalidClaimError extends LtiError {
  constructor(readonly claim: string, problem: string, spec: string) {
    super('claim_invalid', 401, `The id_token's ${claim} claim ${problem}.`, spec);
  }
}

/** `iss` differs from the registration's issuer. */
export class IssuerMismatchError extends LtiError {
  constructor() {
    super('issuer_mismatch', 401, "The id_token's iss is not the issuer of the login.", `${SEC} §5.1.3 step 2`);
  }
}

/** `aud` does not contain the registration's client_id. */
export class AudienceMismatchError extends LtiError {
  constructor(problem = "does not contain this tool's client_id") {
    super('audience_mismatch', 401, `The id_token's aud ${problem}.`, `${SEC} §5.1.3 step 3`);
  }
}

/** `azp` is missing where several audiences require it, or is not our client_id. */
export class AuthorizedPartyMismatchError extends LtiError {
  constructor(problem: string) {
    super('azp_mismatch', 401, `The id_token's azp ${problem}.`, `${SEC} §5.1.3 steps 4-5`);
  }
}

/** `exp` is in the past. */
export class TokenExpiredError extends LtiError {
  constructor() {
    super('token_expired', 401, 'The id_token has expired.', `${SEC} §5.1.3 step 7`);
  }
}

/** `iat` is in the future or older than the accepted age. */
export class IssuedAtInvalidError extends LtiError {
  constructor(problem: string) {
    super('iat_invalid', 401, `The id_token's iat ${problem}.`, `${SEC} §5.1.3 step 8`);
  }
}

/** The token's nonce is not the one this browser's login made. */
export class NonceMismatchError extends LtiError {
  constructor() {
    super('nonce_mismatch', 401, "The id_token's nonce is not the one sent in this browser's login.", `${SEC} §5.1.3 step 9`);
  }
}

/**
 * The nonce was already used (or expired): a replayed token.
 * @deprecated No longer raised: the nonce lives in its login's row, taken once, so a replay
 * is refused as `state_not_found` (or `nonce_mismatch`). Kept so existing imports compile.
 */
export class NonceReplayedError extends LtiError {
  constructor() {
    super('nonce_replayed', 401, "The id_token's nonce was already used or has expired.", `${SEC} §5.1.3 step 9`);
  }
}

/** The token's deployment or target differs from what the platform sent at login. */
export class LoginMismatchError extends LtiError {
  constructor(readonly claim: string, spec = `${CORE} §4.1`) {
    super('login_mismatch', 401, `The id_token's ${claim} differs from the one sent at login.`, spec);
  }
}

// ---- launch: deployment ---------------------------------------------------

/** The (trusted) deployment id is not known and auto-creation is off. */
export class DeploymentNotFoundError extends LtiError {
  constructor(readonly deploymentId: string) {
    super(
      'deployment_not_found',
      403,
      `Deployment ${quoted(deploymentId, 255)} is not registered with this tool.`,
      `${CORE} §5.3.3`,
    );
  }
}

// ---- infrastructure ----------------------------------------------------------

/** The store (database) could not be reached or failed. */
export class StorageUnavailableError extends LtiError {
  constructor(options?: { cause?: unknown }) {
    super('storage_unavailable', 503, 'The LTI store is unavailable; try again shortly.', undefined, options);
  }
}

/** The session store could not save or load the session. */
export class SessionUnavailableError extends LtiError {
  constructor(options?: { cause?: unknown }) {
    super('session_unavailable', 503, 'The session store is unavailable; try again shortly.', undefined, options);
  }
}
