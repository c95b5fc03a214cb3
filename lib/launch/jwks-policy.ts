/**
 * Which keys of a platform's JWKS are ever tried. A key set is untrusted input
 * (anyone can publish one and register it, or a platform can be misconfigured):
 * keys that cannot verify our algorithms, or would cost unbounded CPU to try,
 * are dropped once, when the set is fetched, never at launch time.
 */
import { importJWK, type JWK, type KeyLike } from 'jose';

/** Keys kept from one key set; further usable keys are ignored. */
export const MAX_KEYS = 100;
/** Keys tried for one `kid` (a platform mid-rotation may publish two or three). */
export const MAX_KEYS_PER_KID = 3;
/** RSA modulus bounds in bits: below is forgeable, above is a CPU cost with no security gain. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;
/**
 * RSA public exponent bound: odd, 3 ≤ e < 2^32. Verification costs one squaring
 * per exponent bit, so a 3 000-bit exponent makes each try ~100× dearer than
 * e = 65537 (the value every platform uses).
 */
export const RSA_MAX_EXPONENT_BYTES = 4;

const EC_CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
const RSA_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
/** Members that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const B64URL = /^[A-Za-z0-9_-]+$/;

/** One usable public key of a key set, imported once. */
export interface PolicyKey {
  kid: string;
  kty: 'RSA' | 'EC' | 'OKP';
  /** `crv` of EC and OKP keys. */
  crv?: string;
  /** The key's `alg`, when it names one. */
  alg?: string;
  key: KeyLike;
}

/** A key set after the policy: usable keys by `kid`, in the order published. */
export interface PolicyKeySet {
  byKid: Map<string, PolicyKey[]>;
  /** Entries dropped by the policy (for diagnostics). */
  skipped: number;
}

/** The body is not a JSON Web Key Set (not JSON, or no `keys` array). */
export class NotAKeySetError extends Error {}

/** True when `key` can verify a token signed with `alg`. */
export function keyFitsAlgorithm(key: Pick<PolicyKey, 'kty' | 'crv' | 'alg'>, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (RSA_ALGS.has(alg)) return key.kty === 'RSA';
  if (alg in EC_CURVES) return key.kty === 'EC' && key.crv === EC_CURVES[alg];
  if (alg === 'EdDSA') return key.kty === 'OKP' && key.crv === 'Ed25519';
  return false;
}

/** The keys to try for a token's `kid` and `alg`: at most {@link MAX_KEYS_PER_KID}. */
export function candidateKeys(set: PolicyKeySet, kid: string, alg: string): KeyLike[] {
  return (set.byKid.get(kid) ?? []).filter((k) => keyFitsAlgorithm(k, alg)).slice(0, MAX_KEYS_PER_KID).map((k) => k.key);
}

/** Parse a JWKS body strictly and keep only the keys the policy allows. Throws {@link NotAKeySetError}. */
export async function parseKeySet(body: Buffer | string): Promise<PolicyKeySet> {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new NotAKeySetError('the response is not JSON');
  }
  const keys = isObject(json) ? json.keys : undefined;
  if (!Array.isArray(keys)) throw new NotAKeySetError('the response has no "keys" array');
  const byKid = new Map<string, PolicyKey[]>();
  let kept = 0;
  let skipped = 0;
  for (const entry of keys as unknown[]) {
    const key = kept < MAX_KEYS ? await acceptKey(entry) : undefined;
    if (!key) {
      skipped++;
      continue;
    }
    kept++;
    const list = byKid.get(key.kid);
    if (list) list.push(key);
    else byKid.set(key.kid, [key]);
  }
  return { byKid, skipped };
}

/** The key, imported, when the policy allows it; otherwise undefined. */
export async function acceptKey(entry: unknown): Promise<PolicyKey | undefined> {
  if (!isObject(entry)) return undefined;
  const { kid, kty, use, alg } = entry;
  if (typeof kid !== 'string' || kid === '' || kid.length > 1024) return undefined;
  if (use !== undefined && use !== 'sig') return undefined;
  if (entry.key_ops !== undefined && !(Array.isArray(entry.key_ops) && entry.key_ops.includes('verify'))) return undefined;
  if (PRIVATE_MEMBERS.some((name) => name in entry)) return undefined;
  if (alg !== undefined && typeof alg !== 'string') return undefined;
  let publicJwk: JWK;
  if (kty === 'RSA') {
    if (!rsaSizeAllowed(entry.n, entry.e)) return undefined;
    publicJwk = { kty, n: entry.n as string, e: entry.e as string };
  } else if (kty === 'EC' || kty === 'OKP') {
    const { crv, x, y } = entry;
    if (kty === 'EC' && !(Object.values(EC_CURVES).includes(crv as string) && isB64(x, 200) && isB64(y, 200))) return undefined;
    if (kty === 'OKP' && !(crv === 'Ed25519' && isB64(x, 100))) return undefined;
    publicJwk = kty === 'EC' ? { kty, crv: crv as string, x: x as string, y: y as string } : { kty, crv: crv as string, x: x as string };
  } else {
    return undefined;
  }
  const shape = { kty: kty as PolicyKey['kty'], crv: publicJwk.crv, alg: alg as string | undefined };
  if (![...RSA_ALGS, ...Object.keys(EC_CURVES), 'EdDSA'].some((a) => keyFitsAlgorithm(shape, a))) return undefined;
  try {
    const key = await importJWK(publicJwk);
    if (key instanceof Uint8Array) return undefined;
    return { kid, ...shape, key };
  } catch {
    return undefined; // not a valid point or modulus
  }
}

/** Measure the modulus (leading zero bytes do not count) and bound the exponent. */
function rsaSizeAllowed(n: unknown, e: unknown): boolean {
  if (!isB64(n, Math.ceil((RSA_MAX_BITS / 8 + 1) * 4 / 3)) || !isB64(e, 16)) return false;
  const bits = bitLength(Buffer.from(n as string, 'base64url'));
  const exponent = stripZeros(Buffer.from(e as string, 'base64url'));
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return false;
  if (exponent.length === 0 || exponent.length > RSA_MAX_EXPONENT_BYTES) return false;
  const value = exponent.readUIntBE(0, exponent.length);
  return value >= 3 && value % 2 === 1;
}

function stripZeros(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

function bitLength(bytes: Buffer): number {
  const b = stripZeros(bytes);
  return b.length === 0 ? 0 : (b.length - 1) * 8 + (32 - Math.clz32(b[0]));
}

function isB64(value: unknown, maxLength: number): boolean {
  return typeof value === 'string' && value.length <= maxLength && B64URL.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
