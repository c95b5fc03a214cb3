import type { LtiLaunchContext } from '../../launch/launch-context';
import { InvalidServiceLaunchError, ScopeNotGrantedError, SERVICE_SPEC, ServiceBadResponseError } from '../call-errors';
import type { ServiceContext } from '../ags/context';
import { withQuery } from '../ags/urls';
import { findLink } from '../link-header';
import { resolveLaunch, type LtiServiceLaunch } from '../service-launch';
import type { ServiceResponse } from '../service-call';
import { MEDIA_TYPE, NRPS_SCOPE } from '../scopes';
import type { Membership, MembershipOptions, NrpsContext, NrpsMember } from './types';

const spec = SERVICE_SPEC.nrps;

function readPage(page: ServiceResponse): { context?: NrpsContext; members: NrpsMember[] } {
  const body = page.json as { context?: unknown; members?: unknown } | undefined;
  const bad = (what: string) => new ServiceBadResponseError(`The membership container ${what}.`, spec, { url: page.url, platformStatus: page.status, body: page.excerpt });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('is not an object');
  if (!Array.isArray(body.members)) throw bad('has no members array');
  const members = body.members.map((m: unknown) => {
    if (m === null || typeof m !== 'object' || typeof (m as NrpsMember).user_id !== 'string') throw bad('has a member without user_id');
    const member = m as NrpsMember;
    return Array.isArray(member.roles) ? member : { ...member, roles: [] };
  });
  const raw = body.context as Partial<NrpsContext> | undefined;
  const context = raw && typeof raw === 'object' && typeof raw.id === 'string' ? (raw as NrpsContext) : undefined;
  return { context, members };
}

/** Open the membership of the launch's context: reads the first page now, the rest as `members` is iterated. */
export async function membership(ctx: ServiceContext, input: LtiServiceLaunch | LtiLaunchContext, options: MembershipOptions = {}): Promise<Membership> {
  const launch = await resolveLaunch(ctx.store, input);
  const claimUrl = launch.nrps?.context_memberships_url;
  if (typeof claimUrl !== 'string' || claimUrl === '') throw new ScopeNotGrantedError(NRPS_SCOPE, spec);
  if (options.url !== undefined && new URL(options.url, claimUrl).origin !== new URL(claimUrl).origin) {
    throw new InvalidServiceLaunchError('A membership URL must have the origin of the launch\'s context_memberships_url.', spec);
  }
  const url = withQuery(options.url ?? claimUrl, { role: options.role, limit: options.limit, rlid: options.resourceLinkId });
  const pages = ctx.caller.pages({ registration: launch.registration, scope: NRPS_SCOPE, method: 'GET', url, accept: MEDIA_TYPE.membershipContainer, repeatable: true, spec });
  const first = await pages.next();
  if (first.done) throw new ServiceBadResponseError('No membership page.', spec, { url });
  let differences = findLink(first.value.headers.get('link'), 'differences', first.value.url);
  let firstPage: ReturnType<typeof readPage> | undefined = readPage(first.value);
  const context = firstPage.context;
  async function* iterate(): AsyncGenerator<NrpsMember> {
    try {
      const firstMembers = firstPage!.members;
      firstPage = undefined; // let the first page go once it has been handed out
      yield* firstMembers;
      for await (const page of pages) {
        differences = findLink(page.headers.get('link'), 'differences', page.url) ?? differences;
        yield* readPage(page).members;
      }
    } finally {
      await pages.return(undefined);
    }
  }
  return { context, members: iterate(), differencesUrl: () => differences };
}

/** Every member of the launch's context, page by page. */
export async function* members(ctx: ServiceContext, input: LtiServiceLaunch | LtiLaunchContext, options: MembershipOptions = {}): AsyncGenerator<NrpsMember> {
  const open = await membership(ctx, input, options);
  yield* open.members;
}
