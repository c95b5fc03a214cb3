/**
 * Step 3 of Dynamic Registration (§3.5.2): the client registration the tool
 * POSTs, asking only for what the platform says it supports.
 */
import { ConfigurationError } from '../errors';
import { isSecureUrl } from '../http/secure-url';
import type { PlatformConfiguration } from './platform-configuration';
import { privacyLevel } from './profiles';

/** The block of §3.5.2 in the tool's registration. */
export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

/** A message the tool offers besides the plain resource-link launch (§3.5.2.1). */
export interface ToolMessage {
  /** E.g. `LtiDeepLinkingRequest`. */
  type: string;
  /** Where this message launches (default: the tool's `launchUrl`). */
  targetLinkUri?: string;
  label?: string;
  iconUri?: string;
  /** Where the platform shows it (e.g. Canvas `editor_button`); platforms that list placements get only theirs. */
  placements?: string[];
  customParameters?: Record<string, string>;
  /** Roles that may see it. */
  roles?: string[];
}

/** What the tool tells the platform about itself. */
export interface ToolDescription {
  /** `client_name`. */
  name: string;
  description?: string;
  logoUri?: string;
  /** The URL where `ltiLogin()` is mounted (`initiate_login_uri`). */
  loginUrl: string;
  /** The URL where `ltiLaunch()` is mounted (`redirect_uris` and the default `target_link_uri`). */
  launchUrl: string;
  /** Further `redirect_uris`, when messages launch elsewhere. */
  redirectUris?: string[];
  /** The URL where `ltiJwks()` is mounted (`jwks_uri`). */
  jwksUrl: string;
  /** The tool's domain (default: the host of `launchUrl`). */
  domain?: string;
  /** Service scopes wanted (AGS, NRPS); only those the platform supports are asked for. */
  scopes?: string[];
  /** Messages besides the resource-link launch; only types the platform supports are sent. */
  messages?: ToolMessage[];
  /** Claims wanted in launches (default `['iss', 'sub']`); only those the platform supports. */
  claims?: string[];
  customParameters?: Record<string, string>;
}

const RESOURCE_LINK = 'LtiResourceLinkRequest';

/** Check the tool description once, when the handler is made. */
export function checkToolDescription(tool: ToolDescription): void {
  if (!tool || typeof tool.name !== 'string' || !tool.name) throw new ConfigurationError('ltiDynamicRegistration: tool.name is required.');
  const urls: Array<[string, string | undefined]> = [
    ['loginUrl', tool.loginUrl],
    ['launchUrl', tool.launchUrl],
    ['jwksUrl', tool.jwksUrl],
    ['logoUri', tool.logoUri],
    ...(tool.redirectUris ?? []).map((u): [string, string] => ['redirectUris', u]),
    ...(tool.messages ?? []).map((m): [string, string | undefined] => ['messages.targetLinkUri', m.targetLinkUri]),
  ];
  for (const [field, url] of urls) {
    if (url === undefined && field !== 'loginUrl' && field !== 'launchUrl' && field !== 'jwksUrl') continue;
    if (typeof url !== 'string' || !isSecureUrl(url)) {
      throw new ConfigurationError(`ltiDynamicRegistration: tool.${field} must be an https URL (http only on localhost).`);
    }
  }
}

/** The registration request body for `platform`. */
export function buildToolRegistration(tool: ToolDescription, platform: PlatformConfiguration): Record<string, unknown> {
  const supportedScopes = platform.scopesSupported;
  const scopes = (tool.scopes ?? []).filter((s) => !supportedScopes || supportedScopes.includes(s));
  const supportedClaims = platform.claimsSupported;
  // iss and sub are in every id_token: kept even when a platform forgets to list them.
  const claims = (tool.claims ?? ['iss', 'sub']).filter((c) => !supportedClaims || supportedClaims.includes(c) || c === 'iss' || c === 'sub');
  const { profile } = platform;

  const messages = (tool.messages ?? []).flatMap((m) => {
    const supported = platform.messagesSupported?.find((s) => s.type === m.type);
    if (!supported && m.type !== RESOURCE_LINK) return [];
    let placements = m.placements ?? profile.defaultPlacements?.[m.type];
    if (placements && supported?.placements) placements = placements.filter((p) => supported.placements!.includes(p));
    const message: Record<string, unknown> = { type: m.type, target_link_uri: m.targetLinkUri ?? tool.launchUrl };
    if (m.label !== undefined) message.label = m.label;
    if (m.iconUri !== undefined) message.icon_uri = m.iconUri;
    if (placements && placements.length > 0) message.placements = placements;
    if (m.customParameters) message.custom_parameters = m.customParameters;
    if (m.roles) message.roles = m.roles;
    return [message];
  });

  const configuration: Record<string, unknown> = {
    domain: tool.domain ?? new URL(tool.launchUrl).host,
    target_link_uri: tool.launchUrl,
    claims,
    messages,
  };
  if (tool.description !== undefined) configuration.description = tool.description;
  if (tool.customParameters) configuration.custom_parameters = tool.customParameters;
  if (profile.privacyLevelKey) configuration[profile.privacyLevelKey] = privacyLevel(claims);

  const body: Record<string, unknown> = {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: tool.loginUrl,
    redirect_uris: [...new Set([tool.launchUrl, ...(tool.redirectUris ?? []), ...(tool.messages ?? []).flatMap((m) => (m.targetLinkUri ? [m.targetLinkUri] : []))])],
    client_name: tool.name,
    jwks_uri: tool.jwksUrl,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: scopes.join(' '),
    [TOOL_CONFIGURATION]: configuration,
  };
  if (tool.logoUri !== undefined) body.logo_uri = tool.logoUri;
  return body;
}
