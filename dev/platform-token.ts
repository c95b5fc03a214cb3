/**
 * The development platform's OAuth 2 token endpoint (POST /token): verifies the
 * tool's client assertion against the tool's JWKS (1EdTech Security Framework
 * §4.1.1, RFC 7523) and issues access tokens. `platform.tokenMode` makes it fail
 * on purpose for tests.
 */
import type http from 'node:http';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { DevPlatform, PlatformRoute } from './platform';
import { readBody } from './platform-http';

/**
 * How the token endpoint behaves: `ok`; `down` (connection closed, no answer);
 * `slow` (never answers); `junk` (200 that is not JSON, with the token in it);
 * `error` (400 invalid_client echoing the assertion); `server-error` (500);
 * `lowercase-bearer` (token_type "bearer", as Blackboard); `oversized` (a 1 MB
 * answer); `no-expiry` (no expires_in); `wrong-type` (token_type "mac").
 */
export type TokenMode = 'ok' | 'down' | 'slow' | 'junk' | 'error' | 'server-error' | 'lowercase-bearer' | 'oversized' | 'no-expiry' | 'wrong-type';

/** The service scopes this platform grants. */
export const PLATFORM_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

/** A verified client assertion, as the token endpoint saw it (for tests). */
export interface SeenAssertion {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
  scope: string;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(req, 64 * 1024));
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The POST /token route of `platform` (DevPlatform.start() mounts it). */
export function tokenRoute(platform: DevPlatform): PlatformRoute {
  /** jti → expiry (ms): a replayed assertion is refused until it would have expired anyway. */
  const seenJtis = new Map<string, number>();
  let remote: { url: string; keySet: ReturnType<typeof createRemoteJWKSet> } | undefined;

  const keySet = () => {
    if (!platform.toolJwksUrl) throw new Error('the platform does not know the tool JWKS URL (set platform.toolJwksUrl)');
    if (remote?.url !== platform.toolJwksUrl) {
      remote = { url: platform.toolJwksUrl, keySet: createRemoteJWKSet(new URL(platform.toolJwksUrl), { timeoutDuration: 5_000 }) };
    }
    return remote.keySet;
  };

  return async (req, res, url) => {
    if (url.pathname !== '/token') return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    platform.tokenRequests++;
    const mode = platform.tokenMode;
    if (mode === 'down') {
      req.socket.destroy();
      return true;
    }
    if (mode === 'slow') {
      platform.hanging.add(res);
      return true;
    }
    const form = await readForm(req);
    if (form.get('grant_type') !== 'client_credentials') {
      json(res, 400, { error: 'unsupported_grant_type' });
      return true;
    }
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== ASSERTION_TYPE || !assertion) {
      json(res, 400, { error: 'invalid_request', error_description: 'a jwt-bearer client_assertion is required' });
      return true;
    }
    if (mode === 'error') {
      // Echo the assertion, as careless platforms do: the tool must not pass it on.
      json(res, 400, { error: 'invalid_client', error_description: `client assertion rejected: ${assertion}` });
      return true;
    }
    if (mode === 'server-error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return true;
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(assertion, keySet(), {
        algorithms: ['RS256'],
        issuer: platform.clientId,
        subject: platform.clientId,
        audience: platform.tokenAudience ?? platform.tokenEndpoint,
        requiredClaims: ['iat', 'exp', 'jti'],
        maxTokenAge: '10m',
      }));
    } catch (err) {
      json(res, 400, { error: 'invalid_client', error_description: `client assertion not valid: ${(err as Error).message}` });
      return true;
    }
    const now = Date.now();
    for (const [jti, expires] of seenJtis) if (expires < now) seenJtis.delete(jti);
    if (seenJtis.has(claims.jti!)) {
      json(res, 400, { error: 'invalid_client', error_description: 'client assertion jti already used' });
      return true;
    }
    seenJtis.set(claims.jti!, claims.exp! * 1000);
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (requested.length === 0 || requested.some((s) => !PLATFORM_SCOPES.includes(s))) {
      json(res, 400, { error: 'invalid_scope' });
      return true;
    }
    const scope = requested.join(' ');
    platform.assertions.push({ header: decodeProtectedHeader(assertion), claims, scope });
    const { token, expiresIn } = platform.issueAccessToken(requested, platform.tokenTtlSeconds);
    switch (mode) {
      case 'junk':
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<html>access_token=${token}&token_type=bearer</html>`);
        return true;
      case 'oversized':
        json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope, padding: 'x'.repeat(1024 * 1024) });
        return true;
      case 'wrong-type':
        json(res, 200, { access_token: token, token_type: 'mac', expires_in: expiresIn, scope });
        return true;
      case 'no-expiry':
        json(res, 200, { access_token: token, token_type: 'Bearer', scope });
        return true;
      default:
        json(res, 200, { access_token: token, token_type: mode === 'lowercase-bearer' ? 'bearer' : 'Bearer', expires_in: expiresIn, scope });
        return true;
    }
  };
}
