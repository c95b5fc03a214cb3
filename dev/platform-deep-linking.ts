/**
 * The platform side of Deep Linking 2.0 for the development platform: the
 * `deep_link_return_url` endpoint. It verifies the tool's LtiDeepLinkingResponse
 * JWT against the tool's JWKS (`platform.toolJwksUrl`) as an LMS does, keeps what
 * it received (for tests and the example app) and shows it on a small page.
 */
import type http from 'node:http';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { CLAIM } from '../lib/launch/claims';
import { DL_CLAIM } from '../lib/deep-linking/response-jwt';
import type { DevPlatform } from './platform';

/** One verified response, as the platform received it. */
export interface ReceivedDeepLinkingResponse {
  /** The verified payload, unchanged. */
  claims: JWTPayload & Record<string, unknown>;
  /** The `kid` of the JWS header. */
  kid: string;
  /** `content_items` exactly as posted (spec JSON). */
  contentItems: Array<Record<string, unknown>>;
  /** The `data` claim when present (must echo the request's). */
  data?: string;
  msg?: string;
  log?: string;
  errormsg?: string;
  errorlog?: string;
}

export interface DeepLinkingReturnOptions {
  /** Path of the return endpoint (default `/deep-link-return`, what the platform puts in `deep_link_return_url`). */
  path?: string;
  /** Deployment ids the platform launched the tool with (default: the platform's own). */
  deploymentIds?: string[];
}

/** What the return endpoint has received and refused. */
export interface DeepLinkingReturn {
  /** Every verified response, oldest first. */
  readonly responses: ReceivedDeepLinkingResponse[];
  /** Every content item of every verified response: the platform's "course content". */
  readonly items: Array<Record<string, unknown>>;
  /** The reasons of refused posts, oldest first. */
  readonly refusals: string[];
  /** Deployment ids a response may name (add the platform's other deployments here). */
  readonly deploymentIds: Set<string>;
}

class Refusal extends Error {}

const MAX_BODY = 1_000_000;
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new Refusal('the response must be posted as a form');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Refusal('the form is too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function optionalString(claims: Record<string, unknown>, name: string, label: string): string | undefined {
  const value = claims[name];
  if (value !== undefined && typeof value !== 'string') throw new Refusal(`${label} is not a string`);
  return value;
}

/** Add the Deep Linking return endpoint to `platform` (`DevPlatform.start()` mounts one at `/deep-link-return`). */
export function mountDeepLinkingReturn(platform: DevPlatform, options: DeepLinkingReturnOptions = {}): DeepLinkingReturn {
  const path = options.path ?? '/deep-link-return';
  const deploymentIds = new Set(options.deploymentIds ?? [platform.deploymentId]);
  const seenNonces = new Set<string>();
  const received: DeepLinkingReturn = { responses: [], items: [], refusals: [], deploymentIds };
  let jwks: { url: string; set: ReturnType<typeof createRemoteJWKSet> } | undefined;

  function toolKeys(): ReturnType<typeof createRemoteJWKSet> {
    const url = platform.toolJwksUrl;
    if (!url) throw new Refusal('the platform does not know the tool JWKS URL');
    // A refetch on every unknown kid: the tool may have rotated its key since the last response.
    if (jwks?.url !== url) jwks = { url, set: createRemoteJWKSet(new URL(url), { timeoutDuration: 2_000, cooldownDuration: 0 }) };
    return jwks.set;
  }

  async function verify(jwt: string): Promise<ReceivedDeepLinkingResponse> {
    let result;
    try {
      result = await jwtVerify(jwt, toolKeys(), {
        algorithms: ['RS256'],
        issuer: platform.clientId,
        audience: platform.issuer,
        requiredClaims: ['iat', 'exp', 'nonce'],
        clockTolerance: 30,
        maxTokenAge: '10m',
      });
    } catch (err) {
      if (err instanceof Refusal) throw err;
      const code = err instanceof joseErrors.JOSEError ? err.code : 'ERR_UNKNOWN';
      throw new Refusal(`the JWT does not verify (${code}: ${(err as Error).message})`);
    }
    const claims = result.payload as JWTPayload & Record<string, unknown>;
    const kid = result.protectedHeader.kid;
    if (typeof kid !== 'string') throw new Refusal('the JWT header has no kid');
    if (claims[CLAIM.messageType] !== 'LtiDeepLinkingResponse') throw new Refusal('message_type is not LtiDeepLinkingResponse');
    if (claims[CLAIM.version] !== '1.3.0') throw new Refusal('version is not 1.3.0');
    const deploymentId = claims[CLAIM.deploymentId];
    if (typeof deploymentId !== 'string' || !deploymentIds.has(deploymentId)) throw new Refusal('deployment_id is not a deployment of this tool');
    const nonce = claims.nonce;
    if (typeof nonce !== 'string' || nonce.length < 16) throw new Refusal('nonce is missing or too short');
    const items = claims[DL_CLAIM.contentItems] ?? [];
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'object' || item === null || typeof (item as { type?: unknown }).type !== 'string')) {
      throw new Refusal('content_items is not an array of typed items');
    }
    const response: ReceivedDeepLinkingResponse = {
      claims,
      kid,
      contentItems: items as Array<Record<string, unknown>>,
      data: optionalString(claims, DL_CLAIM.data, 'data'),
      msg: optionalString(claims, DL_CLAIM.msg, 'msg'),
      log: optionalString(claims, DL_CLAIM.log, 'log'),
      errormsg: optionalString(claims, DL_CLAIM.errormsg, 'errormsg'),
      errorlog: optionalString(claims, DL_CLAIM.errorlog, 'errorlog'),
    };
    // Last, and only for a verified token: a replay is refused.
    if (seenNonces.has(nonce)) throw new Refusal('nonce was already used (replayed response)');
    seenNonces.add(nonce);
    return response;
  }

  platform.route(async (req, res, url) => {
    if (url.pathname !== path) return false;
    try {
      if (req.method !== 'POST') throw new Refusal('the response must be posted');
      const form = await readForm(req);
      const jwts = form.getAll('JWT');
      if (jwts.length !== 1 || jwts[0] === '') throw new Refusal('the form must have exactly one JWT field');
      const response = await verify(jwts[0]);
      received.responses.push(response);
      received.items.push(...response.contentItems);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(receivedPage(platform.name, response));
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      received.refusals.push(err.message);
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(`deep-linking response refused: ${err.message}`);
    }
    return true;
  });
  return received;
}

function receivedPage(name: string, response: ReceivedDeepLinkingResponse): string {
  const items = response.contentItems
    .map((item) => {
      const title = typeof item.title === 'string' ? item.title : '(untitled)';
      const url = typeof item.url === 'string' ? ` <code>${escape(item.url)}</code>` : '';
      const lineItem = item.lineItem as { scoreMaximum?: unknown } | undefined;
      const graded = lineItem ? ` (gradebook column, out of ${escape(String(lineItem.scoreMaximum))})` : '';
      return `<li data-type="${escape(String(item.type))}">${escape(String(item.type))}: ${escape(title)}${url}${graded}</li>`;
    })
    .join('');
  const notes = [response.msg, response.errormsg ? `Error: ${response.errormsg}` : undefined]
    .filter((text): text is string => text !== undefined)
    .map((text) => `<p>${escape(text)}</p>`)
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(name)}: content added</title></head><body>` +
    `<h1>Content added</h1>${notes}<ul>${items}</ul><p>${response.contentItems.length} item(s) received.</p><p><a href="/">Back to the course</a></p></body></html>`
  );
}
