/**
 * Hostile JWKS answers for the dev platform (tests of the key set limits):
 * a body that stalls, a body without end, abusive keys, redirects.
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';

/** JWKS modes served here (see `DevPlatform.jwksMode`). */
export const ABUSIVE_JWKS_MODES = ['stall-body', 'endless', 'abusive', 'redirect-away', 'redirect-same'] as const;
export type AbusiveJwksMode = (typeof ABUSIVE_JWKS_MODES)[number];

/** The path a redirect mode points to; it serves the genuine key set. */
export const MOVED_JWKS_PATH = '/jwks-moved';

export interface AbuseContext {
  /** The genuine public keys (`[0]` signs). */
  keys: JWK[];
  /** The platform's own URL (`http://127.0.0.1:port`). */
  url: string;
  /** Responses to destroy when the platform closes. */
  hanging: Set<http.ServerResponse>;
}

export function isAbusiveJwksMode(mode: string): mode is AbusiveJwksMode {
  return (ABUSIVE_JWKS_MODES as readonly string[]).includes(mode);
}

export function serveAbusiveJwks(mode: AbusiveJwksMode, res: http.ServerResponse, ctx: AbuseContext): void {
  switch (mode) {
    case 'stall-body':
      // Headers and the start of a body, then nothing.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      ctx.hanging.add(res);
      return;
    case 'endless':
      return streamForever(res, ctx);
    case 'abusive':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [...abusiveKeys(ctx.keys[0]), ...ctx.keys] }));
      return;
    case 'redirect-away':
      // Same server under another host name: another origin.
      res.writeHead(302, { location: `${ctx.url.replace('127.0.0.1', 'localhost')}${MOVED_JWKS_PATH}` });
      res.end();
      return;
    case 'redirect-same':
      res.writeHead(302, { location: MOVED_JWKS_PATH });
      res.end();
  }
}

function streamForever(res: http.ServerResponse, ctx: AbuseContext): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"keys":[');
  ctx.hanging.add(res);
  const chunk = Buffer.from('{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"},'.repeat(1_000));
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('close', () => ctx.hanging.delete(res));
  pump();
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

/** A random odd number of `bits` bits with the top bits as given. */
function randomOdd(bits: number, top: number): Buffer {
  const bytes = randomBytes(bits / 8);
  bytes[0] = top;
  bytes[bytes.length - 1] |= 1;
  return bytes;
}

/**
 * Keys under the signing kid that a strict verifier must never try: 100 with a
 * 3070-bit public exponent (each try costs ~100× a normal one), 1024- and
 * 16384-bit moduli, private members, `use: enc`, encrypt-only key_ops.
 */
function abusiveKeys(genuine: JWK): JWK[] {
  const kid = genuine.kid!;
  const heavy = Array.from({ length: 100 }, () => ({
    kty: 'RSA',
    kid,
    n: b64(randomOdd(3072, 0xff)),
    e: b64(randomOdd(3072, 0x7f)), // below n, as OpenSSL requires
  }));
  return [
    ...heavy,
    { kty: 'RSA', kid, n: b64(randomOdd(1024, 0xc1)), e: 'AQAB' },
    { kty: 'RSA', kid, n: b64(randomOdd(16384, 0xc1)), e: 'AQAB' },
    { ...genuine, d: b64(randomBytes(256)) },
    { ...genuine, use: 'enc' },
    { ...genuine, use: undefined, key_ops: ['encrypt'] },
  ];
}
