/** Failures of the id_token checks at launch (signature, keys, claims, nonce). */
import { CORE, LtiError, SEC } from '../lti-error';
import { quoted, safeText } from '../safe-text';

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
