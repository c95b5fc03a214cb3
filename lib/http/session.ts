import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';

/** A request's session with express-lti's fields. */
export type LtiSession = Session & Partial<SessionData>;
import { ConfigurationError, SessionUnavailableError } from '../errors';

/** The request's session, or a clear error when express-session is not mounted first. */
export function requireSession(req: Request): LtiSession {
  if (!req.session) {
    throw new ConfigurationError('express-lti needs express-session: mount session() before ltiLogin() and ltiLaunch().');
  }
  return req.session;
}

/** Save the session now (so the state exists before the browser is redirected). */
export function saveSession(session: LtiSession): Promise<void> {
  return new Promise((resolve, reject) => {
    session.save((err?: unknown) => (err ? reject(new SessionUnavailableError({ cause: err })) : resolve()));
  });
}

/** Give the browser a new session id (against session fixation), keeping `keep` on it. */
export function regenerateSession(req: Request, keep: Partial<SessionData>): Promise<LtiSession> {
  return new Promise((resolve, reject) => {
    requireSession(req).regenerate((err?: unknown) => {
      if (err) return reject(new SessionUnavailableError({ cause: err }));
      Object.assign(req.session, keep);
      resolve(req.session);
    });
  });
}

/**
 * The session as the store would get it, less the cookie's `expires` (which
 * express-session's touch() moves on every request): a change of anything
 * else, cookie lifetime included, must be written.
 */
function snapshot(session: LtiSession): string {
  return JSON.stringify(session, function (this: unknown, key, value: unknown) {
    if (this === session && key === 'cookie' && value !== null && typeof value === 'object') {
      const { expires: _expires, ...rest } = value as Record<string, unknown>;
      return rest;
    }
    return value;
  });
}

/**
 * Save a regenerated session now, so a failing store is a clean 503 rather than
 * a broken page. express-session would save it once more when the response
 * ends (its regenerate() keeps the old id as the one "loaded"); that second
 * write is skipped while the session is unchanged since this save.
 */
export async function saveRegeneratedSession(session: LtiSession): Promise<void> {
  await saveSession(session);
  let saved = snapshot(session);
  const save = session.save;
  Object.defineProperty(session, 'save', {
    configurable: true,
    enumerable: false,
    writable: true,
    value(this: LtiSession, callback?: (err?: unknown) => void) {
      const now = snapshot(this);
      if (now === saved) {
        callback?.();
        return this;
      }
      return save.call(this, (err?: unknown) => {
        if (!err) saved = now; // what the store holds now
        callback?.(err);
      });
    },
  });
}
