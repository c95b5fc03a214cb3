import { LtiServiceError, bodyExcerpt, type ServiceErrorDetails } from '../services/errors';

/** Spec cited by registration errors. */
export const DR_SPEC = 'LTI Dynamic Registration 1.0';

/**
 * Base class of Dynamic Registration failures. `status` is what the tool
 * answers: 400 for a bad registration request (its fault is the caller's),
 * 502/503/504 when the platform failed. Nothing is stored when one is thrown.
 * Messages, excerpts and causes never carry the registration token.
 */
export class DynamicRegistrationError extends LtiServiceError {}

/** The registration request itself is unusable: no or bad `openid_configuration`, an http URL, a too long token. 400. */
export class RegistrationRequestInvalidError extends DynamicRegistrationError {
  constructor(message: string) {
    super('registration_request_invalid', 400, message, `${DR_SPEC} §3.3`);
  }
}

/**
 * A URL of the exchange leads to an address the tool will not call: private,
 * loopback or link-local in production (unless in `allowHosts`), or never
 * reachable (unspecified, multicast). 400: no SSRF through the tool.
 */
export class RegistrationHostNotAllowedError extends DynamicRegistrationError {
  constructor(url: string) {
    super('registration_host_not_allowed', 400, `${safeUrl(url)} leads to an address this tool does not call.`, `${DR_SPEC} §3.4`, { url: safeUrl(url) });
  }
}

/** The platform's OpenID configuration is unusable (missing fields, issuer mismatch, no RS256, http URLs…). 502. */
export class PlatformConfigurationInvalidError extends DynamicRegistrationError {
  constructor(message: string, details: ServiceErrorDetails = {}) {
    super('platform_configuration_invalid', 502, message, `${DR_SPEC} §3.4, §3.5.1`, details);
  }
}

/** The platform refused the tool's registration (4xx) or answered something that is no client registration. 502. */
export class RegistrationRejectedError extends DynamicRegistrationError {
  constructor(message: string, details: ServiceErrorDetails = {}) {
    super('registration_rejected', 502, message, `${DR_SPEC} §3.5.2, §3.6`, details);
  }
}

/** The platform did not answer (network failure, 5xx). 503. */
export class RegistrationPlatformUnavailableError extends DynamicRegistrationError {
  constructor(message: string, details: ServiceErrorDetails = {}) {
    super('registration_platform_unavailable', 503, message, DR_SPEC, details);
  }
}

/** The platform did not answer in time. 504. */
export class RegistrationTimeoutError extends DynamicRegistrationError {
  constructor(message: string, details: ServiceErrorDetails = {}) {
    super('registration_timeout', 504, message, DR_SPEC, details);
  }
}

/** A URL for messages: no userinfo, no query or fragment (they may carry secrets), capped. */
export function safeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`.slice(0, 256);
  } catch {
    return '(not a URL)';
  }
}

/** A body excerpt with the registration token (whatever its shape) removed too. */
export function excerptWithout(body: string, secret: string | undefined): string {
  const cleaned = secret ? body.split(secret).join('[removed]') : body;
  return bodyExcerpt(cleaned);
}
