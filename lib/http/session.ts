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

/** The values of the request's cookies, raw and percent-decoded (as express-session reads them). */
function cookieValues(req: Request): string[] {
  const header = req.headers.cookie;
  if (!header) return [];
  const values = [header];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      values.push(decodeURIComponent(value));
    } catch {
      values.push(value);
    }
  }
  return values;
}

/**
 * Whether the request's session may have a row in the store: its id came from
 * the browser (any cookie holds it), or the app put something in it before the
 * launch (and may have saved it). Otherwise express-session generated it during
 * this request, the id never left the server, and there is no row to delete.
 */
function mayBeStored(req: Request, session: LtiSession): boolean {
  const id = req.sessionID;
  if (typeof id !== 'string' || id === '') return true;
  if (Object.keys(session).some((key) => key !== 'cookie')) return true;
  return cookieValues(req).some((value) => value.includes(id));
}

/**
 * Give the browser a new session id (against session fixation), keeping `keep` on it.
 * A session that was generated during this request and holds nothing is replaced
 * without the store's destroy (express-session's regenerate() would send a DELETE
 * for a row that cannot exist: one statement fewer per fresh-browser launch).
 */
export function regenerateSession(req: Request, keep: Partial<SessionData>): Promise<LtiSession> {
  const session = requireSession(req);
  const store = req.sessionStore as (typeof req.sessionStore & { generate?: (req: Request) => void }) | undefined;
  if (typeof store?.generate === 'function' && !mayBeStored(req, session)) {
    store.generate(req);
    Object.assign(req.session, keep);
    return Promise.resolve(req.session);
  }
  return new Promise((resolve, reject) => {
    session.regenerate((err?: unknown) => {
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
