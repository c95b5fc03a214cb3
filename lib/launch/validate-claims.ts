import { CLAIM, MESSAGE_TYPES, type LtiIdTokenClaims, type LtiMessageType } from './claims';
import {
  AudienceMismatchError,
  AuthorizedPartyMismatchError,
  InvalidClaimError,
  LoginMismatchError,
  MissingClaimError,
  NonceMismatchError,
} from '../errors';
import type { PendingLogin } from './login-state';
import { hasControlCharacters } from '../http/params';
import { isSecurePlatformUrl } from '../http/secure-url';

const SEC = '1EdTech Security Framework 1.0';
const CORE = 'LTI Core 1.3';
const DL = 'LTI Deep Linking 2.0';
/**
 * The specs cap identifiers at 255 ASCII characters. Counting UTF-8 bytes keeps
 * that bound (a column of 255 holds it) without refusing the odd non-ASCII id.
 */
const MAX_ID_BYTES = 255;

type Claims = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function requireString(claims: Claims, name: string, spec: string, limitBytes?: number, label = name): string {
  const value = claims[name];
  if (value === undefined) throw new MissingClaimError(label, spec);
  if (typeof value !== 'string') throw new InvalidClaimError(label, 'is not a string', spec);
  if (value === '') throw new InvalidClaimError(label, 'is empty', spec);
  if (limitBytes !== undefined && Buffer.byteLength(value, 'utf8') > limitBytes) {
    throw new InvalidClaimError(label, `is longer than ${limitBytes} characters`, spec);
  }
  return value;
}

function requireObject(claims: Claims, name: string, spec: string, label: string): Record<string, unknown> {
  const value = claims[name];
  if (value === undefined) throw new MissingClaimError(label, spec);
  if (!isObject(value)) throw new InvalidClaimError(label, 'is not an object', spec);
  return value;
}

function optionalObject(claims: Claims, name: string, spec: string, label: string): Record<string, unknown> | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new InvalidClaimError(label, 'is not an object', spec);
  return value;
}

function optionalOfType(obj: Record<string, unknown>, key: string, type: 'string' | 'boolean', label: string, spec: string): void {
  if (obj[key] !== undefined && typeof obj[key] !== type) throw new InvalidClaimError(label, `is not a ${type}`, spec);
}

function optionalStringArray(obj: Record<string, unknown>, key: string, label: string, spec: string): void {
  if (obj[key] !== undefined && !isStringArray(obj[key])) throw new InvalidClaimError(label, 'is not an array of strings', spec);
}

/** What {@link validateLtiClaims} needs besides the claims. */
export interface ClaimContext {
  clientId: string;
  pending: PendingLogin;
  /** Audiences besides clientId that `aud` may name. */
  trustedAudiences: ReadonlySet<string>;
  /** Whether a launch without `sub` is accepted (LTI Core §5.3.6.1). */
  allowAnonymous: boolean;
}

/**
 * The checks that follow signature verification: audiences, azp and nonce
 * (Security Framework §5.1.3), the LTI Core and Deep Linking required claims,
 * the shapes of optional claims, and the binding between the login request and
 * the token. Returns the message type.
 */
export function validateLtiClaims(
  claims: LtiIdTokenClaims,
  { clientId, pending, trustedAudiences, allowAnonymous }: ClaimContext,
): LtiMessageType {
  // §5.1.3 step 3: every audience besides us must be one the tool trusts.
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences.some((a) => a !== clientId && !trustedAudiences.has(a))) {
    throw new AudienceMismatchError('names an audience this tool does not trust');
  }
  // §5.1.3 steps 4-5: several audiences need azp, and azp must be us.
  if (audiences.length > 1 && claims.azp === undefined) {
    throw new AuthorizedPartyMismatchError('is required when aud has several values');
  }
  if (claims.azp !== undefined && claims.azp !== clientId) {
    throw new AuthorizedPartyMismatchError("is not this tool's client_id");
  }

  const nonce = requireString(claims, 'nonce', `${SEC} §5.1.3 step 9`);
  if (nonce !== pending.nonce) throw new NonceMismatchError();

  const version = requireString(claims, CLAIM.version, `${CORE} §5.3.2`, undefined, 'version');
  if (version !== '1.3.0') throw new InvalidClaimError('version', 'is not "1.3.0"', `${CORE} §5.3.2`);

  const messageType = requireString(claims, CLAIM.messageType, `${CORE} §5.3.1`, undefined, 'message_type');
  if (!(MESSAGE_TYPES as readonly string[]).includes(messageType)) {
    throw new InvalidClaimError('message_type', `${JSON.stringify(messageType.slice(0, 64))} is not supported`, `${CORE} §5.3.1`);
  }
  const deepLinking = messageType === 'LtiDeepLinkingRequest';

  const deploymentId = requireString(claims, CLAIM.deploymentId, `${CORE} §5.3.3`, MAX_ID_BYTES, 'deployment_id');
  // Stored and looked up in the database, which refuses NUL: refuse control characters here.
  if (hasControlCharacters(deploymentId)) throw new InvalidClaimError('deployment_id', 'contains control characters', `${CORE} §5.3.3`);
  if (pending.deploymentId !== undefined && pending.deploymentId !== deploymentId) {
    throw new LoginMismatchError('deployment_id', `${CORE} §4.1.2`);
  }

  if (!(allowAnonymous && claims.sub === undefined)) requireString(claims, 'sub', `${CORE} §5.3.6`, MAX_ID_BYTES);

  // Deep Linking 2.0 §4.4.9 makes roles optional there; missing means none.
  const roles = claims[CLAIM.roles];
  if (roles === undefined && !deepLinking) throw new MissingClaimError('roles', `${CORE} §5.3.7`);
  if (roles !== undefined && !isStringArray(roles)) throw new InvalidClaimError('roles', 'is not an array of strings', `${CORE} §5.3.7`);

  // The signed target must be the one the login was for (and was checked against our origins).
  const targetLinkUri = claims[CLAIM.targetLinkUri];
  if (!deepLinking || targetLinkUri !== undefined) {
    requireString(claims, CLAIM.targetLinkUri, `${CORE} §5.3.4`, undefined, 'target_link_uri');
    if (targetLinkUri !== pending.targetLinkUri) throw new LoginMismatchError('target_link_uri', `${CORE} §5.3.4`);
  }

  if (!deepLinking) {
    const link = requireObject(claims, CLAIM.resourceLink, `${CORE} §5.3.5`, 'resource_link');
    requireString(link, 'id', `${CORE} §5.3.5`, MAX_ID_BYTES, 'resource_link.id');
    optionalOfType(link, 'title', 'string', 'resource_link.title', `${CORE} §5.3.5`);
    optionalOfType(link, 'description', 'string', 'resource_link.description', `${CORE} §5.3.5`);
  } else {
    validateDeepLinkingSettings(claims);
  }

  const context = optionalObject(claims, CLAIM.context, `${CORE} §5.4.1`, 'context');
  if (context) {
    requireString(context, 'id', `${CORE} §5.4.1`, MAX_ID_BYTES, 'context.id');
    optionalStringArray(context, 'type', 'context.type', `${CORE} §5.4.1`);
    optionalOfType(context, 'label', 'string', 'context.label', `${CORE} §5.4.1`);
    optionalOfType(context, 'title', 'string', 'context.title', `${CORE} §5.4.1`);
  }
  if (claims[CLAIM.roleScopeMentor] !== undefined && !isStringArray(claims[CLAIM.roleScopeMentor])) {
    throw new InvalidClaimError('role_scope_mentor', 'is not an array of strings', `${CORE} §5.4.3`);
  }
  optionalObject(claims, CLAIM.toolPlatform, `${CORE} §5.4.2`, 'tool_platform');
  optionalObject(claims, CLAIM.launchPresentation, `${CORE} §5.4.4`, 'launch_presentation');
  optionalObject(claims, CLAIM.lis, `${CORE} §5.4.5`, 'lis');
  optionalObject(claims, CLAIM.custom, `${CORE} §5.4.6`, 'custom');
  const ags = optionalObject(claims, CLAIM.ags, 'LTI AGS 2.0 §3.1', 'ags endpoint');
  if (ags) optionalStringArray(ags, 'scope', 'ags endpoint.scope', 'LTI AGS 2.0 §3.1');
  const nrps = optionalObject(claims, CLAIM.nrps, 'LTI NRPS 2.0 §3.6.1', 'namesroleservice');
  if (nrps) requireString(nrps, 'context_memberships_url', 'LTI NRPS 2.0 §3.6.1', undefined, 'namesroleservice.context_memberships_url');

  return messageType as LtiMessageType;
}

function validateDeepLinkingSettings(claims: Claims): void {
  const spec = `${DL} §4.4.1`;
  const settings = requireObject(claims, CLAIM.deepLinkingSettings, spec, 'deep_linking_settings');
  const returnUrl = requireString(settings, 'deep_link_return_url', spec, undefined, 'deep_linking_settings.deep_link_return_url');
  if (!isSecurePlatformUrl(returnUrl)) {
    throw new InvalidClaimError('deep_linking_settings.deep_link_return_url', 'is not an https URL', `${spec}; ${CORE} §3.5`);
  }
  for (const key of ['accept_types', 'accept_presentation_document_targets']) {
    const label = `deep_linking_settings.${key}`;
    if (settings[key] === undefined) throw new MissingClaimError(label, spec);
    optionalStringArray(settings, key, label, spec);
    // A platform that accepts no item type, or no target, leaves the tool no answer it could send.
    if ((settings[key] as string[]).length === 0) throw new InvalidClaimError(label, 'is empty: the platform accepts nothing to return', spec);
  }
  for (const key of ['accept_multiple', 'accept_lineitem', 'auto_create']) {
    optionalOfType(settings, key, 'boolean', `deep_linking_settings.${key}`, spec);
  }
  for (const key of ['accept_media_types', 'title', 'text', 'data']) {
    optionalOfType(settings, key, 'string', `deep_linking_settings.${key}`, spec);
  }
}
