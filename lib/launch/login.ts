import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AmbiguousRegistrationError, ConfigurationError, InvalidRequestError, RegistrationNotApprovedError, RegistrationNotFoundError } from '../errors';
import { isSecureUrl } from '../http/secure-url';
import { formBodyParser } from '../http/form-body';
import { bindingHash } from './login-state';
import { LoginCookie, type LoginCookieOptions } from './login-cookie';
import { readParam, requestParams } from '../http/params';
import { randomToken } from '../random';
import { storeCall } from '../stores/store-call';
import type { LtiStore } from '../stores/store';
import { checkTargetLinkUri, normalizeOrigins } from './target-link-uri';
import { checkSessionCookie } from './cookie-check';
import { logRefusal, type LtiLogger } from '../logger';
import { answerLogin, storageSettings, storageTarget, type PlatformStorageOptions } from './platform-storage/storage';

/** How much longer the per-login cookie lives than its row. */
const COOKIE_GRACE_MS = 60_000;

/** Options of {@link ltiLogin}. */
export interface LtiLoginOptions {
  /** Where registrations and pending logins live (e.g. `createKnexStore(db)`). */
  store: LtiStore;
  /**
   * The absolute URL of the route that mounts `ltiLaunch()`: sent to the
   * platform as `redirect_uri`, so it must be one registered there.
   */
  launchUrl: string;
  /**
   * Origins `target_link_uri` may point to. Default: the origin of `launchUrl`.
   * Anything else is refused, so the login cannot act as an open redirect.
   */
  allowedTargetOrigins?: string[];
  /**
   * How long a login waits for its launch, in seconds (default 300): the
   * lifetime of its row (state and nonce) and, plus 60 s, of its per-login cookie.
   */
  stateTtlSeconds?: number;
  /**
   * Attributes of the per-login cookie that binds each login to its browser.
   * Default: those of the express-session cookie; without one, `SameSite=None;
   * Secure; Partitioned` on https and `SameSite=Lax` on http. Give the same
   * value to `ltiLaunch()`.
   */
  loginCookie?: LoginCookieOptions;
  /** Largest form body accepted on POST, in bytes (default 16 384). */
  maxBodyBytes?: number;
  /**
   * Gets one structured warning per refused login (code, status, issuer; never
   * a token) and the one-time cookie warning. pino-compatible. Default: none,
   * except that the cookie warning goes to the console.
   */
  logger?: LtiLogger;
  /**
   * LTI platform storage (on by default): when the login carries
   * `lti_storage_target`, answer with a page that also keeps the login's
   * binding secret in the platform (`lti.put_data`), so the launch works where
   * the browser drops the per-login cookie. `false` turns it off.
   */
  platformStorage?: boolean | PlatformStorageOptions;
}

/**
 * The OIDC third-party-initiated login (LTI Core §4.1, Security Framework
 * §5.1.1). Mount it for GET and POST: `app.all('/lti/login', ltiLogin(...))`.
 * Redirects the browser to the platform's auth endpoint, or passes an
 * `LtiError` to `next`.
 */
export function ltiLogin(options: LtiLoginOptions): RequestHandler {
  const { store } = options;
  for (const url of [options.launchUrl, ...(options.allowedTargetOrigins ?? [])]) {
    if (!isSecureUrl(url)) throw new ConfigurationError(`ltiLogin: ${JSON.stringify(url)} must be an https URL (http only on localhost).`);
  }
  const launchUrl = new URL(options.launchUrl).toString();
  const allowed = normalizeOrigins(options.allowedTargetOrigins ?? [launchUrl]);
  const stateTtlMs = (options.stateTtlSeconds ?? 300) * 1000;
  const cookie = new LoginCookie(launchUrl, options.loginCookie);
  const parseBody = formBodyParser(options.maxBodyBytes ?? 16_384);
  let cookieChecked = false;
  const storage = storageSettings(options.platformStorage);

  async function login(req: Request, res: Response): Promise<void> {
    if (req.method === 'POST') await parseBody(req, res);
    const params = requestParams(req);
    const issuer = readParam(params, 'iss', true);
    const loginHint = readParam(params, 'login_hint', true);
    const targetLinkUri = readParam(params, 'target_link_uri', true);
    const clientId = readParam(params, 'client_id', false, 255);
    // Present but empty is still "present": it goes back empty, not dropped.
    const messageHint = Object.prototype.hasOwnProperty.call(params, 'lti_message_hint') && params.lti_message_hint === ''
      ? ''
      : readParam(params, 'lti_message_hint', false, 16_384);
    // Canvas sends deployment_id; the spec name is lti_deployment_id.
    const ltiDeploymentId = readParam(params, 'lti_deployment_id', false, 255);
    const canvasDeploymentId = readParam(params, 'deployment_id', false, 255);
    if (ltiDeploymentId !== undefined && canvasDeploymentId !== undefined && ltiDeploymentId !== canvasDeploymentId) {
      throw new InvalidRequestError('deployment_id', 'differs from lti_deployment_id');
    }
    const deploymentId = ltiDeploymentId ?? canvasDeploymentId;
    checkTargetLinkUri(targetLinkUri, allowed);
    const target = storage && storageTarget(params);

    const found = await storeCall(() => store.findRegistrations(issuer, clientId));
    if (found.length === 0) throw new RegistrationNotFoundError(issuer, clientId);
    if (found.length > 1) throw new AmbiguousRegistrationError(issuer);
    const registration = found[0];
    if (registration.awaitingApproval) throw new RegistrationNotApprovedError(registration.issuer, registration.clientId);
    if (!cookieChecked) cookieChecked = checkSessionCookie(req, launchUrl, registration.authEndpoint, options.logger);

    // No session is written: the login is a row of its own, bound to this browser by
    // a cookie of its own, so simultaneous logins in one browser cannot overwrite or evict each other.
    const state = randomToken();
    const nonce = randomToken();
    const binding = randomToken();
    await storeCall(() =>
      store.saveLogin({
        state,
        bindingHash: bindingHash(binding),
        registrationId: registration.id,
        issuer: registration.issuer,
        clientId: registration.clientId,
        nonce,
        deploymentId,
        targetLinkUri,
        expiresAt: Date.now() + stateTtlMs,
      }),
    );
    // The cookie outlives the row a little, so a late launch hears state_expired, not state_not_found.
    cookie.set(req, res, state, binding, stateTtlMs + COOKIE_GRACE_MS);

    const auth = new URL(registration.authEndpoint);
    const query = auth.searchParams;
    query.set('scope', 'openid');
    query.set('response_type', 'id_token');
    query.set('response_mode', 'form_post');
    query.set('prompt', 'none');
    query.set('client_id', registration.clientId);
    query.set('redirect_uri', launchUrl);
    query.set('login_hint', loginHint);
    query.set('state', state);
    query.set('nonce', nonce);
    // Echoed unaltered, even when present and empty (LTI Core §4.1.1).
    if (messageHint !== undefined) query.set('lti_message_hint', messageHint);
    if (storage && target) {
      const cookieAttributes = cookie.scriptAttributes(req);
      return answerLogin(req, res, { params, target, authUrl: auth.toString(), state, binding, settings: storage, cookieAttributes });
    }
    res.set('Cache-Control', 'no-store');
    res.redirect(302, auth.toString());
  }

  return (req: Request, res: Response, next: NextFunction) => {
    login(req, res).catch((err: unknown) => {
      const params = requestParams(req);
      const issuer = typeof params.iss === 'string' ? params.iss.slice(0, 256) : undefined;
      logRefusal(options.logger, 'lti.login_refused', err, { issuer });
      next(err);
    });
  };
}
