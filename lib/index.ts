/**
 * express-lti: make an Express app an LTI 1.3 tool.
 *
 * Mount `ltiLogin()` and `ltiLaunch()`, back them with `createKnexStore(db)`,
 * and run the migrations in `migrationsDirectory`.
 * @packageDocumentation
 */
import './request-data';
import './session-data';

export { ltiLogin, type LtiLoginOptions } from './login';
export { ltiLaunch, type LtiLaunchOptions } from './launch';
export type { DeploymentNotFoundHook, DeploymentNotFoundInfo } from './resolve-deployment';
export type { LtiAnonymousUser, LtiLaunchContext, LtiNamedUser, LtiSessionLaunch, LtiUser, LtiUserBase } from './launch-context';
export { ROLE, roleHelpers, type RoleHelpers } from './roles';
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
} from './claims';
export type { PendingLogin } from './login-state';
export { JwksCache, defaultJwksCache, type JwksCacheOptions } from './jwks-cache';
export { ltiErrorHandler, escapeHtml, type LtiErrorHandlerOptions } from './error-handler';
export type { LtiLogger } from './logger';
export type { Deployment, LtiStore, Registration } from './stores/store';
export {
  createKnexStore,
  type CleanupResult,
  type KnexStore,
  type KnexStoreOptions,
  type RegisterPlatformInput,
} from './stores/knex';
export { migrationsDirectory } from './migrations';
export { RequestBodyError } from './form-body';
export * from './errors';
