import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { LtiIdTokenClaims } from './claims';
import {
  AlgorithmNotAllowedError,
  AudienceMismatchError,
  HeaderNotAllowedError,
  KeyIdMissingError,
  InvalidClaimError,
  IssuedAtInvalidError,
  IssuerMismatchError,
  JwksUnavailableError,
  LtiError,
  MalformedTokenError,
  MissingClaimError,
  SignatureInvalidError,
  SigningKeyNotFoundError,
  TokenExpiredError,
} from './errors';
import type { KeySet } from './jwks-cache';

/** What {@link verifyIdToken} checks the token against. */
export interface VerifyIdTokenOptions {
  /** The registration's issuer: `iss` must equal it exactly. */
  issuer: string;
  /** The registration's client id: `aud` must contain it. */
  clientId: string;
  /** Accepted signing algorithms, pinned by the tool (never read from the token). */
  algorithms: readonly string[];
  /** Allowed clock skew in seconds for exp/iat. */
  clockToleranceSeconds: number;
  /** Refuse tokens whose `iat` is older than this many seconds. */
  maxTokenAgeSeconds: number;
}

const SEC = '1EdTech Security Framework 1.0';
/** Headers that would let a token pick its own verification key (RFC 8725 §3.10). */
const KEY_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;

/**
 * Verify the id_token's signature against the platform's key set and its
 * standard claims (iss, aud, exp, iat). Every failure becomes a typed LtiError.
 */
export async function verifyIdToken(token: string, keySet: KeySet, options: VerifyIdTokenOptions): Promise<LtiIdTokenClaims> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new MalformedTokenError('it is not a compact JWS with a JSON header');
  }
  const { alg, kid } = header;
  if (typeof alg !== 'string' || !options.algorithms.includes(alg)) {
    throw new AlgorithmNotAllowedError(String(alg).slice(0, 32), options.algorithms);
  }
  // Keys come only from the registration's JWKS URL: a token naming its own key is refused.
  for (const name of KEY_HEADERS) {
    if (name in header) throw new HeaderNotAllowedError(name);
  }
  if (typeof kid !== 'string' || kid === '') throw new KeyIdMissingError();
  try {
    const { payload } = await jwtVerify(token, keySet, {
      algorithms: [...options.algorithms],
      issuer: options.issuer,
      audience: options.clientId,
      clockTolerance: options.clockToleranceSeconds,
      maxTokenAge: options.maxTokenAgeSeconds,
      requiredClaims: ['exp', 'iat'],
    });
    return payload as LtiIdTokenClaims;
  } catch (err) {
    throw toLtiError(err);
  }
}

function toLtiError(err: unknown): LtiError {
  if (err instanceof LtiError) return err;
  if (err instanceof errors.JWTExpired) {
    return err.claim === 'exp' ? new TokenExpiredError() : new IssuedAtInvalidError('is too far in the past');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = err;
    if (reason === 'missing') return new MissingClaimError(claim, `${SEC} §5.1.2`);
    if (claim === 'iss') return new IssuerMismatchError();
    if (claim === 'aud') return new AudienceMismatchError();
    if (claim === 'iat') return new IssuedAtInvalidError(reason === 'invalid' ? 'is not a number' : 'is in the future');
    return new InvalidClaimError(claim, reason === 'invalid' ? 'has the wrong type' : 'failed its check', `${SEC} §5.1.3`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new SignatureInvalidError('it does not match the key');
  if (err instanceof errors.JOSEAlgNotAllowed) return new AlgorithmNotAllowedError('?', []);
  if (err instanceof errors.JWKSNoMatchingKey) return new SigningKeyNotFoundError();
  if (err instanceof errors.JWKSTimeout) return new JwksUnavailableError('the request timed out', { cause: err });
  if (err instanceof errors.JWKSInvalid) return new JwksUnavailableError('the response is not a JSON Web Key Set', { cause: err });
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) {
    return new MalformedTokenError(err.message.replace(/\.$/, ''));
  }
  if (err instanceof errors.JOSENotSupported) return new MalformedTokenError('it uses an unsupported feature');
  if (err instanceof errors.JOSEError) return new JwksUnavailableError(err.message.replace(/\.$/, ''), { cause: err });
  // Network failures (ECONNREFUSED, reset, bad JSON) from the key set fetch.
  return new JwksUnavailableError('the key set request failed', { cause: err });
}
