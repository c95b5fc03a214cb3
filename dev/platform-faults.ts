/**
 * Fault injection for the dev platform's services (tests of failure modes):
 * per service, a mode applied to the next N requests.
 */
import type http from 'node:http';

/** Services of the dev platform that faults can target. */
export type ServiceName = 'lineitems' | 'lineitem' | 'scores' | 'results' | 'memberships';

/** How a service misbehaves. */
export type FaultMode =
  /** 401, as for a revoked token. */
  | { kind: 'unauthorized' }
  /** 429, with `Retry-After` when given. */
  | { kind: 'rate-limited'; retryAfter?: string }
  /** A 5xx (default 500). */
  | { kind: 'error'; status?: number }
  /** Never answers (until the platform closes). */
  | { kind: 'hang' }
  /** Answers normally after `ms`. */
  | { kind: 'slow'; ms: number }
  /** 200 with a body that is not JSON. */
  | { kind: 'junk' }
  /** 200 with a JSON body of about `bytes` bytes. */
  | { kind: 'oversized'; bytes: number }
  /** Paged answers carry a `next` link to the page itself. */
  | { kind: 'loop' }
  /** An error whose body echoes the request's Authorization header (a careless platform). */
  | { kind: 'echo'; status?: number };

const SERVICES: ServiceName[] = ['lineitems', 'lineitem', 'scores', 'results', 'memberships'];

export class PlatformFaults {
  /** Requests each service received (faulty ones included). */
  readonly requests = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<ServiceName, number>;
  private readonly modes = new Map<ServiceName, { mode: FaultMode; remaining: number }>();
  private readonly hanging = new Set<http.ServerResponse>();

  /** Misbehave on the next `times` requests of `service` (default: until cleared). */
  set(service: ServiceName, mode: FaultMode, times = Infinity): void {
    this.modes.set(service, { mode, remaining: times });
  }

  /** Back to normal; request counts reset. */
  clear(): void {
    this.modes.clear();
    for (const s of SERVICES) this.requests[s] = 0;
  }

  /** Count the request and take the fault for it, if any. */
  take(service: ServiceName): FaultMode | undefined {
    this.requests[service]++;
    const entry = this.modes.get(service);
    if (!entry) return undefined;
    if (--entry.remaining <= 0) this.modes.delete(service);
    return entry.mode;
  }

  /**
   * Answer per the fault (true when answered). `slow` waits then lets the normal
   * answer go; `loop` is left to the paging responder.
   */
  async apply(fault: FaultMode | undefined, res: http.ServerResponse, req?: http.IncomingMessage): Promise<boolean> {
    switch (fault?.kind) {
      case undefined:
      case 'loop':
        return false;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return true;
      case 'unauthorized':
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
        res.end('{"error":"invalid_token"}');
        return true;
      case 'rate-limited':
        res.writeHead(429, { 'content-type': 'application/json', ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }) });
        res.end('{"error":"slow down"}');
        return true;
      case 'echo':
        res.writeHead(fault.status ?? 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad request', authorization: req?.headers.authorization ?? '' }) + ` Authorization: ${req?.headers.authorization ?? ''}`);
        return true;
      case 'error':
        res.writeHead(fault.status ?? 500, { 'content-type': 'text/plain' });
        res.end('internal error');
        return true;
      case 'junk':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"members": [ oops');
        return true;
      case 'oversized':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`[${'"x",'.repeat(Math.ceil(fault.bytes / 4))}"x"]`);
        return true;
    }
  }

  /** Drop hanging responses (when the platform closes). */
  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }
}
