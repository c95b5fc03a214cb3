import {
  CLAIM,
  type AgsClaim,
  type ContextClaim,
  type DeepLinkingSettingsClaim,
  type LaunchPresentationClaim,
  type LtiIdTokenClaims,
  type LtiMessageType,
  type NrpsClaim,
  type ResourceLinkClaim,
  type ToolPlatformClaim,
} from './claims';
import { roleHelpers, type RoleHelpers } from './roles';
import { isSecurePlatformUrl } from '../http/secure-url';
import type { Deployment, Registration } from '../stores/store';

/** What every launching user has, named or anonymous. */
export interface LtiUserBase extends RoleHelpers {
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  picture?: string;
  locale?: string;
  /** Role URIs exactly as the platform sent them. */
  roles: string[];
}

/** A user the platform identified with `sub`. */
export interface LtiNamedUser extends LtiUserBase {
  anonymous: false;
  /** The platform's stable user id (`sub`). */
  id: string;
}

/** An anonymous launch (LTI Core §5.3.6.1): only with `allowAnonymousLaunches`. */
export interface LtiAnonymousUser extends LtiUserBase {
  anonymous: true;
  id: undefined;
}

/**
 * The launching user. `id` is a string unless `anonymous` is true, which only
 * happens with `allowAnonymousLaunches`; check `anonymous` to narrow the type.
 */
export type LtiUser = LtiNamedUser | LtiAnonymousUser;

/** `req.lti`: everything a handler needs about a verified launch. */
export interface LtiLaunchContext {
  messageType: LtiMessageType;
  user: LtiUser;
  /** The course (or other context) launched from, when the platform sends one. */
  context?: ContextClaim;
  /** The resource link; always present for LtiResourceLinkRequest. */
  resourceLink?: ResourceLinkClaim;
  /** The URL the platform asked to launch. */
  targetLinkUri?: string;
  /** Custom parameters configured on the platform. */
  custom: Record<string, unknown>;
  launchPresentation?: LaunchPresentationClaim;
  toolPlatform?: ToolPlatformClaim;
  /** Assignment and Grade Services endpoints, when granted. */
  ags?: AgsClaim;
  /** Names and Role Provisioning Services endpoint, when granted. */
  nrps?: NrpsClaim;
  /** Deep Linking settings, for LtiDeepLinkingRequest. */
  deepLinking?: DeepLinkingSettingsClaim;
  /** The platform's deployment id (`deployment_id` claim). */
  deploymentId: string;
  /** The verified id_token payload, unchanged. */
  claims: LtiIdTokenClaims;
  /** The registration record, as the store returned it. */
  registration: Registration;
  /** The deployment record, as the store returned it. */
  deployment: Deployment;
}

/**
 * The compact launch kept in `req.session.lti` for the tool's next pages. It is
 * an `LtiServiceLaunch` (registration id, deployment id, AGS and NRPS claims), so
 * `services.publishScore(req.session.lti, …)` works on a later request or in a job.
 */
export interface LtiSessionLaunch {
  messageType: LtiMessageType;
  registrationId: string;
  deploymentId: string;
  /** Undefined for an anonymous launch. */
  userId?: string;
  name?: string;
  email?: string;
  roles: string[];
  context?: ContextClaim;
  resourceLink?: ResourceLinkClaim;
  /** The AGS claim (service endpoints and granted scopes), when the platform sent one. */
  ags?: AgsClaim;
  /** The NRPS claim, when the platform sent one. */
  nrps?: NrpsClaim;
  /** Epoch milliseconds of the launch. */
  launchedAt: number;
}

function optional<T>(value: unknown): T | undefined {
  return value === undefined ? undefined : (value as T);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const DOCUMENT_TARGETS = new Set(['frame', 'iframe', 'window']);

/**
 * launch_presentation is advice for display: fields outside the spec (an
 * unknown document_target, a return_url that is not https, or http on loopback
 * in production) are dropped rather than failing the launch, so a tool never
 * redirects to an insecure URL.
 */
function launchPresentation(value: unknown): LaunchPresentationClaim | undefined {
  if (value === undefined) return undefined;
  const presentation = { ...(value as LaunchPresentationClaim) };
  if (presentation.document_target !== undefined && !DOCUMENT_TARGETS.has(presentation.document_target)) delete presentation.document_target;
  if (presentation.return_url !== undefined && !(typeof presentation.return_url === 'string' && isSecurePlatformUrl(presentation.return_url))) {
    delete presentation.return_url;
  }
  for (const key of ['height', 'width'] as const) if (presentation[key] !== undefined && typeof presentation[key] !== 'number') delete presentation[key];
  if (presentation.locale !== undefined && typeof presentation.locale !== 'string') delete presentation.locale;
  return presentation;
}

/** Build `req.lti` from claims that {@link validateLtiClaims} accepted. */
export function buildLaunchContext(
  claims: LtiIdTokenClaims,
  messageType: LtiMessageType,
  registration: Registration,
  deployment: Deployment,
): LtiLaunchContext {
  const roles = (claims[CLAIM.roles] as string[] | undefined) ?? [];
  const identity = claims.sub === undefined ? { anonymous: true as const, id: undefined } : { anonymous: false as const, id: claims.sub };
  return {
    messageType,
    user: {
      ...identity,
      name: optionalString(claims.name),
      givenName: optionalString(claims.given_name),
      familyName: optionalString(claims.family_name),
      email: optionalString(claims.email),
      picture: optionalString(claims.picture),
      locale: optionalString(claims.locale),
      roles,
      ...roleHelpers(roles),
    },
    context: optional<ContextClaim>(claims[CLAIM.context]),
    resourceLink: optional<ResourceLinkClaim>(claims[CLAIM.resourceLink]),
    targetLinkUri: optionalString(claims[CLAIM.targetLinkUri]),
    custom: (claims[CLAIM.custom] as Record<string, unknown> | undefined) ?? {},
    launchPresentation: launchPresentation(claims[CLAIM.launchPresentation]),
    toolPlatform: optional<ToolPlatformClaim>(claims[CLAIM.toolPlatform]),
    ags: optional<AgsClaim>(claims[CLAIM.ags]),
    nrps: optional<NrpsClaim>(claims[CLAIM.nrps]),
    deepLinking: optional<DeepLinkingSettingsClaim>(claims[CLAIM.deepLinkingSettings]),
    deploymentId: deployment.deploymentId,
    claims,
    registration,
    deployment,
  };
}

/** The part of a launch worth keeping in the session. */
export function toSessionLaunch(lti: LtiLaunchContext): LtiSessionLaunch {
  return {
    messageType: lti.messageType,
    registrationId: lti.registration.id,
    deploymentId: lti.deploymentId,
    userId: lti.user.id,
    name: lti.user.name,
    email: lti.user.email,
    roles: lti.user.roles,
    context: lti.context,
    resourceLink: lti.resourceLink,
    ags: lti.ags,
    nrps: lti.nrps,
    launchedAt: Date.now(),
  };
}
