import { SignJWT } from 'jose';
import { CLAIM } from '../launch/claims';
import { ConfigurationError } from '../errors';
import { randomToken } from '../random';
import type { ToolKeySource } from '../keys/tool-key-source';
import { toContentItemJson, type DeepLinkingContentItem } from './content-items';
import { requireDeepLinkingLaunch, type DeepLinkingLaunch } from './deep-linking-launch';
import { DeepLinkingInvalidItemError } from './errors';
import { isAllowedUrl, validateContentItems } from './validate-items';

/** Claim names of the Deep Linking response (DL §4.5). */
export const DL_CLAIM = {
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  data: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  msg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
  log: 'https://purl.imsglobal.org/spec/lti-dl/claim/log',
  errormsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/errormsg',
  errorlog: 'https://purl.imsglobal.org/spec/lti-dl/claim/errorlog',
} as const;

/** Options of {@link createDeepLinkingResponse} and `sendDeepLinkingResponse`. */
export interface DeepLinkingResponseOptions {
  /** Where the tool's signing key comes from: the knex store (`createKnexStore(db, { keySecret })`) is one. */
  keys: ToolKeySource;
  /** Shown to the user by the platform (`msg`). */
  message?: string;
  /** Logged by the platform (`log`). */
  log?: string;
  /** Shown to the user as an error (`errormsg`). */
  errorMessage?: string;
  /** Logged by the platform as an error (`errorlog`). */
  errorLog?: string;
  /** Lifetime of the JWT in seconds (default 300, at most 3600). */
  expiresInSeconds?: number;
}

const TEXT_OPTIONS = [
  ['message', DL_CLAIM.msg],
  ['log', DL_CLAIM.log],
  ['errorMessage', DL_CLAIM.errormsg],
  ['errorLog', DL_CLAIM.errorlog],
] as const;

/**
 * The signed LtiDeepLinkingResponse JWT (DL §4.5) for `items`, for tools that
 * post it themselves; `sendDeepLinkingResponse` wraps it in the auto-post page.
 * Items are checked against the request's settings first: on a refusal it
 * throws (`DeepLinkingItemNotAcceptedError`, `DeepLinkingInvalidItemError`,
 * `NotDeepLinkingLaunchError`) and signs nothing.
 */
export async function createDeepLinkingResponse(
  launch: DeepLinkingLaunch,
  items: readonly DeepLinkingContentItem[],
  options: DeepLinkingResponseOptions,
): Promise<string> {
  const dl = requireDeepLinkingLaunch(launch);
  if (!options?.keys || typeof options.keys.signingKey !== 'function') {
    throw new ConfigurationError('Deep Linking responses need options.keys (a ToolKeySource, e.g. the knex store).');
  }
  const lifetime = options.expiresInSeconds ?? 300;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 3600) {
    throw new ConfigurationError('expiresInSeconds must be an integer from 1 to 3600.');
  }
  // Checked at launch too; a launch rebuilt by the app must not turn the form into a javascript: link.
  if (!isAllowedUrl(dl.deepLinking.deep_link_return_url)) {
    throw new DeepLinkingInvalidItemError(-1, 'deep_link_return_url', 'must be an absolute https URL', 'LTI Deep Linking 2.0 §4.4.1; LTI Core 1.3 §3.5');
  }
  validateContentItems(items, dl.deepLinking);

  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: dl.registration.clientId,
    aud: dl.registration.issuer,
    iat: now,
    exp: now + lifetime,
    nonce: randomToken(),
    [CLAIM.deploymentId]: dl.deploymentId,
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    [DL_CLAIM.contentItems]: items.map(toContentItemJson),
  };
  // Echoed exactly, and only when the request had it (DL §4.4.1 data, §4.5).
  if (dl.deepLinking.data !== undefined) claims[DL_CLAIM.data] = dl.deepLinking.data;
  for (const [option, claim] of TEXT_OPTIONS) {
    const value = options[option];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new DeepLinkingInvalidItemError(-1, option, 'must be a string', 'LTI Deep Linking 2.0 §4.5');
    claims[claim] = value;
  }

  const key = await options.keys.signingKey();
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}
