import type { PendingLogin } from '../launch/login-state';
import type { LtiSessionLaunch } from '../launch/launch-context';

declare module 'express-session' {
  interface SessionData {
    /** Logins awaiting their launch, by state. Managed by express-lti. */
    ltiLogins: Record<string, PendingLogin>;
    /** The last successful launch in this browser. Set by `ltiLaunch()`. */
    lti: LtiSessionLaunch;
  }
}

export {};
