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
  TokenExpiredError,
} from '../errors';
import type { SigningKeySource } from './jwks-cache';

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
/**
 * Headers that point the verifier at a key of the token's choosing (RFC 8725
 * §3.10). x5c is left out: jose never uses it, and refusing it would only risk
 * refusing a platform that sends it.
 */
const KEY_HEADERS = ['jku', 'jwk', 'x5u'] as const;

/**
 * Verify the id_token's signature against the platform's keys (from
 * `keySource`, which applies the key policy) and its standard claims (iss,
 * aud, exp, iat). Every failure becomes a typed LtiError.
 */
export async function verifyIdToken(token: string, keySource: SigningKeySource, options: VerifyIdTokenOptions): Promise<LtiIdTokenClaims> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new MalformedTokenError('it is not a compact JWS with a JSON header');
  }
  const { alg, kid } = header;
  if (typeof alg !== 'string' || !options.algorithms.includes(alg)) {
    throw new AlgorithmNotAllowedError(typeof alg === 'string' ? alg.slice(0, 32) : undefined, options.algorithms);
  }
  // Keys come only from the registration's JWKS URL: a token naming its own key is refused.
  for (const name of KEY_HEADERS) {
    if (name in header) throw new HeaderNotAllowedError(name);
  }
  if (typeof kid !== 'string' || kid === '') throw new KeyIdMissingError();
  const verifyOptions = {
    algorithms: [...options.algorithms],
    issuer: options.issuer,
    audience: options.clientId,
    clockTolerance: options.clockToleranceSeconds,
    maxTokenAge: options.maxTokenAgeSeconds,
    requiredClaims: ['exp', 'iat'],
  };
  // At most a few keys share a kid (a platform mid-rotation); the key source bounds them.
  const keys = await keySource.keysFor(kid, alg);
  let last: unknown;
  for (const key of keys) {
    try {
      return (await jwtVerify(token, key, verifyOptions)).payload as LtiIdTokenClaims;
    } catch (err) {
      last = err;
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw toLtiError(last);
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
  if (err instanceof errors.JOSEAlgNotAllowed) return new AlgorithmNotAllowedError(undefined, []);
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) {
    return new MalformedTokenError(err.message.replace(/\.$/, ''));
  }
  if (err instanceof errors.JOSENotSupported) return new MalformedTokenError('it uses an unsupported feature');
  if (err instanceof errors.JOSEError) return new JwksUnavailableError(err.message.replace(/\.$/, ''), { cause: err });
  // A key jose will not use for this token (should not pass the key policy).
  return new JwksUnavailableError('its key cannot be used', { cause: err });
}
