import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CLAIM } from './claims';
import {
  ConfigurationError,
  DeploymentNotFoundError,
  InvalidRequestError,
  PlatformAuthError,
  RegistrationNotApprovedError,
  RegistrationNotFoundError,
  StateExpiredError,
  StateNotFoundError,
} from '../errors';
import { formBodyParser } from '../http/form-body';
import { refuseLaunchVisit } from './launch-method';
import { defaultJwksCache, type JwksCache } from './jwks-cache';
import { buildLaunchContext, toSessionLaunch } from './launch-context';
import { bindingHash, type PendingLogin } from './login-state';
import { LoginCookie, type LoginCookieOptions } from './login-cookie';
import { readParam, readText } from '../http/params';
import { resolveDeployment, type DeploymentNotFoundHook } from './resolve-deployment';
import { regenerateSession, requireSession, saveRegeneratedSession } from '../http/session';
import { storeCall } from '../stores/store-call';
import type { LtiStore } from '../stores/store';
import { validateLtiClaims } from './validate-claims';
import { verifyIdToken } from './verify-id-token';
import { logRefusal, type LtiLogger, type RefusalContext } from '../logger';
import { resumeLaunch, storageSettings, type PlatformStorageOptions } from './platform-storage/storage';

/** Options of {@link ltiLaunch}. */
export interface LtiLaunchOptions {
  /** The same store `ltiLogin()` uses. */
  store: LtiStore;
  /**
   * Create a deployment the first time a verified launch names it (default
   * false). Use when deployments are bookkeeping for your tool.
   */
  autoCreateDeployments?: boolean;
  /**
   * Called when the deployment is unknown and `autoCreateDeployments` is off,
   * instead of failing with `DeploymentNotFoundError` (403).
   */
  onDeploymentNotFound?: DeploymentNotFoundHook;
  /**
   * Accepted id_token algorithms (default `['RS256']`, as LTI requires). Only
   * asymmetric ones (RS*, PS*, ES*, EdDSA) are allowed: `none` and HS* are refused.
   */
  algorithms?: string[];
  /** Allowed clock skew for exp and iat, in seconds (default 30: platform clocks run ahead). */
  clockToleranceSeconds?: number;
  /** Refuse id_tokens issued longer ago than this, in seconds (default 600). */
  maxTokenAgeSeconds?: number;
  /** Key set cache; by default one shared by every `ltiLaunch()` in the process. */
  jwksCache?: JwksCache;
  /** Largest form body accepted, in bytes (default 262 144). */
  maxBodyBytes?: number;
  /**
   * Audiences besides the client id that a token's `aud` may list (default
   * none). Security Framework §5.1.3 step 3: a token naming an audience the
   * tool does not trust is refused.
   */
  trustedAudiences?: string[];
  /**
   * Accept launches without `sub` (LTI Core §5.3.6.1 anonymous launches).
   * Default false: the certification suite expects such a launch to be refused.
   * When on, `req.lti.user.anonymous` is true and `user.id` is undefined.
   */
  allowAnonymousLaunches?: boolean;
  /** Gets one structured warning per refused launch (code, status, issuer; never the token). pino-compatible. */
  logger?: LtiLogger;
  /** The `loginCookie` option given to `ltiLogin()`, if any: the launch reads and clears that cookie. */
  loginCookie?: LoginCookieOptions;
  /**
   * LTI platform storage (on by default): when the per-login cookie did not
   * come and the launch carries `lti_storage_target`, answer with a page that
   * reads the login's binding secret back from the platform (`lti.get_data`)
   * and posts the launch again with it (same origin only). `false` turns it off.
   */
  platformStorage?: boolean | PlatformStorageOptions;
}

const SEC = '1EdTech Security Framework 1.0';
/** Signature algorithms with a public key: a token can never be forged from what the JWKS publishes. */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

/**
 * The launch (Security Framework §5.1.3): takes the login this browser started
 * (state and per-login cookie), verifies the posted id_token against it,
 * resolves the deployment, sets `req.lti` and `req.session.lti`, and calls
 * `next()`. Every failure is an `LtiError` passed to `next`.
 */
export function ltiLaunch(options: LtiLaunchOptions): RequestHandler {
  const { store, onDeploymentNotFound } = options;
  const autoCreate = options.autoCreateDeployments ?? false;
  const algorithms = options.algorithms ?? ['RS256'];
  if (algorithms.length === 0 || algorithms.some((alg) => !ASYMMETRIC.has(alg))) {
    throw new ConfigurationError(`ltiLaunch: algorithms must be asymmetric JWS algorithms (${[...ASYMMETRIC].join(', ')}).`);
  }
  const jwks = options.jwksCache ?? defaultJwksCache;
  const verifyOptions = {
    algorithms,
    clockToleranceSeconds: options.clockToleranceSeconds ?? 30,
    maxTokenAgeSeconds: options.maxTokenAgeSeconds ?? 600,
  };
  const parseBody = formBodyParser(options.maxBodyBytes ?? 262_144);
  const loginCookie = new LoginCookie(undefined, options.loginCookie);
  const claimRules = {
    trustedAudiences: new Set(options.trustedAudiences ?? []),
    allowAnonymous: options.allowAnonymousLaunches ?? false,
  };
  const storage = storageSettings(options.platformStorage);

  /**
   * Take the login of `state` bound to this browser's per-login cookie (single
   * use, whatever follows), and clear that cookie. Undefined when there is none.
   */
  async function takeLogin(req: Request, res: Response, state: string): Promise<PendingLogin | undefined> {
    const values = loginCookie.read(req, state);
    if (values.length === 0) return undefined;
    loginCookie.clear(req, res, state);
    for (const value of values) {
      const login = await storeCall(() => store.takeLogin(state, bindingHash(value)));
      if (login) return login;
    }
    return undefined;
  }

  /** Resolves true when the launch is done and the next handler should run. */
  async function launch(req: Request, res: Response, next: NextFunction, seen: RefusalContext): Promise<boolean> {
    refuseLaunchVisit(req);
    if (req.method !== 'POST') {
      throw new InvalidRequestError('id_token', 'must be posted as a form (response_mode=form_post)', `${SEC} §5.1.1.3`);
    }
    await parseBody(req, res);
    const params = (req.body ?? {}) as Record<string, unknown>;
    const platformError = readParam(params, 'error', false, 256);
    if (platformError !== undefined) {
      // The login this answers is over: spend its state too.
      const errorState = params.state;
      if (typeof errorState === 'string' && errorState.length <= 256) await takeLogin(req, res, errorState).catch(() => undefined);
      throw new PlatformAuthError(platformError, readText(params, 'error_description', 1024));
    }
    const idToken = readParam(params, 'id_token', true, 200_000);
    const state = readParam(params, 'state', true, 256);

    requireSession(req);
    let pending = await takeLogin(req, res, state);
    if (!pending && storage) {
      const take = (binding: string) => storeCall(() => store.takeLogin(state, bindingHash(binding)));
      const resumed = await resumeLaunch(req, res, { params, state, idToken, store, timeoutMs: storage.timeoutMs, take });
      if (resumed === 'answered') return false;
      pending = resumed;
    }
    if (!pending) throw new StateNotFoundError();
    seen.issuer = pending.issuer;
    seen.clientId = pending.clientId;
    if (pending.expiresAt <= Date.now()) throw new StateExpiredError();

    const [registration] = await storeCall(() => store.findRegistrations(pending.issuer, pending.clientId));
    if (!registration || registration.id !== pending.registrationId) {
      throw new RegistrationNotFoundError(pending.issuer, pending.clientId);
    }
    if (registration.awaitingApproval) throw new RegistrationNotApprovedError(registration.issuer, registration.clientId);

    const claims = await verifyIdToken(idToken, jwks.get(registration.jwksUrl), {
      ...verifyOptions,
      issuer: registration.issuer,
      clientId: registration.clientId,
    });
    // Checks the nonce against the login's (nonce_mismatch): the login was taken once, so a replay finds none.
    const messageType = validateLtiClaims(claims, { clientId: registration.clientId, pending, ...claimRules });

    const deploymentId = claims[CLAIM.deploymentId] as string;
    const deployment = await resolveDeployment(store, registration, deploymentId, autoCreate);
    // A new session id at the moment of sign-in, carrying nothing of the old one.
    if (!deployment) {
      if (!onDeploymentNotFound) throw new DeploymentNotFoundError(deploymentId);
      await regenerateSession(req, {});
      // The hook answers or fails; a bare next() would reach handlers that expect req.lti.
      const hookNext: NextFunction = (err?: unknown) =>
        next(err ?? new ConfigurationError('onDeploymentNotFound must answer the request or call next(err).'));
      await onDeploymentNotFound(req, res, hookNext, { registration, deploymentId, claims });
      return false;
    }

    const lti = buildLaunchContext(claims, messageType, registration, deployment);
    const fresh = await regenerateSession(req, { lti: toSessionLaunch(lti) });
    await saveRegeneratedSession(fresh);
    req.lti = lti;
    return true;
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const seen: RefusalContext = {};
    // next() runs outside the promise chain, so an error thrown downstream is never taken for a refusal.
    launch(req, res, next, seen).then(
      (done) => done && next(),
      (err: unknown) => {
        logRefusal(options.logger, 'lti.launch_refused', err, seen);
        next(err);
      },
    );
  };
}
