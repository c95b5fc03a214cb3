import type { ErrorRequestHandler, Request } from 'express';
import { isConnectionError } from '../stores/connection-errors';
import { missingTable, missingTablesError } from '../stores/missing-tables';
import { LtiError, MethodNotAllowedError, SessionUnavailableError } from '../errors';
import { ERROR_PAGE_CSP, escapeHtml, renderErrorPage } from './error-pages';

export { escapeHtml, renderErrorPage };

/** Options of {@link ltiErrorHandler}. */
export interface LtiErrorHandlerOptions {
  /** Called with every LtiError (e.g. to log `err.code` and `err.message`); never gets the token. */
  onError?: (err: LtiError) => void;
  /**
   * Show the developer section of the page (a `<details>` with a fixed hint, the
   * status and the spec section; never the message). Default `NODE_ENV !== 'production'`.
   */
  details?: boolean;
  /**
   * Your own page for browsers: return its HTML. Status, `Cache-Control: no-store`,
   * `nosniff` and `Allow` (405) are still set; the default page's CSP is not (set
   * your own). `err.message` can quote request values: escape it, or better leave it out.
   */
  render?: (err: LtiError, req: Request) => string;
}

/**
 * Render LtiErrors. Browsers get a readable page: a plain-words title, what
 * happened and what to try for the error's code, the code itself, and (outside
 * production, or with `details`) a developer section with a fixed hint, the
 * status and the spec section; never the message or anything that came with the
 * request, under `Content-Security-Policy: default-src 'none'`. Clients that
 * prefer JSON get `{ error: { code, message, spec } }`, where `message` is the
 * developer's detail (request values in it are capped and stripped of control
 * characters). A 405 (`method_not_allowed`) gets `Allow: POST`. A failure of the
 * session middleware itself (before ours runs) is answered as
 * `session_unavailable` (503) when its database is down, or `configuration_error`
 * (500) when its table is missing. Other errors pass through to `next`.
 */
export function ltiErrorHandler(options: LtiErrorHandlerOptions = {}): ErrorRequestHandler {
  const details = options.details ?? process.env.NODE_ENV !== 'production';
  return (raw, req, res, next) => {
    // Only when the session middleware itself failed (no req.session): the app's own errors stay its own.
    const err = !(raw instanceof LtiError) && !req.session ? sessionError(raw) : raw;
    if (!(err instanceof LtiError) || res.headersSent) return next(raw);
    options.onError?.(err);
    res.status(err.status).set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    if (err instanceof MethodNotAllowedError) res.set('Allow', err.allow);
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: { code: err.code, message: err.message, spec: err.spec } });
      return;
    }
    if (options.render) {
      res.type('html').send(options.render(err, req));
      return;
    }
    res.set('Content-Security-Policy', ERROR_PAGE_CSP).type('html').send(renderErrorPage(err, { details }));
  };
}

/** An error of the session middleware itself (no req.session): the store's database down, or its table missing. */
function sessionError(raw: unknown): unknown {
  if (isConnectionError(raw)) return new SessionUnavailableError({ cause: raw });
  const table = missingTable(raw);
  return table ? missingTablesError(table, raw) : raw;
}
