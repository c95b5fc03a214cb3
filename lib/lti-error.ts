/**
 * Every failure of a login or launch is one of these classes. Each has a stable
 * `code` (safe to branch on and to show), an HTTP `status`, and `spec`: the spec
 * section the check enforces. Messages name the problem but never echo a token,
 * a secret or a stack; a value that came with the request is quoted, capped and
 * stripped of control characters (`safeText`), so a message is safe to log.
 * Error pages never show messages: see `ltiErrorHandler`.
 */
export class LtiError extends Error {
  /** Stable, machine-readable error code, e.g. `nonce_replayed`. */
  readonly code: string;
  /** HTTP status the error handler answers with. */
  readonly status: number;
  /** Alias of `status`, so Express' default error handler picks it up. */
  readonly statusCode: number;
  /** The spec section this check enforces, when there is one. */
  readonly spec?: string;
  /** Express' default handler shows the message of errors that set `expose`. */
  readonly expose = true;

  constructor(code: string, status: number, message: string, spec?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.statusCode = status;
    this.spec = spec;
  }
}

/** Spec names used in errors' `spec`. */
export const SEC = '1EdTech Security Framework 1.0';
export const CORE = 'LTI Core 1.3';
