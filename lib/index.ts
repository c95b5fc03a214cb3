/**
 * express-lti: make an Express app an LTI 1.3 tool.
 *
 * Mount `ltiLogin()` and `ltiLaunch()`, back them with `createKnexStore(db)`,
 * and run the migrations in `migrationsDirectory`.
 * @packageDocumentation
 */
import './http/request-data';
import './http/session-data';

export { ltiLogin, type LtiLoginOptions } from './launch/login';
export { ltiLaunch, type LtiLaunchOptions } from './launch/launch';
export type { DeploymentNotFoundHook, DeploymentNotFoundInfo } from './launch/resolve-deployment';
export type { LtiAnonymousUser, LtiLaunchContext, LtiNamedUser, LtiSessionLaunch, LtiUser, LtiUserBase } from './launch/launch-context';
export { ROLE, roleHelpers, type RoleHelpers } from './launch/roles';
export {
  CLAIM,
  MESSAGE_TYPES,
  type AgsClaim,
  type ContextClaim,
  type DeepLinkingSettingsClaim,
  type LaunchPresentationClaim,
  type LtiIdTokenClaims,
  type LtiMessageType,
  type NrpsClaim,
  type ResourceLinkClaim,
  type ToolPlatformClaim,
} from './launch/claims';
export type { LoginRecord, PendingLogin } from './launch/login-state';
export type { LoginCookieOptions } from './launch/login-cookie';
export { JwksCache, defaultJwksCache, type JwksCacheOptions } from './launch/jwks-cache';
export { ltiErrorHandler, escapeHtml, type LtiErrorHandlerOptions } from './http/error-handler';
export type { LtiLogger } from './logger';
export type { Deployment, LtiStore, Registration } from './stores/store';
export {
  createKnexStore,
  type CleanupResult,
  type KnexStore,
  type KnexStoreOptions,
  type RegisterPlatformInput,
} from './stores/knex';
export { migrationsDirectory } from './stores/migrations';
export { RequestBodyError } from './http/form-body';
export * from './errors';
