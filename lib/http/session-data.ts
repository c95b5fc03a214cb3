import type { LtiSessionLaunch } from '../launch/launch-context';

declare module 'express-session' {
  interface SessionData {
    /** The last successful launch in this browser. Set by `ltiLaunch()`. */
    lti: LtiSessionLaunch;
  }
}

export {};
