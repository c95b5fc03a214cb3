/**
 * What the tool sends to, and accepts from, each LMS family: small declarative
 * tables, picked by the platform configuration's `product_family_code`. The
 * exchange itself is the same for every platform (exchange.ts).
 */

/** One platform family's differences from the spec's plain exchange. */
export interface PlatformProfile {
  /** A name for logs and the README. */
  readonly name: string;
  /** `product_family_code` values of the family (lower case). */
  readonly productFamilyCodes: readonly string[];
  /**
   * Issuers shared by many hosts (Canvas Cloud): issuer → the host suffix its
   * OpenID configuration may be served from instead of the issuer's own URL.
   */
  readonly sharedIssuers?: Readonly<Record<string, string>>;
  /** Placements per message type, sent when the tool's message names none. */
  readonly defaultPlacements?: Readonly<Record<string, readonly string[]>>;
  /** Add the family's privacy level (derived from the tool's claims) under this key of the tool configuration. */
  readonly privacyLevelKey?: string;
  /** Whether the family's answer carries `deployment_id` (otherwise the first launch brings it). */
  readonly deploymentInAnswer: boolean;
  /**
   * The family's `authorization_server` is not a token audience (Canvas sends a
   * bare host name): keep the token endpoint as the audience.
   */
  readonly ignoreAuthorizationServer?: boolean;
}

/** Canvas privacy levels by the personal claims a tool asks for (first match wins). */
export const PRIVACY_LEVELS: ReadonlyArray<{ readonly claims: readonly string[]; readonly level: string }> = [
  { claims: ['name', 'email'], level: 'public' },
  { claims: ['email'], level: 'email_only' },
  { claims: ['name'], level: 'name_only' },
  { claims: [], level: 'anonymous' },
];

export const CANVAS: PlatformProfile = {
  name: 'Canvas',
  productFamilyCodes: ['canvas'],
  sharedIssuers: {
    'https://canvas.instructure.com': '.instructure.com',
    'https://canvas.beta.instructure.com': '.instructure.com',
    'https://canvas.test.instructure.com': '.instructure.com',
  },
  defaultPlacements: {
    LtiResourceLinkRequest: ['link_selection'],
    LtiDeepLinkingRequest: ['assignment_selection', 'link_selection', 'editor_button'],
  },
  privacyLevelKey: 'https://canvas.instructure.com/lti/privacy_level',
  deploymentInAnswer: false,
  ignoreAuthorizationServer: true,
};

export const MOODLE: PlatformProfile = {
  name: 'Moodle',
  productFamilyCodes: ['moodle'],
  deploymentInAnswer: true,
};

export const BRIGHTSPACE: PlatformProfile = {
  name: 'Brightspace',
  productFamilyCodes: ['desire2learn', 'brightspace', 'd2l'],
  deploymentInAnswer: true,
};

export const SAKAI: PlatformProfile = {
  name: 'Sakai',
  productFamilyCodes: ['sakai'],
  deploymentInAnswer: true,
};

/** Any other platform: the spec's exchange, nothing added. */
export const GENERIC: PlatformProfile = {
  name: 'generic',
  productFamilyCodes: [],
  deploymentInAnswer: true,
};

/** The built-in profiles, tried in order. */
export const PLATFORM_PROFILES: readonly PlatformProfile[] = [CANVAS, MOODLE, BRIGHTSPACE, SAKAI];

/** The profile of a `product_family_code` (GENERIC when none matches). */
export function profileFor(productFamilyCode: string, profiles: readonly PlatformProfile[] = PLATFORM_PROFILES): PlatformProfile {
  const code = productFamilyCode.toLowerCase();
  return profiles.find((p) => p.productFamilyCodes.includes(code)) ?? GENERIC;
}

/** The privacy level of a claim list, by {@link PRIVACY_LEVELS}. */
export function privacyLevel(claims: readonly string[]): string {
  return PRIVACY_LEVELS.find((row) => row.claims.every((c) => claims.includes(c)))!.level;
}
