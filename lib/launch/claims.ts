/** Claim names (URIs) of LTI 1.3 and its services. */
export const CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  toolPlatform: 'https://purl.imsglobal.org/spec/lti/claim/tool_platform',
  roleScopeMentor: 'https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor',
  launchPresentation: 'https://purl.imsglobal.org/spec/lti/claim/launch_presentation',
  lis: 'https://purl.imsglobal.org/spec/lti/claim/lis',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
} as const;

/** Message types this library launches. */
export const MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'] as const;
/** One of {@link MESSAGE_TYPES}. */
export type LtiMessageType = (typeof MESSAGE_TYPES)[number];

/** The `context` claim (course or section). */
export interface ContextClaim {
  id: string;
  label?: string;
  title?: string;
  type?: string[];
}

/** The `resource_link` claim. */
export interface ResourceLinkClaim {
  id: string;
  title?: string;
  description?: string;
}

/** The `tool_platform` claim. */
export interface ToolPlatformClaim {
  guid?: string;
  name?: string;
  version?: string;
  product_family_code?: string;
  contact_email?: string;
  description?: string;
  url?: string;
}

/** The `launch_presentation` claim. */
export interface LaunchPresentationClaim {
  document_target?: 'frame' | 'iframe' | 'window';
  height?: number;
  width?: number;
  return_url?: string;
  locale?: string;
}

/** The Assignment and Grade Services endpoint claim. */
export interface AgsClaim {
  scope: string[];
  lineitems?: string;
  lineitem?: string;
}

/** The Names and Role Provisioning Services claim. */
export interface NrpsClaim {
  context_memberships_url: string;
  service_versions: string[];
}

/** The Deep Linking 2.0 settings claim. */
export interface DeepLinkingSettingsClaim {
  deep_link_return_url: string;
  accept_types: string[];
  accept_presentation_document_targets: string[];
  accept_media_types?: string;
  accept_multiple?: boolean;
  accept_lineitem?: boolean;
  auto_create?: boolean;
  title?: string;
  text?: string;
  data?: string;
}

/** A verified id_token payload: standard OIDC claims plus LTI's URI-named ones. */
export interface LtiIdTokenClaims {
  iss: string;
  sub?: string;
  aud: string | string[];
  azp?: string;
  exp: number;
  iat: number;
  nonce: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  email?: string;
  picture?: string;
  locale?: string;
  [claim: string]: unknown;
}
