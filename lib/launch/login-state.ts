import type { LtiSession } from '../http/session';

/** What a login leaves in the browser's session for its launch to check. */
export interface PendingLogin {
  registrationId: string;
  issuer: string;
  clientId: string;
  nonce: string;
  /** The lti_deployment_id sent at login, if any. */
  deploymentId?: string;
  targetLinkUri: string;
  /** Epoch milliseconds after which the launch is refused. */
  expiresAt: number;
}

/** A browser rarely has more logins in flight; the cap keeps the session small. */
const MAX_PENDING = 16;

type StateMap = Record<string, PendingLogin>;

/** Keep a login's state in the session, keyed by `state` so several tabs can launch. */
export function addPendingLogin(session: LtiSession, state: string, login: PendingLogin, now = Date.now()): void {
  const kept = Object.entries(session.ltiLogins ?? {})
    .filter(([, p]) => p.expiresAt > now)
    .sort(([, a], [, b]) => b.expiresAt - a.expiresAt)
    .slice(0, MAX_PENDING - 1);
  session.ltiLogins = Object.fromEntries([...kept, [state, login]]) as StateMap;
}

/** Remove and return the login for `state` (single use), or undefined. */
export function takePendingLogin(session: LtiSession, state: string): PendingLogin | undefined {
  const logins = session.ltiLogins;
  if (!logins || !Object.prototype.hasOwnProperty.call(logins, state)) return undefined;
  const login = logins[state];
  const rest: StateMap = { ...logins };
  delete rest[state];
  session.ltiLogins = rest;
  return login;
}
