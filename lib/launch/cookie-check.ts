import type { Request } from 'express';
import { consoleLogger, type LtiLogger } from '../logger';

/**
 * Say once when the session cookie cannot come back with the platform's
 * cross-site form_post (so every launch would fail with state_not_found), or
 * cannot be set at all (Secure cookie on a request Express thinks is http).
 * Returns true once it has looked, so callers can stop checking.
 */
export function checkSessionCookie(req: Request, launchUrl: string, authEndpoint: string, logger: LtiLogger = consoleLogger): boolean {
  const cookie = req.session?.cookie;
  if (!cookie) return false;
  try {
    warnAboutCookie(req, cookie, launchUrl, authEndpoint, logger);
  } catch {
    // A failing logger (or an odd auth endpoint) must not fail the login.
  }
  return true;
}

function warnAboutCookie(
  req: Request,
  cookie: NonNullable<Request['session']>['cookie'],
  launchUrl: string,
  authEndpoint: string,
  logger: LtiLogger,
): void {
  const crossSite = new URL(launchUrl).hostname !== new URL(authEndpoint).hostname;
  if (crossSite && (cookie.sameSite !== 'none' || cookie.secure !== true)) {
    logger.warn(
      { event: 'lti.cookie_warning', sameSite: cookie.sameSite ?? null, secure: cookie.secure ?? false },
      'The session cookie is not "SameSite=None; Secure": browsers will not send it with the platform\'s ' +
        'cross-site launch POST, and launches will fail with state_not_found. Set cookie: { sameSite: "none", secure: true }.',
    );
  } else if (cookie.secure === true) {
    warnIfSecureOverHttp(req, logger);
  }
}

/**
 * Warn when a Secure cookie is meant for a request Express sees as http (so
 * express-session sets none): the usual cause is a TLS-terminating proxy
 * without `trust proxy`. True when it warned.
 */
export function warnIfSecureOverHttp(req: Request, logger: LtiLogger = consoleLogger): boolean {
  if (req.secure) return false;
  logger.warn(
    { event: 'lti.cookie_warning', secure: true, protocol: req.protocol },
    'The session cookie is Secure but this request reached Express as http, so no cookie is set. ' +
      'Behind a TLS-terminating proxy, call app.set("trust proxy", 1).',
  );
  return true;
}
