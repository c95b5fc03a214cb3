/**
 * Step 2 of Dynamic Registration (§3.4): fetch the platform's OpenID
 * configuration and keep it only when it is whole and names itself
 * consistently (§3.5.1). Every URL in it is checked like the one that led here.
 */
import { FetchProblem } from '../http/bounded-fetch';
import { isProduction } from '../http/secure-url';
import { AddressNotAllowed, hostAllowed, type AddressPolicy } from './address-guard';
import {
  PlatformConfigurationInvalidError,
  RegistrationHostNotAllowedError,
  RegistrationPlatformUnavailableError,
  RegistrationRejectedError,
  RegistrationTimeoutError,
  excerptWithout,
  safeUrl,
} from './errors';
import { guardedFetch } from './guarded-fetch';
import { profileFor, type PlatformProfile } from './profiles';

/** The block of §3.4.1 in the OpenID configuration. */
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** A message type the platform supports, with its placements when it names them. */
export interface SupportedMessage {
  type: string;
  placements?: string[];
}

/** The platform's configuration as the exchange uses it. */
export interface PlatformConfiguration {
  issuer: string;
  authorizationEndpoint: string;
  registrationEndpoint: string;
  jwksUri: string;
  tokenEndpoint: string;
  /** The audience of client assertions when it is not the token endpoint (Brightspace). */
  authorizationServer?: string;
  /** Undefined: the platform did not say (every scope is asked for). */
  scopesSupported?: string[];
  /** Undefined: the platform did not say (every claim is asked for). */
  claimsSupported?: string[];
  productFamilyCode: string;
  version?: string;
  /** Undefined: the platform did not say (resource links only). */
  messagesSupported?: SupportedMessage[];
  profile: PlatformProfile;
}

/** Limits and policy of the fetches of an exchange. */
export interface ExchangeLimits extends AddressPolicy {
  timeoutMs: number;
  maxBytes: number;
}

/** https, or http on a loopback host outside production (or one in `allowHosts`). */
export function platformUrlAllowed(value: string, policy: AddressPolicy): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  return loopback && (!isProduction() || hostAllowed(url.hostname, policy));
}

/** Map a failed guarded fetch to the exchange's typed errors. */
export function fetchFailure(err: unknown, url: string, what: string): Error {
  if (err instanceof AddressNotAllowed) return new RegistrationHostNotAllowedError(url);
  const details = { url: safeUrl(url), cause: err };
  if (err instanceof FetchProblem) {
    if (err.kind === 'timeout') return new RegistrationTimeoutError(`The platform's ${what} did not answer in time.`, details);
    if (err.kind === 'too_large') return new RegistrationRejectedError(`The platform's ${what} answer is too large.`, details);
    if (err.kind === 'redirect') return new RegistrationRejectedError(`The platform's ${what} redirected to another origin.`, details);
  }
  return new RegistrationPlatformUnavailableError(`The platform's ${what} could not be reached.`, details);
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is string => typeof v === 'string');
}

/** §3.4.1 `messages_supported`: objects `{ type, placements }`; Moodle sends plain strings. */
function messages(value: unknown): SupportedMessage[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: SupportedMessage[] = [];
  for (const item of value) {
    if (typeof item === 'string') out.push({ type: item });
    else if (item && typeof item === 'object' && typeof (item as { type?: unknown }).type === 'string') {
      out.push({ type: (item as { type: string }).type, placements: stringList((item as { placements?: unknown }).placements) });
    }
  }
  return out;
}

/**
 * §3.5.1: the configuration URL must start with the issuer (whole path
 * segments). A profile's shared issuer (Canvas Cloud) may instead be served
 * from any https host under its suffix.
 */
export function issuerMatches(issuer: string, configurationUrl: string, profile: PlatformProfile): boolean {
  const config = new URL(configurationUrl);
  const iss = new URL(issuer);
  if (iss.origin === config.origin) {
    const prefix = iss.pathname.endsWith('/') ? iss.pathname : `${iss.pathname}/`;
    if (iss.pathname === '/' || config.pathname === iss.pathname || config.pathname.startsWith(prefix)) return true;
  }
  const suffix = profile.sharedIssuers?.[issuer.replace(/\/$/, '')];
  return suffix !== undefined && config.protocol === 'https:' && config.hostname.endsWith(suffix);
}

/** Fetch and validate the configuration at `url`. */
export async function fetchPlatformConfiguration(
  url: string,
  token: string | undefined,
  limits: ExchangeLimits,
  profiles?: readonly PlatformProfile[],
): Promise<PlatformConfiguration> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Canvas wants the registration token here too; it goes only where the platform sent us.
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await guardedFetch(url, { ...limits, headers });
  } catch (err) {
    throw fetchFailure(err, url, 'OpenID configuration');
  }
  const where = { url: safeUrl(url), platformStatus: res.status, body: excerptWithout(res.body.toString('utf8'), token) };
  if (res.status >= 500) throw new RegistrationPlatformUnavailableError(`The platform's OpenID configuration answered ${res.status}.`, where);
  if (res.status < 200 || res.status >= 300) throw new RegistrationRejectedError(`The platform's OpenID configuration answered ${res.status}.`, where);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new PlatformConfigurationInvalidError('The platform\'s OpenID configuration is not JSON.', where);
  }
  return validatePlatformConfiguration(doc, url, limits, where, profiles);
}

/** §3.4 and §3.5.1 checks of a parsed configuration. */
export function validatePlatformConfiguration(
  doc: unknown,
  url: string,
  policy: AddressPolicy,
  where: { url?: string; platformStatus?: number; body?: string } = {},
  profiles?: readonly PlatformProfile[],
): PlatformConfiguration {
  const bad = (message: string) => new PlatformConfigurationInvalidError(`The platform's OpenID configuration ${message}.`, where);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('is not a JSON object');
  const c = doc as Record<string, unknown>;
  const block = c[PLATFORM_CONFIGURATION];
  if (!block || typeof block !== 'object' || Array.isArray(block)) throw bad(`has no ${PLATFORM_CONFIGURATION} block`);
  const platform = block as Record<string, unknown>;
  const family = platform.product_family_code;
  if (typeof family !== 'string' || !family) throw bad('has no product_family_code');
  const profile = profileFor(family, profiles);

  const urls: Record<string, string> = {};
  for (const field of ['issuer', 'authorization_endpoint', 'registration_endpoint', 'jwks_uri', 'token_endpoint']) {
    const value = c[field];
    if (typeof value !== 'string' || !value) throw bad(`has no ${field}`);
    if (value.length > 2048 || !platformUrlAllowed(value, policy)) throw bad(`has a ${field} that is not an https URL`);
    urls[field] = value;
  }
  const issuer = new URL(urls.issuer);
  if (issuer.search || issuer.hash) throw bad('has an issuer with a query or fragment');
  if (!issuerMatches(urls.issuer, url, profile)) throw bad('names an issuer that does not match the URL it was fetched from');

  const algs = stringList(c.id_token_signing_alg_values_supported);
  if (!algs?.includes('RS256')) throw bad('does not list RS256 in id_token_signing_alg_values_supported');
  const authMethods = stringList(c.token_endpoint_auth_methods_supported);
  if (authMethods && !authMethods.includes('private_key_jwt')) throw bad('does not support private_key_jwt at its token endpoint');
  const responseTypes = stringList(c.response_types_supported);
  if (responseTypes && !responseTypes.includes('id_token')) throw bad('does not support the id_token response type');
  let authorizationServer: string | undefined;
  if (c.authorization_server !== undefined) {
    if (typeof c.authorization_server !== 'string' || !c.authorization_server || c.authorization_server.length > 2048) {
      throw bad('has an invalid authorization_server');
    }
    authorizationServer = c.authorization_server;
  }
  return {
    issuer: urls.issuer,
    authorizationEndpoint: urls.authorization_endpoint,
    registrationEndpoint: urls.registration_endpoint,
    jwksUri: urls.jwks_uri,
    tokenEndpoint: urls.token_endpoint,
    authorizationServer,
    scopesSupported: stringList(c.scopes_supported),
    claimsSupported: stringList(c.claims_supported),
    productFamilyCode: family,
    version: typeof platform.version === 'string' ? platform.version : undefined,
    messagesSupported: messages(platform.messages_supported),
    profile,
  };
}
