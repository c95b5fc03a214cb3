import type { LtiLaunchContext } from '../launch/launch-context';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified launch, set by `ltiLaunch()` before it calls `next()`.
       * Only present on routes behind `ltiLaunch()`.
       */
      lti: LtiLaunchContext;
    }
  }
}

export {};
