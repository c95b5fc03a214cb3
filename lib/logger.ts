import { LtiError } from './errors';

/**
 * The logger the middlewares write to: pino's (or bunyan's) shape, so
 * `logger: pino()` works as it is. Only `warn` is used.
 */
export interface LtiLogger {
  warn(fields: Record<string, unknown>, message?: string): void;
}

/** Where a refusal happened and for whom; never the token. */
export interface RefusalContext {
  issuer?: string;
  clientId?: string;
}

/** One structured line per refused login or launch. */
export function logRefusal(logger: LtiLogger | undefined, event: 'lti.login_refused' | 'lti.launch_refused', err: unknown, context: RefusalContext): void {
  if (!logger || !(err instanceof LtiError)) return;
  try {
    logger.warn({ event, code: err.code, status: err.status, issuer: context.issuer, clientId: context.clientId }, err.message);
  } catch {
    // A failing logger must not turn a refusal into a crash.
  }
}

/** A console-backed logger for warnings that must not go unseen. */
export const consoleLogger: LtiLogger = {
  warn(fields, message) {
    console.warn(`[express-lti] ${message ?? ''}`, fields);
  },
};
