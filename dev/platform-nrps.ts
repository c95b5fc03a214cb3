/**
 * The dev platform's Names and Role Provisioning Services 2.0: a configurable
 * roster served page by page (`limit`, `page`, `Link: rel="next"`), a `role`
 * filter and a `differences` link.
 */
import type http from 'node:http';
import type { DevPlatform } from './platform';
import type { PlatformFaults } from './platform-faults';
import { accepts, authorize, pageOf, sendError, sendJson } from './platform-http';
import { MEDIA_TYPE, NRPS_SCOPE } from '../lib/services/scopes';
import { ROLE } from '../lib/launch/roles';

/** A roster member as the platform serves it (fields left out are not sent). */
export interface PlatformMember {
  user_id: string;
  roles: string[];
  status?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
}

/** `n` members: the first an instructor, the rest learners; every `privateEvery`-th without name and email. */
export function makeRoster(n: number, options: { privateEvery?: number } = {}): PlatformMember[] {
  return Array.from({ length: n }, (_, i) => {
    const member: PlatformMember = { user_id: `member-${i + 1}`, roles: [i === 0 ? ROLE.instructor : ROLE.learner], status: 'Active' };
    if (!(options.privateEvery && (i + 1) % options.privateEvery === 0)) {
      member.name = `Member ${i + 1}`;
      member.email = `member-${i + 1}@platform.test`;
    }
    return member;
  });
}

export class PlatformNrps {
  /** Who is in the course. Replace it to test (e.g. `makeRoster(10_000)`). */
  roster: PlatformMember[] = [];
  /** The context sent in every page (Sakai: `{ id }` only). */
  context: { id: string; label?: string; title?: string };
  /** Page size when the tool sends no `limit`. */
  defaultLimit = 50;

  constructor(
    private readonly platform: DevPlatform,
    private readonly faults: PlatformFaults,
    context: { id: string; label?: string; title?: string },
  ) {
    this.context = { ...context };
    this.pathId = encodeURIComponent(context.id);
  }

  /** The URL's context part, fixed at start (tests may change `context` afterwards). */
  private readonly pathId: string;

  get membershipsUrl(): string {
    return `${this.platform.url}/nrps/${this.pathId}/memberships`;
  }

  /** The NRPS claim of a launch. */
  claim(): Record<string, unknown> {
    return { context_memberships_url: this.membershipsUrl, service_versions: ['2.0'] };
  }

  readonly route = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== new URL(this.membershipsUrl).pathname) return false;
    const fault = this.faults.take('memberships');
    if (await this.faults.apply(fault, res, req)) return true;
    if (req.method !== 'GET') return sendError(res, 405, 'method not allowed'), true;
    if (!authorize(this.platform, req, res, [NRPS_SCOPE]) || !accepts(req, res, MEDIA_TYPE.membershipContainer)) return true;
    const role = url.searchParams.get('role');
    const members = role === null ? this.roster : this.roster.filter((m) => m.roles.some((r) => r === role || r.endsWith(`#${role}`)));
    const { page, links } = pageOf(members, url, this.defaultLimit, fault?.kind === 'loop');
    links.push(`<${this.membershipsUrl}?since=${Date.now()}>; rel="differences"`);
    sendJson(res, 200, { id: url.toString(), context: this.context, members: page }, { 'content-type': MEDIA_TYPE.membershipContainer, link: links.join(', ') });
    return true;
  };
}
