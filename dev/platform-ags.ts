/**
 * The dev platform's Assignment and Grade Services 2.0: line items (CRUD,
 * filters, paging), scores, results and an in-memory gradebook. Line item URLs
 * carry a query string (`…/lineitems/3?context=course-101`, as Moodle's do) and
 * the platform refuses scores/results without it, so a tool that drops it fails.
 */
import type http from 'node:http';
import type { DevPlatform } from './platform';
import type { PlatformFaults, ServiceName } from './platform-faults';
import { accepts, authorize, contentTypeIs, pageOf, readBody, sendError, sendJson } from './platform-http';
import { AGS_SCOPE, MEDIA_TYPE } from '../lib/services/scopes';
import { ACTIVITY_PROGRESS, GRADING_PROGRESS } from '../lib/services/ags/types';

/** A stored line item. */
export interface PlatformLineItem {
  id: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  resourceLinkId?: string;
  tag?: string;
  [extension: string]: unknown;
}

/** A received score, as stored. */
export interface PlatformScore {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
  [extension: string]: unknown;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,9}(Z|[+-]\d{2}:\d{2})$/;

export class PlatformAgs {
  /** Line items by their number. */
  readonly lineItems = new Map<number, PlatformLineItem>();
  /** Latest score per line item number and user (the gradebook). */
  readonly scores = new Map<number, Map<string, PlatformScore>>();
  /** Score POSTs accepted (retries included). */
  scoresReceived = 0;
  /** The last 1 000 scores accepted, in order (retries included). */
  readonly scoreLog: PlatformScore[] = [];
  private nextId = 1;

  constructor(
    private readonly platform: DevPlatform,
    private readonly faults: PlatformFaults,
    readonly contextId: string,
  ) {}

  get lineItemsUrl(): string {
    return `${this.platform.url}/ags/${this.contextId}/lineitems`;
  }

  /** Add a line item as the platform (or an instructor) would. */
  add(item: { label: string; scoreMaximum: number; [extension: string]: unknown }): PlatformLineItem {
    const n = this.nextId++;
    const stored: PlatformLineItem = { ...item, id: `${this.lineItemsUrl}/${n}?context=${encodeURIComponent(this.contextId)}` };
    this.lineItems.set(n, stored);
    return stored;
  }

  /** The line item coupled to a resource link (made on first launch). */
  forResourceLink(resourceLinkId: string, label = 'Week 1 quiz'): PlatformLineItem {
    for (const item of this.lineItems.values()) if (item.resourceLinkId === resourceLinkId && item.tag === 'coupled') return item;
    return this.add({ label, scoreMaximum: 100, resourceLinkId, tag: 'coupled' });
  }

  /** The AGS claim of a launch. */
  claim(resourceLinkId?: string): Record<string, unknown> {
    return {
      scope: Object.values(AGS_SCOPE),
      lineitems: this.lineItemsUrl,
      ...(resourceLinkId === undefined ? {} : { lineitem: this.forResourceLink(resourceLinkId).id }),
    };
  }

  /** Rows of the gradebook: line item label, user, score. */
  gradebook(): Array<{ lineItem: string; userId: string; scoreGiven?: number; scoreMaximum?: number; gradingProgress: string; timestamp: string }> {
    const rows = [];
    for (const [n, byUser] of this.scores) {
      const label = this.lineItems.get(n)?.label ?? `#${n}`;
      for (const s of byUser.values()) rows.push({ lineItem: label, userId: s.userId, scoreGiven: s.scoreGiven, scoreMaximum: s.scoreMaximum, gradingProgress: s.gradingProgress, timestamp: s.timestamp });
    }
    return rows;
  }

  /** The platform route. */
  readonly route = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname === '/gradebook' && req.method === 'GET') return this.gradebookPage(res), true;
    const prefix = `/ags/${this.contextId}/lineitems`;
    if (!url.pathname.startsWith(prefix)) return false;
    const rest = url.pathname.slice(prefix.length);
    const match = /^\/(\d+)(?:\/(scores|results))?$/.exec(rest);
    const service: ServiceName = rest === '' ? 'lineitems' : ((match?.[2] as ServiceName | undefined) ?? 'lineitem');
    // A score's body is read before any fault: a slow platform still takes a score the tool gave up on.
    const scoreBody = service === 'scores' && req.method === 'POST' ? await readBody(req) : undefined;
    const fault = this.faults.take(service);
    if (await this.faults.apply(fault, res, req)) return true;
    if (rest === '') return this.container(req, res, url, fault?.kind === 'loop'), true;
    const n = match ? Number(match[1]) : NaN;
    // The query string is part of the line item URL: without it, no such item.
    if (!this.lineItems.has(n) || url.searchParams.get('context') !== this.contextId) return sendError(res, 404, 'no such line item'), true;
    if (match![2] === 'scores') this.score(req, res, n, scoreBody ?? '');
    else if (match![2] === 'results') this.results(req, res, url, n, fault?.kind === 'loop');
    else await this.item(req, res, n);
    return true;
  };

  /** The gradebook as a page (example app: a learner's score shows up here). */
  private gradebookPage(res: http.ServerResponse): void {
    const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const rows = this.gradebook()
      .map((r) => `<tr><td>${esc(r.lineItem)}</td><td>${esc(r.userId)}</td><td>${esc(r.scoreGiven)} / ${esc(r.scoreMaximum)}</td><td>${esc(r.gradingProgress)}</td><td>${esc(r.timestamp)}</td></tr>`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html><head><title>Gradebook</title></head><body><h1>Gradebook</h1><table border="1"><tr><th>Line item</th><th>User</th><th>Score</th><th>Grading</th><th>Timestamp</th></tr>${rows}</table></body></html>`);
  }

  private async container(req: http.IncomingMessage, res: http.ServerResponse, url: URL, loop: boolean): Promise<void> {
    if (req.method === 'GET') {
      if (!authorize(this.platform, req, res, [AGS_SCOPE.lineItemReadonly, AGS_SCOPE.lineItem]) || !accepts(req, res, MEDIA_TYPE.lineItemContainer)) return;
      const filters = { resourceLinkId: url.searchParams.get('resource_link_id'), resourceId: url.searchParams.get('resource_id'), tag: url.searchParams.get('tag') };
      const items = [...this.lineItems.values()].filter((item) =>
        Object.entries(filters).every(([field, value]) => value === null || item[field] === value),
      );
      const { page, links } = pageOf(items, url, 10, loop);
      return sendJson(res, 200, page, { 'content-type': MEDIA_TYPE.lineItemContainer, ...(links.length ? { link: links.join(', ') } : {}) });
    }
    if (req.method !== 'POST') return sendError(res, 405, 'method not allowed');
    if (!authorize(this.platform, req, res, [AGS_SCOPE.lineItem]) || !contentTypeIs(req, res, MEDIA_TYPE.lineItem)) return;
    const body = parseItem(await readBody(req));
    if (!body) return sendError(res, 400, 'a line item needs a label and a scoreMaximum > 0');
    const { id: _ignored, ...fields } = body;
    sendJson(res, 201, this.add(fields), { 'content-type': MEDIA_TYPE.lineItem });
  }

  private async item(req: http.IncomingMessage, res: http.ServerResponse, n: number): Promise<void> {
    const item = this.lineItems.get(n)!;
    if (req.method === 'GET') {
      if (!authorize(this.platform, req, res, [AGS_SCOPE.lineItemReadonly, AGS_SCOPE.lineItem]) || !accepts(req, res, MEDIA_TYPE.lineItem)) return;
      return sendJson(res, 200, item, { 'content-type': MEDIA_TYPE.lineItem });
    }
    if (!authorize(this.platform, req, res, [AGS_SCOPE.lineItem])) return;
    if (req.method === 'DELETE') {
      this.lineItems.delete(n);
      this.scores.delete(n);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'PUT') return sendError(res, 405, 'method not allowed');
    if (!contentTypeIs(req, res, MEDIA_TYPE.lineItem)) return;
    const body = parseItem(await readBody(req));
    if (!body) return sendError(res, 400, 'a line item needs a label and a scoreMaximum > 0');
    const updated = { ...body, id: item.id };
    this.lineItems.set(n, updated);
    sendJson(res, 200, updated, { 'content-type': MEDIA_TYPE.lineItem });
  }

  private score(req: http.IncomingMessage, res: http.ServerResponse, n: number, text: string): void {
    if (req.method !== 'POST') return sendError(res, 405, 'method not allowed');
    if (!authorize(this.platform, req, res, [AGS_SCOPE.score]) || !contentTypeIs(req, res, MEDIA_TYPE.score)) return;
    let score: PlatformScore;
    try {
      score = JSON.parse(text) as PlatformScore;
    } catch {
      return sendError(res, 400, 'not JSON');
    }
    const problem = scoreProblem(score);
    if (problem) return sendError(res, 400, problem);
    this.scoresReceived++;
    this.scoreLog.push(score);
    if (this.scoreLog.length > 1_000) this.scoreLog.shift();
    const byUser = this.scores.get(n) ?? new Map<string, PlatformScore>();
    this.scores.set(n, byUser);
    const last = byUser.get(score.userId);
    // AGS §3.4: a score older than the one on record does not replace it; the same timestamp may repeat.
    if (!last || Date.parse(last.timestamp) <= Date.parse(score.timestamp)) byUser.set(score.userId, score);
    res.writeHead(204).end();
  }

  private results(req: http.IncomingMessage, res: http.ServerResponse, url: URL, n: number, loop: boolean): void {
    if (req.method !== 'GET') return sendError(res, 405, 'method not allowed');
    if (!authorize(this.platform, req, res, [AGS_SCOPE.resultReadonly]) || !accepts(req, res, MEDIA_TYPE.resultContainer)) return;
    const item = this.lineItems.get(n)!;
    const userId = url.searchParams.get('user_id');
    const all = [...(this.scores.get(n)?.values() ?? [])]
      .filter((s) => userId === null || s.userId === userId)
      .map((s) => ({
        id: `${this.lineItemsUrl}/${n}/results/${encodeURIComponent(s.userId)}?context=${this.contextId}`,
        scoreOf: item.id,
        userId: s.userId,
        ...(s.scoreGiven === undefined ? {} : { resultScore: (s.scoreGiven / s.scoreMaximum!) * item.scoreMaximum, resultMaximum: item.scoreMaximum }),
        ...(s.comment === undefined ? {} : { comment: s.comment }),
      }));
    const { page, links } = pageOf(all, url, 10, loop);
    sendJson(res, 200, page, { 'content-type': MEDIA_TYPE.resultContainer, ...(links.length ? { link: links.join(', ') } : {}) });
  }
}

function parseItem(text: string): PlatformLineItem | undefined {
  try {
    const item = JSON.parse(text) as PlatformLineItem;
    return typeof item.label === 'string' && item.label !== '' && typeof item.scoreMaximum === 'number' && item.scoreMaximum > 0 ? item : undefined;
  } catch {
    return undefined;
  }
}

function scoreProblem(score: PlatformScore): string | undefined {
  if (score === null || typeof score !== 'object') return 'not an object';
  if (typeof score.userId !== 'string' || score.userId === '') return 'userId required';
  if (!(ACTIVITY_PROGRESS as readonly string[]).includes(score.activityProgress)) return 'bad activityProgress';
  if (!(GRADING_PROGRESS as readonly string[]).includes(score.gradingProgress)) return 'bad gradingProgress';
  if (typeof score.timestamp !== 'string' || !TIMESTAMP.test(score.timestamp)) return 'timestamp must be ISO 8601 with sub-seconds and offset';
  if (score.scoreGiven !== undefined && (typeof score.scoreMaximum !== 'number' || score.scoreMaximum <= 0)) return 'scoreGiven needs scoreMaximum';
  return undefined;
}
