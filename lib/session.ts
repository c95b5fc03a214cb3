import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';

/** A request's session with express-lti's fields. */
export type LtiSession = Session & Partial<SessionData>;
import { ConfigurationError, SessionUnavailableError } from './errors';

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
