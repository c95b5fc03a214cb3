/**
 * express-lti: make an Express app an LTI 1.3 tool.
 *
 * Mount `ltiLogin()` and `ltiLaunch()`, back them with `createKnexStore(db)`,
 * and run the migrations in `migrationsDirectory`. For calls to the platform
 * after the launch, publish the tool's keys with `ltiJwks({ store })` and get
 * access tokens with an `AccessTokenClient`.
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
export type { PlatformStorageOptions } from './launch/platform-storage/storage';
export { JwksCache, defaultJwksCache, type JwksCacheOptions, type SigningKeySource } from './launch/jwks-cache';
export { ltiErrorHandler, escapeHtml, renderErrorPage, type LtiErrorHandlerOptions } from './http/error-handler';
export type { ErrorPageOptions } from './http/error-pages';
export { ltiSession, MIN_SESSION_SECRET_LENGTH, type LtiSessionMiddleware, type LtiSessionOptions } from './http/lti-session';
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
export { PreparedStatementPool, type PreparedStatementPoolOptions } from './stores/prepared-pool';

// ---- Dynamic Registration (LTI DR 1.0) -------------------------------------
export { ltiDynamicRegistration, type LtiDynamicRegistrationOptions } from './registration/handler';
export type { ToolDescription, ToolMessage } from './registration/tool-configuration';
export type { RegistrationStore } from './registration/exchange';
export {
  BRIGHTSPACE,
  CANVAS,
  GENERIC,
  MOODLE,
  PLATFORM_PROFILES,
  PRIVACY_LEVELS,
  SAKAI,
  type PlatformProfile,
} from './registration/profiles';
export {
  DynamicRegistrationError,
  PlatformConfigurationInvalidError,
  RegistrationHostNotAllowedError,
  RegistrationPlatformUnavailableError,
  RegistrationRejectedError,
  RegistrationRequestInvalidError,
  RegistrationTimeoutError,
} from './registration/errors';
export type { ToolKeySource, ToolSigningKey } from './keys/tool-key-source';
export type { ToolJwks, ToolKeyOptions, ToolKeyRotation, ToolKeyStore, ToolPublicJwk } from './keys/knex-tool-keys';
export { ltiJwks, type LtiJwksOptions } from './keys/jwks-route';
export { AccessTokenClient, type AccessTokenClientOptions } from './services/access-token';
export { LtiServiceError, bodyExcerpt, type ServiceErrorDetails } from './services/errors';
export {
  TokenEndpointMissingError,
  TokenEndpointUnavailableError,
  TokenRequestFailedError,
  TokenResponseInvalidError,
  TokenScopeInvalidError,
} from './services/token-errors';
export { RequestBodyError } from './http/form-body';
export {
  CONTENT_ITEM_TYPES,
  type DeepLinkingContentItem,
  type DeepLinkingIframe,
  type DeepLinkingImageRef,
  type DeepLinkingLineItem,
  type DeepLinkingTimeWindow,
  type DeepLinkingWindow,
  type FileItem,
  type HtmlItem,
  type ImageItem,
  type LinkItem,
  type LtiResourceLinkItem,
} from './deep-linking/content-items';
export { deepLinkingLaunch, type CheckedDeepLinkingLaunch, type DeepLinkingLaunch } from './deep-linking/deep-linking-launch';
export { createDeepLinkingResponse, DL_CLAIM, type DeepLinkingResponseOptions } from './deep-linking/response-jwt';
export { sendDeepLinkingResponse, type SendDeepLinkingResponseOptions } from './deep-linking/response-page';
export { DeepLinkingInvalidItemError, DeepLinkingItemNotAcceptedError, NotDeepLinkingLaunchError } from './deep-linking/errors';
export * from './errors';

// ---- services: AGS 2.0 and NRPS 2.0 calls ---------------------------------
export { ltiServices, type LtiServices, type LtiServicesOptions, type ServiceLaunchInput } from './services/services';
export type { LtiServiceLaunch, ServiceStore } from './services/service-launch';
export type { AccessTokens, ServiceCallOptions } from './services/service-call';
export { AGS_SCOPE, NRPS_SCOPE, MEDIA_TYPE } from './services/scopes';
export {
  ACTIVITY_PROGRESS,
  GRADING_PROGRESS,
  type ActivityProgress,
  type GetResultsOptions,
  type GradingProgress,
  type LineItem,
  type ListLineItemsOptions,
  type PublishScoreOptions,
  type Result,
  type Score,
} from './services/ags/types';
export type { Membership, MembershipOptions, NrpsContext, NrpsMember } from './services/nrps/types';
export {
  InvalidLineItemError,
  InvalidScoreError,
  InvalidServiceLaunchError,
  LineItemMissingError,
  ScopeNotGrantedError,
  ServiceBadResponseError,
  ServiceRequestRejectedError,
  ServiceTimeoutError,
  ServiceUnavailableError,
} from './services/call-errors';
