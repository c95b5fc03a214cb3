import type { AgsClaim, NrpsClaim } from '../launch/claims';
import type { LtiLaunchContext } from '../launch/launch-context';
import type { Registration } from '../stores/store';
import { StorageUnavailableError } from '../errors';
import { InvalidServiceLaunchError, ScopeNotGrantedError, SERVICE_SPEC } from './call-errors';

/**
 * What a service call needs of a launch, and what a job saves to call services
 * later without a request: `req.session.lti` (an `LtiSessionLaunch`) has exactly
 * these fields, and survives a JSON round trip. `req.lti` is accepted too.
 */
export interface LtiServiceLaunch {
  /** The store's id of the platform registration (`req.lti.registration.id`). */
  registrationId: string;
  /** The platform's deployment id. */
  deploymentId: string;
  /** The launch's AGS claim: endpoints and granted scopes. */
  ags?: AgsClaim;
  /** The launch's NRPS claim. */
  nrps?: NrpsClaim;
}

/**
 * What `ltiServices()` needs from storage: the knex store implements it. A
 * custom store adds this one method (and `ToolKeySource` when no `tokens` is given).
 */
export interface ServiceStore {
  /** The registration with the store's id `id`, or undefined. */
  findRegistrationById(id: string): Promise<Registration | undefined>;
}

/** A launch resolved for a call. */
export interface ResolvedLaunch {
  registration: Registration;
  deploymentId: string;
  ags?: AgsClaim;
  nrps?: NrpsClaim;
}

function isLaunchContext(launch: LtiServiceLaunch | LtiLaunchContext): launch is LtiLaunchContext {
  return typeof (launch as LtiLaunchContext).registration === 'object' && (launch as LtiLaunchContext).registration !== null;
}

/** Find the registration of `launch` (from `req.lti` directly, otherwise through the store). */
export async function resolveLaunch(store: ServiceStore, launch: LtiServiceLaunch | LtiLaunchContext | undefined): Promise<ResolvedLaunch> {
  if (launch === null || typeof launch !== 'object') throw new InvalidServiceLaunchError('No launch given (req.lti, req.session.lti or a saved LtiServiceLaunch).');
  if (isLaunchContext(launch)) return { registration: launch.registration, deploymentId: launch.deploymentId, ags: launch.ags, nrps: launch.nrps };
  if (typeof launch.registrationId !== 'string' || launch.registrationId === '') {
    throw new InvalidServiceLaunchError('The launch has no registrationId.');
  }
  let registration: Registration | undefined;
  try {
    registration = await store.findRegistrationById(launch.registrationId);
  } catch (err) {
    throw new StorageUnavailableError({ cause: err });
  }
  if (!registration) throw new InvalidServiceLaunchError(`Registration ${JSON.stringify(launch.registrationId)} no longer exists.`);
  return { registration, deploymentId: launch.deploymentId, ags: launch.ags, nrps: launch.nrps };
}

/**
 * The first of `preferred` scopes that the AGS claim grants (least privilege:
 * read-only scopes are listed first). Throws {@link ScopeNotGrantedError}.
 */
export function grantedAgsScope(launch: ResolvedLaunch, preferred: string[]): string {
  const granted = Array.isArray(launch.ags?.scope) ? launch.ags!.scope : [];
  const scope = preferred.find((s) => granted.includes(s));
  if (scope === undefined) throw new ScopeNotGrantedError(preferred[0], SERVICE_SPEC.agsClaim);
  return scope;
}
