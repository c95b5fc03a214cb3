import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import type { ToolKeySource, ToolSigningKey } from '../../lib/keys/tool-key-source';

/** A tool key made in the test (before or besides the store's keys). */
export interface TestKey extends ToolSigningKey {
  publicJwk: JWK;
}

export async function makeTestKey(kid: string = randomUUID()): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, alg: 'RS256', privateKey: privateKey as KeyLike, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** A key source that counts how often a key was asked for (0 = nothing was signed). */
export function countingKeySource(source: ToolKeySource): ToolKeySource & { calls: number } {
  const counting = {
    calls: 0,
    signingKey() {
      counting.calls++;
      return source.signingKey();
    },
  };
  return counting;
}

/** A JWKS served over loopback HTTP, with keys the test can change. */
export interface TestJwksServer {
  url: string;
  keys: JWK[];
  close(): Promise<void>;
}

export async function serveJwks(keys: JWK[]): Promise<TestJwksServer> {
  const served: TestJwksServer = { url: '', keys, close: async () => undefined };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: served.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  served.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  served.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return served;
}

const unescape = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!);

/** Read the Deep Linking auto-post page: its form action, JWT field, script nonce and button. */
export function parseResponsePage(html: string): { action: string; jwt: string; scriptNonce?: string; hasSubmitButton: boolean } {
  const action = /<form id="lti-deep-linking-response" method="post" action="([^"]*)">/.exec(html)?.[1];
  const jwt = /<input type="hidden" name="JWT" value="([^"]*)">/.exec(html)?.[1];
  if (action === undefined || jwt === undefined) throw new Error(`not a deep-linking response page: ${html.slice(0, 200)}`);
  return {
    action: unescape(action),
    jwt: unescape(jwt),
    scriptNonce: /<script nonce="([^"]*)">/.exec(html)?.[1],
    hasSubmitButton: /<button type="submit">[^<]+<\/button><\/form>/.test(html) && !/<noscript>/.test(html),
  };
}

/** Post the JWT to the platform's return URL as the browser's form would. */
export async function postJwt(action: string, jwt: string): Promise<{ status: number; text: string }> {
  const res = await fetch(action, { method: 'POST', body: new URLSearchParams({ JWT: jwt }), signal: AbortSignal.timeout(5_000) });
  return { status: res.status, text: await res.text() };
}
