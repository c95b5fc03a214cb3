import { LtiError } from './errors';
import { safeText } from './safe-text';

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

/** Longest logged context value (an issuer URL or client id; the specs cap ids at 255). */
export const MAX_LOGGED_FIELD = 256;
/** Longest logged message. */
export const MAX_LOGGED_MESSAGE = 1024;

/**
 * One structured line per refused login or launch. Context values may come
 * straight from the request (a refused login's `iss`), so every string is
 * stripped of control characters and capped: no forged lines, no 10 kB entries.
 */
export function logRefusal(logger: LtiLogger | undefined, event: 'lti.login_refused' | 'lti.launch_refused', err: unknown, context: RefusalContext): void {
  if (!logger || !(err instanceof LtiError)) return;
  try {
    const fields: Record<string, unknown> = { event, code: err.code, status: err.status };
    for (const [name, value] of Object.entries(context)) {
      fields[name] = typeof value === 'string' ? safeText(value, MAX_LOGGED_FIELD) : value;
    }
    // Keep the documented field order and keys even when a value is missing.
    fields.issuer ??= undefined;
    fields.clientId ??= undefined;
    logger.warn(fields, safeText(err.message, MAX_LOGGED_MESSAGE));
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
