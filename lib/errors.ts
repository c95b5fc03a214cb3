/**
 * The errors of login, launch and configuration: one class per failure, each an
 * `LtiError` (lib/lti-error.ts) with a stable `code`, an HTTP `status` and the
 * spec section it enforces. The id_token checks' errors are in
 * launch/token-errors.ts; services', deep linking's and registration's in their folders.
 */
import { CORE, LtiError, SEC } from './lti-error';
import { quoted, safeText } from './safe-text';

export { LtiError } from './lti-error';
export * from './launch/token-errors';

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
