import type { ErrorRequestHandler } from 'express';
import { isConnectionError } from '../stores/connection-errors';
import { LtiError, SessionUnavailableError } from '../errors';

/** Options of {@link ltiErrorHandler}. */
export interface LtiErrorHandlerOptions {
  /** Called with every LtiError (e.g. to log `err.code`); never gets the token. */
  onError?: (err: LtiError) => void;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML: platform error descriptions are attacker-controlled. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * Render LtiErrors: JSON `{ error: { code, message, spec } }` when the client
 * prefers JSON, a small HTML page otherwise. A database connection failure
 * raised by the session middleware (before ours runs) is answered as
 * `session_unavailable` (503). Other errors pass through to `next`.
 */
export function ltiErrorHandler(options: LtiErrorHandlerOptions = {}): ErrorRequestHandler {
  return (raw, req, res, next) => {
    // Only when the session middleware itself failed (no req.session): the app's own errors stay its own.
    const err = !(raw instanceof LtiError) && !req.session && isConnectionError(raw) ? new SessionUnavailableError({ cause: raw }) : raw;
    if (!(err instanceof LtiError) || res.headersSent) return next(raw);
    options.onError?.(err);
    res.status(err.status).set('Cache-Control', 'no-store');
    const body = { code: err.code, message: err.message, spec: err.spec };
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: body });
      return;
    }
    res
      .type('html')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>Launch failed</title></head>` +
          `<body><h1>Launch failed</h1><p>${escapeHtml(err.message)}</p>` +
          `<p><small>Error code: <code>${escapeHtml(err.code)}</code></small></p></body></html>`,
      );
  };
}
