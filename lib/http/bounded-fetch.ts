/**
 * HTTP requests to a platform (key sets, token endpoint, services) with one
 * deadline over headers *and* body, a byte cap, and redirects only within the
 * same origin. Callers map a {@link FetchProblem} to their own typed error.
 */

/** Why a bounded fetch gave up. */
export type FetchProblemKind = 'timeout' | 'too_large' | 'network' | 'redirect';

/** A bounded fetch that did not produce a whole response. Internal: callers map it to an `LtiError`. */
export class FetchProblem extends Error {
  constructor(
    readonly kind: FetchProblemKind,
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FetchProblem';
  }
}

/** Options of {@link boundedFetch}. */
export interface BoundedFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** One deadline for connecting, headers and the whole body, in ms. */
  timeoutMs: number;
  /** Largest body read, in bytes; a longer one is abandoned, not buffered. */
  maxBytes: number;
  /** Same-origin redirects followed (default 3); a redirect elsewhere is a `redirect` problem. */
  maxRedirects?: number;
  /** Aborts the request early (e.g. the caller gave up). */
  signal?: AbortSignal;
}

/** A complete response, its body read within the limits. */
export interface BoundedResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The URL that answered (after same-origin redirects). */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Fetch `url` within the deadline and byte cap of `options`. Throws {@link FetchProblem}. */
export async function boundedFetch(url: string, options: BoundedFetchOptions): Promise<BoundedResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new FetchProblem('timeout', url, `no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
  const onAbort = () => controller.abort(options.signal?.reason);
  // A signal aborted before the call fires no event: honour it now.
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await follow(url, options, controller.signal);
  } catch (err) {
    if (err instanceof FetchProblem) throw err;
    const reason: unknown = controller.signal.reason;
    if (controller.signal.aborted && reason instanceof FetchProblem) throw reason;
    throw new FetchProblem('network', url, 'the request failed', { cause: err });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

async function follow(url: string, options: BoundedFetchOptions, signal: AbortSignal): Promise<BoundedResponse> {
  let current = url;
  let method = options.method ?? 'GET';
  let body = options.body;
  for (let hops = 0; ; hops++) {
    const res = await fetch(current, { method, headers: options.headers, body, redirect: 'manual', signal });
    if (!REDIRECTS.has(res.status)) {
      return { status: res.status, headers: res.headers, body: await readCapped(res, current, options.maxBytes), url: current };
    }
    discard(res.body);
    const location = res.headers.get('location');
    const next = location ? new URL(location, current) : undefined;
    if (!next || next.origin !== new URL(current).origin) {
      throw new FetchProblem('redirect', current, 'redirected to another origin');
    }
    if (hops >= (options.maxRedirects ?? 3)) throw new FetchProblem('redirect', current, 'too many redirects');
    if (res.status === 303) {
      method = 'GET';
      body = undefined;
    }
    current = next.toString();
  }
}

/** Read the body, giving up (and closing the stream) past `maxBytes`. */
async function readCapped(res: Response, url: string, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(res.body);
    throw new FetchProblem('too_large', url, `answer larger than ${maxBytes} bytes`);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => undefined);
      throw new FetchProblem('too_large', url, `answer larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Drop a body we will not read; never waited on, so a peer that stalls cannot hold us. */
function discard(body: ReadableStream<Uint8Array> | null): void {
  body?.cancel().catch(() => undefined);
}
