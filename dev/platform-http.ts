/** Small HTTP helpers shared by the dev platform's service routes (AGS, NRPS). */
import type http from 'node:http';
import type { DevPlatform } from './platform';

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** Read a request body of at most `max` bytes. */
export async function readBody(req: http.IncomingMessage, max = 1_000_000): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Check the bearer token: 401 without a live token, 403 when it grants none of
 * `scopes`. Answers and returns false when refused.
 */
export function authorize(platform: DevPlatform, req: http.IncomingMessage, res: http.ServerResponse, scopes: string[]): boolean {
  if (scopes.some((scope) => platform.checkAccessToken(req.headers.authorization, scope))) return true;
  const match = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const entry = match ? platform.accessTokens.get(match[1]) : undefined;
  if (entry && entry.expiresAt > Date.now()) sendError(res, 403, 'insufficient_scope');
  else {
    res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
    sendError(res, 401, 'invalid_token');
  }
  return false;
}

/** The exact media type in Accept (406 otherwise). */
export function accepts(req: http.IncomingMessage, res: http.ServerResponse, mediaType: string): boolean {
  const accepted = (req.headers.accept ?? '').split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  if (accepted.includes(mediaType)) return true;
  sendError(res, 406, `Accept must include ${mediaType}`);
  return false;
}

/** The exact media type in Content-Type (415 otherwise). */
export function contentTypeIs(req: http.IncomingMessage, res: http.ServerResponse, mediaType: string): boolean {
  if ((req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === mediaType) return true;
  sendError(res, 415, `Content-Type must be ${mediaType}`);
  return false;
}

/**
 * One page of `items` by `limit` (default `defaultLimit`) and `page` (from 1),
 * with the `Link: rel="next"` of the next page (or of itself when `loop`).
 */
export function pageOf<T>(items: T[], url: URL, defaultLimit: number, loop: boolean): { page: T[]; links: string[] } {
  const limit = Math.max(1, Math.min(1000, Number(url.searchParams.get('limit')) || defaultLimit));
  const number = Math.max(1, Number(url.searchParams.get('page')) || 1);
  const page = items.slice((number - 1) * limit, number * limit);
  const links: string[] = [];
  if (loop) links.push(`<${url.toString()}>; rel="next"`);
  else if (number * limit < items.length) {
    const next = new URL(url);
    next.searchParams.set('page', String(number + 1));
    links.push(`<${next.toString()}>; rel="next"`);
  }
  return { page, links };
}
