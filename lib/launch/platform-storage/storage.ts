import type { Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { InvalidRequestError } from '../../errors';
import { readParam } from '../../http/params';
import { storeCall } from '../../stores/store-call';
import type { LtiStore } from '../../stores/store';
import type { PendingLogin } from '../login-state';
import { sendFetchPage, sendStorePage } from './pages';

/** The spec the platform-storage rules come from. */
export const STORAGE_SPEC = '1EdTech LTI OIDC Login with LTI Client Side postMessages (platform storage)';

/**
 * `platformStorage` option of `ltiLogin()` and `ltiLaunch()`: on by default;
 * `false` turns it off; `timeoutMs` is how long the pages wait for each answer
 * of the platform (default 3000).
 */
export interface PlatformStorageOptions {
  timeoutMs?: number;
  /**
   * What the login page does when the browser keeps no cookie for the tool in
   * the platform's frame (it checks with a probe cookie). `'launch'` (default):
   * launch in the frame through platform storage; the launch page works, but
   * later requests from that frame carry no session. `'new-window'`: offer at
   * once to open the tool in a new window, where it is first-party and keeps
   * its session (for tools with more than one page).
   */
  whenCookiesBlocked?: 'launch' | 'new-window';
}

/** Platform storage settings resolved, or undefined when it is off. */
export interface StorageSettings {
  timeoutMs: number;
  newWindowFirst: boolean;
}

/** The settings of the `platformStorage` option, or undefined when platform storage is off. */
export function storageSettings(option: boolean | PlatformStorageOptions | undefined): StorageSettings | undefined {
  if (option === false) return undefined;
  const given = typeof option === 'object' ? option : {};
  return {
    timeoutMs: Math.min(Math.max(given.timeoutMs ?? 3000, 100), 60_000),
    newWindowFirst: given.whenCookiesBlocked === 'new-window',
  };
}

/** The key a login's binding secret is kept under in the platform (the state is in it: one key per login). */
export function storageKey(state: string): string {
  return `express-lti.binding.${state}`;
}

/** The frame the platform named at login or launch (`lti_storage_target`), if any. */
export function storageTarget(params: Record<string, unknown>): string | undefined {
  return readParam(params, 'lti_storage_target', false, 256);
}

/**
 * Login: answer with the page that stores `binding` in the platform and then
 * goes to `authUrl`, instead of redirecting there at once.
 */
export function answerLogin(
  req: Request,
  res: Response,
  input: {
    params: Record<string, unknown>;
    target: string;
    authUrl: string;
    state: string;
    binding: string;
    settings: StorageSettings;
    cookieAttributes: string;
  },
): void {
  const relaunch = new URLSearchParams();
  for (const [name, value] of Object.entries(input.params)) {
    if (name !== 'lti_storage_target' && typeof value === 'string') relaunch.set(name, value);
  }
  sendStorePage(
    res,
    {
      mode: 'store',
      target: input.target,
      platformOrigin: new URL(input.authUrl).origin,
      key: storageKey(input.state),
      value: input.binding,
      authUrl: input.authUrl,
      timeoutMs: input.settings.timeoutMs,
      newWindowFirst: input.settings.newWindowFirst,
      cookieAttributes: input.cookieAttributes,
    },
    `${req.baseUrl}${req.path}?${relaunch.toString()}`,
  );
}

/**
 * The origin of the platform a launch's token names (auth endpoint of the
 * registration of its `iss` and client id). The token is not verified yet: the
 * origin only decides where the page asks and whom it believes; the launch
 * that follows verifies the token against the login's own registration.
 */
async function platformOrigin(store: LtiStore, idToken: string): Promise<string | undefined> {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(idToken);
  } catch {
    return undefined;
  }
  const clientId = typeof claims.azp === 'string' ? claims.azp : Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (typeof claims.iss !== 'string' || typeof clientId !== 'string') return undefined;
  const found = await storeCall(() => store.findRegistrations(claims.iss as string, clientId));
  return found.length === 1 ? new URL(found[0].authEndpoint).origin : undefined;
}

/** The binding posted back must come from our own page: a same-origin form post, never a cross-site one. */
function checkSameOrigin(req: Request): void {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') {
    throw new InvalidRequestError('lti_storage_binding', `was posted ${site}, not by the tool's own page`, STORAGE_SPEC);
  }
  if (req.get('origin') !== `${req.protocol}://${req.host}`) {
    throw new InvalidRequestError('lti_storage_binding', "was not posted from the tool's own origin", STORAGE_SPEC);
  }
}

/**
 * Launch, when no per-login cookie took the login: with `lti_storage_target`,
 * answer with the page that reads the binding back from the platform
 * (`'answered'`); when that page posts it back, take the login with it.
 * Undefined when platform storage cannot help (then: state_not_found).
 */
export async function resumeLaunch(
  req: Request,
  res: Response,
  input: {
    params: Record<string, unknown>;
    state: string;
    idToken: string;
    store: LtiStore;
    timeoutMs: number;
    take: (binding: string) => Promise<PendingLogin | undefined>;
  },
): Promise<PendingLogin | 'answered' | undefined> {
  const target = storageTarget(input.params);
  if (target === undefined) return undefined;
  const binding = readParam(input.params, 'lti_storage_binding', false, 256);
  if (binding !== undefined) {
    checkSameOrigin(req);
    return input.take(binding);
  }
  const origin = await platformOrigin(input.store, input.idToken);
  if (origin === undefined) return undefined;
  sendFetchPage(
    res,
    { mode: 'fetch', target, platformOrigin: origin, key: storageKey(input.state), timeoutMs: input.timeoutMs },
    { id_token: input.idToken, state: input.state, lti_storage_target: target },
  );
  return 'answered';
}
