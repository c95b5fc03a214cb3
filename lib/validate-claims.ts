import { CLAIM, MESSAGE_TYPES, type LtiIdTokenClaims, type LtiMessageType } from './claims';
import {
  AudienceMismatchError,
  AuthorizedPartyMismatchError,
  InvalidClaimError,
  LoginMismatchError,
  MissingClaimError,
  NonceMismatchError,
} from './errors';
import type { PendingLogin } from './login-state';

const SEC = '1EdTech Security Framework 1.0';
const CORE = 'LTI Core 1.3';
const DL = 'LTI Deep Linking 2.0';
/** LTI Core caps these identifiers at 255 characters. */
const MAX_ID = 255;

type Claims = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function requireString(claims: Claims, name: string, spec: string, max?: number, label = name): string {
  const value = claims[name];
  if (value === undefined) throw new MissingClaimError(label, spec);
  if (typeof value !== 'string') throw new InvalidClaimError(label, 'is not a string', spec);
  if (value === '') throw new InvalidClaimError(label, 'is empty', spec);
  if (max !== undefined && value.length > max) throw new InvalidClaimError(label, `is longer than ${max} characters`, spec);
  return value;
}

function requireObject(claims: Claims, name: string, spec: string, label: string): Record<string, unknown> {
  const value = claims[name];
  if (value === undefined) throw new MissingClaimError(label, spec);
  if (!isObject(value)) throw new InvalidClaimError(label, 'is not an object', spec);
  return value;
}

function optionalObject(claims: Claims, name: string, spec: string, label: string): void {
  if (claims[name] !== undefined && !isObject(claims[name])) throw new InvalidClaimError(label, 'is not an object', spec);
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
 * The checks that follow signature verification: azp and nonce (Security
 * Framework §5.1.3), the LTI Core required claims, and the binding between the
 * login request and the token. Returns the message type.
 */
export function validateLtiClaims(
  claims: LtiIdTokenClaims,
  { clientId, pending, trustedAudiences, allowAnonymous }: ClaimContext,
): LtiMessageType {
  // §5.1.3 step 3: every audience besides us must be one the tool trusts.
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences.some((a) => a !== clientId && !trustedAudiences.has(a))) throw new AudienceMismatchError('names an audience this tool does not trust');
  // §5.1.3 steps 4-5: several audiences need azp, and azp must be us.
  if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp === undefined) {
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

  const deploymentId = requireString(claims, CLAIM.deploymentId, `${CORE} §5.3.3`, MAX_ID, 'deployment_id');
  if (pending.deploymentId !== undefined && pending.deploymentId !== deploymentId) {
    throw new LoginMismatchError('deployment_id');
  }

  if (!(allowAnonymous && claims.sub === undefined)) requireString(claims, 'sub', `${CORE} §5.3.6`, MAX_ID);

  const roles = claims[CLAIM.roles];
  if (roles === undefined) throw new MissingClaimError('roles', `${CORE} §5.3.7`);
  if (!isStringArray(roles)) throw new InvalidClaimError('roles', 'is not an array of strings', `${CORE} §5.3.7`);

  if (messageType === 'LtiResourceLinkRequest') {
    const targetLinkUri = requireString(claims, CLAIM.targetLinkUri, `${CORE} §5.3.4`, undefined, 'target_link_uri');
    if (targetLinkUri !== pending.targetLinkUri) throw new LoginMismatchError('target_link_uri');
    const link = requireObject(claims, CLAIM.resourceLink, `${CORE} §5.3.5`, 'resource_link');
    requireString(link, 'id', `${CORE} §5.3.5`, MAX_ID, 'resource_link.id');
  } else {
    const settings = requireObject(claims, CLAIM.deepLinkingSettings, `${DL} §4.4.1`, 'deep_linking_settings');
    requireString(settings, 'deep_link_return_url', `${DL} §4.4.1`, undefined, 'deep_linking_settings.deep_link_return_url');
    for (const key of ['accept_types', 'accept_presentation_document_targets']) {
      const label = `deep_linking_settings.${key}`;
      if (settings[key] === undefined) throw new MissingClaimError(label, `${DL} §4.4.1`);
      if (!isStringArray(settings[key])) throw new InvalidClaimError(label, 'is not an array of strings', `${DL} §4.4.1`);
    }
  }

  // Optional claims, when present, must have the shape the spec gives them.
  const context = claims[CLAIM.context];
  if (context !== undefined) {
    if (!isObject(context)) throw new InvalidClaimError('context', 'is not an object', `${CORE} §5.4.1`);
    requireString(context, 'id', `${CORE} §5.4.1`, MAX_ID, 'context.id');
  }
  optionalObject(claims, CLAIM.launchPresentation, `${CORE} §5.4.4`, 'launch_presentation');
  optionalObject(claims, CLAIM.custom, `${CORE} §5.4.6`, 'custom');
  optionalObject(claims, CLAIM.toolPlatform, `${CORE} §5.4.2`, 'tool_platform');
  optionalObject(claims, CLAIM.ags, 'LTI AGS 2.0 §3.1', 'ags endpoint');
  optionalObject(claims, CLAIM.nrps, 'LTI NRPS 2.0 §3.6.1', 'namesroleservice');

  return messageType as LtiMessageType;
}
