/**
 * The whole exchange (§3.4 – §3.6): configuration, client registration, and
 * storing the answer, all or nothing. Nothing is written before the platform
 * has answered with a usable client registration.
 */
import type { Deployment, Registration } from '../stores/store';
import type { RegisterPlatformInput } from '../stores/knex-registrations';
import { safeText } from '../safe-text';
import { urlHostAllowed } from './address-guard';
import {
  PlatformConfigurationInvalidError,
  RegistrationHostNotAllowedError,
  RegistrationPlatformUnavailableError,
  RegistrationRejectedError,
  excerptWithout,
  safeUrl,
} from './errors';
import { guardedFetch } from './guarded-fetch';
import { fetchFailure, fetchPlatformConfiguration, type ExchangeLimits, type PlatformConfiguration } from './platform-configuration';
import type { PlatformProfile } from './profiles';
import { TOOL_CONFIGURATION, buildToolRegistration, type ToolDescription } from './tool-configuration';

/** What the exchange writes to: `registerPlatform` of the knex store, or your own. */
export interface RegistrationStore {
  registerPlatform(input: RegisterPlatformInput): Promise<Registration>;
  findDeployment(registration: Registration, deploymentId: string): Promise<Deployment | undefined>;
}

/** The outcome of one exchange. */
export interface ExchangeResult {
  registration: Registration;
  /** The platform's deployment id, when its answer carried one. */
  deploymentId?: string;
  platform: PlatformConfiguration;
}

/** Inputs of {@link runExchange}. */
export interface ExchangeInput extends ExchangeLimits {
  openidConfiguration: string;
  registrationToken?: string;
  tool: ToolDescription;
  store: RegistrationStore;
  requireApproval: boolean;
  profiles?: readonly PlatformProfile[];
}

/** Read the client registration answer (§3.6): client_id, and deployment_id when present. */
export function readRegistrationAnswer(doc: unknown, where: { url?: string; platformStatus?: number; body?: string }): { clientId: string; deploymentId?: string } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new RegistrationRejectedError('The platform\'s registration answer is not a JSON object.', where);
  const answer = doc as Record<string, unknown>;
  const clientId = answer.client_id;
  if (typeof clientId !== 'string' || !clientId || clientId.length > 255 || /[\u0000-\u001f\u007f]/.test(clientId)) {
    throw new RegistrationRejectedError('The platform\'s registration answer has no usable client_id.', where);
  }
  const block = answer[TOOL_CONFIGURATION];
  const raw = block && typeof block === 'object' ? (block as Record<string, unknown>).deployment_id : undefined;
  // Some platforms send a number; the claim is a string.
  const deploymentId = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (deploymentId !== undefined && (typeof deploymentId !== 'string' || !deploymentId || deploymentId.length > 255 || /[\u0000-\u001f\u007f]/.test(deploymentId))) {
    throw new RegistrationRejectedError('The platform\'s registration answer has an invalid deployment_id.', where);
  }
  return { clientId, deploymentId: deploymentId as string | undefined };
}

/** Run the exchange; throws a `DynamicRegistrationError` (or `StorageUnavailableError`) with nothing stored. */
export async function runExchange(input: ExchangeInput): Promise<ExchangeResult> {
  const token = input.registrationToken;
  const platform = await fetchPlatformConfiguration(input.openidConfiguration, token, input, input.profiles);

  // URLs kept for later calls (launch key fetches, token requests) must lead to allowed addresses now too.
  for (const url of [platform.jwksUri, platform.tokenEndpoint, platform.authorizationEndpoint]) {
    if (!(await urlHostAllowed(new URL(url), input))) throw new RegistrationHostNotAllowedError(url);
  }

  const body = JSON.stringify(buildToolRegistration(input.tool, platform));
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await guardedFetch(platform.registrationEndpoint, { ...input, method: 'POST', headers, body });
  } catch (err) {
    throw fetchFailure(err, platform.registrationEndpoint, 'registration endpoint');
  }
  const text = res.body.toString('utf8');
  const where = { url: safeUrl(platform.registrationEndpoint), platformStatus: res.status, body: excerptWithout(text, token) };
  if (res.status >= 500) throw new RegistrationPlatformUnavailableError(`The platform's registration endpoint answered ${res.status}.`, where);
  if (res.status < 200 || res.status >= 300) throw new RegistrationRejectedError(`The platform refused the registration (${res.status}).`, where);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new RegistrationRejectedError('The platform\'s registration answer is not JSON.', where);
  }
  const { clientId, deploymentId } = readRegistrationAnswer(doc, where);

  const name = safeText(`${platform.profile.name === 'generic' ? platform.productFamilyCode : platform.profile.name} (${new URL(platform.issuer).host})`, 200);
  let registration: Registration;
  try {
    registration = await input.store.registerPlatform({
      issuer: platform.issuer,
      clientId,
      authEndpoint: platform.authorizationEndpoint,
      jwksUrl: platform.jwksUri,
      tokenEndpoint: platform.tokenEndpoint,
      tokenAudience: platform.profile.ignoreAuthorizationServer ? null : platform.authorizationServer ?? null,
      name,
      awaitingApproval: input.requireApproval,
      deploymentId,
    });
  } catch (err) {
    // registerPlatform's URL rules match ours; a refusal there is the platform's data.
    if (err instanceof Error && err.name === 'ConfigurationError') throw new PlatformConfigurationInvalidError(err.message, { url: safeUrl(input.openidConfiguration) });
    throw err;
  }
  return { registration, deploymentId, platform };
}
