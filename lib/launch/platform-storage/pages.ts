import type { Response } from 'express';
import { escapeHtml } from '../../http/error-pages';
import { randomToken } from '../../random';
import { CLIENT_SCRIPT } from './client-script';

/** Settings the client script reads (JSON in the page, never script text). */
export type StorageConfig =
  | {
      mode: 'store';
      target: string;
      platformOrigin: string;
      key: string;
      value: string;
      authUrl: string;
      timeoutMs: number;
      /** Offer the new window at once when no cookie is kept (`whenCookiesBlocked: 'new-window'`). */
      newWindowFirst: boolean;
      /** `; SameSite=None; Secure; Partitioned` etc.: the probe cookie gets the login cookie's attributes. */
      cookieAttributes: string;
    }
  | { mode: 'fetch'; target: string; platformOrigin: string; key: string; timeoutMs: number };

/** JSON safe inside a `<script type="application/json">` block (no `</script>`, no `<!--`). */
function jsonBlock(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1f2328}' +
  'h1{font-size:1.3rem}.button{display:inline-block;padding:.5rem 1rem;background:#0969da;color:#fff;border-radius:6px;text-decoration:none}' +
  '.hint{color:#57606a;font-size:.9rem}';

/**
 * Send one of the platform-storage pages: no-store, and a CSP that runs only
 * our nonce'd script and posts forms only to the tool itself.
 */
function sendPage(res: Response, config: StorageConfig, body: string): void {
  const nonce = randomToken();
  res.status(200).set({
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // Not no-referrer: with it the form's Origin header would be "null", and the launch checks Origin.
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'`,
  });
  res.type('html').send(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>Opening the tool</title><style>${STYLE}</style></head><body data-outcome="working">` +
      `<div data-step id="working"><p>Opening the tool…</p></div>${body}` +
      `<script type="application/json" id="lti-storage">${jsonBlock(config)}</script>` +
      `<script nonce="${nonce}">${CLIENT_SCRIPT}</script></body></html>`,
  );
}

/**
 * The login's page: stores the login's binding secret in the platform, then
 * goes on to the auth endpoint. Where the platform does not answer and the
 * browser keeps no cookie here, it offers to open the tool in a new window
 * (`relaunchUrl`: the same login without `lti_storage_target`), where the
 * tool is first-party.
 */
export function sendStorePage(res: Response, config: Extract<StorageConfig, { mode: 'store' }>, relaunchUrl: string): void {
  sendPage(
    res,
    config,
    `<noscript><p><a href="${escapeHtml(config.authUrl)}">Continue</a></p></noscript>` +
      `<div data-step id="blocked" hidden><h1>Open the tool in a new window</h1>` +
      `<p>Your browser does not let this tool keep you signed in inside the course page (it blocks the tool's cookies here), ` +
      `and your learning platform could not keep the sign-in for it. In a window of its own the tool works.</p>` +
      `<p><a class="button" id="relaunch" href="${escapeHtml(relaunchUrl)}" target="_blank">Open in a new window</a></p>` +
      `<p class="hint">Or allow cookies for this site in your browser's settings, then reload the course page.</p></div>`,
  );
}

/**
 * The launch's page when the login's cookie did not come back: reads the
 * binding secret from the platform and posts the launch again, with it, to the
 * same URL (same origin only: the launch checks `Origin`).
 */
export function sendFetchPage(
  res: Response,
  config: Extract<StorageConfig, { mode: 'fetch' }>,
  fields: { id_token: string; state: string; lti_storage_target: string },
): void {
  const inputs = Object.entries({ ...fields, lti_storage_binding: '' })
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  sendPage(
    res,
    config,
    `<form id="resume" method="post">${inputs}</form>` +
      `<div data-step id="failed" hidden><h1>The tool could not confirm this launch</h1>` +
      `<p>Your browser blocks this tool's cookies inside the course page, and your learning platform did not give back ` +
      `the sign-in it was keeping for the tool (no answer within ${Math.round(config.timeoutMs / 1000)} seconds).</p>` +
      `<p>Go back to your course and open the tool again. If it keeps happening, open the tool in a new window, ` +
      `or allow cookies for this site in your browser's settings.</p></div>`,
  );
}
