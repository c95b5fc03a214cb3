/** The id_token payload the development platform signs for a launch. */
import { CLAIM } from '../lib/launch/claims';
import { COURSE, PERSONAS, type Persona } from './personas';
import type { DevPlatform, MessageHint } from './platform';

/** What a launch's claims are made from. */
export interface LaunchClaimsInput {
  nonce: string;
  targetLinkUri: string;
  persona?: Persona;
  hint?: MessageHint;
  /** Claims to replace, or (undefined) to remove. */
  overrides?: Record<string, unknown>;
}

/** A complete, valid LtiResourceLinkRequest (or LtiDeepLinkingRequest) payload of `platform`. */
export function launchClaims(platform: DevPlatform, input: LaunchClaimsInput): Record<string, unknown> {
  const persona = input.persona ?? PERSONAS.instructor;
  const now = Math.floor(Date.now() / 1000);
  const messageType = input.hint?.messageType ?? 'LtiResourceLinkRequest';
  const claims: Record<string, unknown> = {
    iss: platform.issuer,
    aud: platform.clientId,
    sub: persona.sub,
    iat: now,
    exp: now + 300,
    nonce: input.nonce,
    name: persona.name,
    email: persona.email,
    [CLAIM.version]: '1.3.0',
    [CLAIM.messageType]: messageType,
    [CLAIM.deploymentId]: input.hint?.deploymentId ?? platform.deploymentId,
    [CLAIM.targetLinkUri]: input.targetLinkUri,
    [CLAIM.roles]: persona.roles,
    [CLAIM.context]: COURSE,
    [CLAIM.toolPlatform]: { guid: 'dev-platform', name: platform.name, product_family_code: 'express-lti-dev' },
    [CLAIM.launchPresentation]: { document_target: 'iframe', return_url: `${platform.url}/` },
    [CLAIM.custom]: { greeting: 'hello' },
  };
  if (messageType === 'LtiResourceLinkRequest') {
    claims[CLAIM.resourceLink] = { id: input.hint?.resourceLinkId ?? 'resource-link-1', title: 'Week 1 quiz' };
    claims[CLAIM.ags] = platform.ags.claim(input.hint?.resourceLinkId ?? 'resource-link-1');
    claims[CLAIM.nrps] = platform.nrps.claim();
  } else {
    claims[CLAIM.ags] = platform.ags.claim();
    claims[CLAIM.deepLinkingSettings] = {
      deep_link_return_url: `${platform.url}/deep-link-return`,
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      ...input.hint?.deepLinking,
    };
  }
  for (const [name, value] of Object.entries(input.overrides ?? {})) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}
