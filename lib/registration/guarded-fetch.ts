/**
 * boundedFetch's limits (one deadline, byte cap, same-origin redirects only)
 * for URLs that a stranger hands the tool. Global fetch cannot pin the address
 * it connects to, so this one runs on node:http(s) with the checking `lookup`
 * of address-guard.ts: each connection is checked on the addresses it
 * actually uses, redirects included.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { FetchProblem, type BoundedResponse } from '../http/bounded-fetch';
import { AddressNotAllowed, addressAllowed, checkingLookup, type AddressPolicy } from './address-guard';

/** Options of {@link guardedFetch}. */
export interface GuardedFetchOptions extends AddressPolicy {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** One deadline for connecting, headers and the whole body, in ms. */
  timeoutMs: number;
  /** Largest body read, in bytes. */
  maxBytes: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;

/** Fetch `url` within the limits. Throws `FetchProblem` or `AddressNotAllowed`. */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<BoundedResponse> {
  const deadline = Date.now() + options.timeoutMs;
  let current = new URL(url);
  let method = options.method ?? 'GET';
  let body = options.body;
  for (let hops = 0; ; hops++) {
    const res = await once(current, method, body, options, deadline);
    if (!REDIRECTS.has(res.status)) return res;
    const location = res.headers.get('location');
    const next = location ? new URL(location, current) : undefined;
    if (!next || next.origin !== current.origin) throw new FetchProblem('redirect', current.toString(), 'redirected to another origin');
    if (hops >= MAX_REDIRECTS) throw new FetchProblem('redirect', current.toString(), 'too many redirects');
    if (res.status === 303) {
      method = 'GET';
      body = undefined;
    }
    current = next;
  }
}

function once(url: URL, method: string, body: string | undefined, options: GuardedFetchOptions, deadline: number): Promise<BoundedResponse> {
  const where = url.toString();
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is never looked up: check it here.
  if (net.isIP(hostname) && !addressAllowed(hostname, hostname, options)) return Promise.reject(new AddressNotAllowed(hostname));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(new FetchProblem('network', where, 'not an http(s) URL'));
  const client = url.protocol === 'https:' ? https : http;
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new FetchProblem('timeout', where, `no complete answer within ${options.timeoutMs} ms`));

  return new Promise<BoundedResponse>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err instanceof AddressNotAllowed || err instanceof FetchProblem ? err : new FetchProblem('network', where, 'the request failed', { cause: err }));
    };
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = client.request(url, { method, headers, lookup: checkingLookup(options) as never, agent: false });
    const timer = setTimeout(() => fail(new FetchProblem('timeout', where, `no complete answer within ${options.timeoutMs} ms`)), remaining);
    req.on('error', fail);
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) return fail(new FetchProblem('too_large', where, `answer larger than ${options.maxBytes} bytes`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) return fail(new FetchProblem('too_large', where, `answer larger than ${options.maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (typeof value === 'string') responseHeaders.set(name, value);
          else if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
        }
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: Buffer.concat(chunks), url: where });
      });
    });
    req.end(body);
  });
}
