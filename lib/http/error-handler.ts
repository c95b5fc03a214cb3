import type { ErrorRequestHandler } from 'express';
import { isConnectionError } from '../stores/connection-errors';
import { missingTable, missingTablesError } from '../stores/missing-tables';
import { LtiError, SessionUnavailableError } from '../errors';
import { ERROR_PAGE_CSP, escapeHtml, renderErrorPage } from './error-pages';

export { escapeHtml };

/** Options of {@link ltiErrorHandler}. */
export interface LtiErrorHandlerOptions {
  /** Called with every LtiError (e.g. to log `err.code` and `err.message`); never gets the token. */
  onError?: (err: LtiError) => void;
}

/**
 * Render LtiErrors. Browsers get a small page with a fixed text for the error's
 * code (what to do next), the code and the spec section, and nothing that came
 * with the request, under `Content-Security-Policy: default-src 'none'`. Clients
 * that prefer JSON get `{ error: { code, message, spec } }`, where `message` is
 * the developer's detail (request values in it are capped and stripped of
 * control characters). A database connection failure raised by the session
 * middleware (before ours runs) is answered as `session_unavailable` (503).
 * Other errors pass through to `next`.
 */
export function ltiErrorHandler(options: LtiErrorHandlerOptions = {}): ErrorRequestHandler {
  return (raw, req, res, next) => {
    // Only when the session middleware itself failed (no req.session): the app's own errors stay its own.
    const err = !(raw instanceof LtiError) && !req.session ? sessionError(raw) : raw;
    if (!(err instanceof LtiError) || res.headersSent) return next(raw);
    options.onError?.(err);
    res.status(err.status).set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: { code: err.code, message: err.message, spec: err.spec } });
      return;
    }
    res.set('Content-Security-Policy', ERROR_PAGE_CSP).type('html').send(renderErrorPage(err));
  };
}

/** An error of the session middleware itself (no req.session): the store's database down, or its table missing. */
function sessionError(raw: unknown): unknown {
  if (isConnectionError(raw)) return new SessionUnavailableError({ cause: raw });
  const table = missingTable(raw);
  return table ? missingTablesError(table, raw) : raw;
}
