/** The development platform's own signing keys and its JWKS endpoint (with failure modes for tests). */
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { isAbusiveJwksMode, serveAbusiveJwks } from './jwks-abuse';
import type { DevPlatform } from './platform';

/** One of the platform's RSA key pairs; its public JWK is what the JWKS endpoint serves. */
export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

/** A new RS256 key pair with a random kid. */
export async function makeKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** Answer GET /jwks as `platform.jwksMode` says (`moved`: the same-origin redirect target, always ok). */
export function serveJwks(platform: DevPlatform, res: http.ServerResponse, moved = false): void {
  platform.jwksRequests++;
  const mode = moved ? 'ok' : platform.jwksMode;
  if (isAbusiveJwksMode(mode)) {
    return serveAbusiveJwks(mode, res, { keys: platform.keys.map((k) => k.publicJwk), url: platform.url, hanging: platform.hanging });
  }
  switch (mode) {
    case 'hang':
      platform.hanging.add(res);
      return;
    case 'error':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
      return;
    case 'junk':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"keys": "not a list"');
      return;
    case 'empty':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"keys":[]}');
      return;
    default:
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: platform.keys.map((k) => k.publicJwk) }));
  }
}
