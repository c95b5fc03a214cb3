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
import type { Deployment, Registration } from './stores/store';

/** The launching user. */
export interface LtiUser extends RoleHelpers {
  /** The platform's stable user id (`sub`); empty only for an anonymous launch. */
  id: string;
  /** True for an anonymous launch (no `sub`; only with `allowAnonymousLaunches`). */
  anonymous: boolean;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  picture?: string;
  locale?: string;
  /** Role URIs exactly as the platform sent them. */
  roles: string[];
}

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

/** The compact launch kept in `req.session.lti` for the tool's next pages. */
export interface LtiSessionLaunch {
  messageType: LtiMessageType;
  registrationId: string;
  deploymentId: string;
  userId: string;
  name?: string;
  email?: string;
  roles: string[];
  context?: ContextClaim;
  resourceLink?: ResourceLinkClaim;
  /** Epoch milliseconds of the launch. */
  launchedAt: number;
}

function optional<T>(value: unknown): T | undefined {
  return value === undefined ? undefined : (value as T);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Build `req.lti` from claims that {@link validateLtiClaims} accepted. */
export function buildLaunchContext(
  claims: LtiIdTokenClaims,
  messageType: LtiMessageType,
  registration: Registration,
  deployment: Deployment,
): LtiLaunchContext {
  const roles = claims[CLAIM.roles] as string[];
  return {
    messageType,
    user: {
      id: claims.sub ?? '',
      anonymous: claims.sub === undefined,
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
    launchPresentation: optional<LaunchPresentationClaim>(claims[CLAIM.launchPresentation]),
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
    launchedAt: Date.now(),
  };
}
