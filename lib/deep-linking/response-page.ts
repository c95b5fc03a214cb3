import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { escapeHtml } from '../http/error-handler';
import type { DeepLinkingContentItem } from './content-items';
import { requireDeepLinkingLaunch, type DeepLinkingLaunch } from './deep-linking-launch';
import { createDeepLinkingResponse, type DeepLinkingResponseOptions } from './response-jwt';

/** Options of {@link sendDeepLinkingResponse}. */
export interface SendDeepLinkingResponseOptions extends DeepLinkingResponseOptions {
  /**
   * Nonce of your own Content-Security-Policy, put on the auto-submit script;
   * then your CSP header is left as it is. Without it the page sets its own
   * strict CSP (`default-src 'none'`, the script allowed by a fresh nonce).
   */
  cspNonce?: string;
}

const FORM_ID = 'lti-deep-linking-response';

/** The page that posts `JWT` to the platform: by script, or by its visible button without JavaScript. */
export function deepLinkingResponsePage(returnUrl: string, jwt: string, scriptNonce: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Returning to the platform</title></head><body>' +
    `<form id="${FORM_ID}" method="post" action="${escapeHtml(returnUrl)}">` +
    `<input type="hidden" name="JWT" value="${escapeHtml(jwt)}">` +
    '<p>Sending your selection back to the platform…</p>' +
    '<button type="submit">Continue</button></form>' +
    `<script nonce="${escapeHtml(scriptNonce)}">document.getElementById('${FORM_ID}').submit();</script>` +
    '</body></html>'
  );
}

/**
 * Answer a Deep Linking request (DL §4.5): sign the items with the tool's
 * current key and send a page that posts them (form field `JWT`) to the
 * request's `deep_link_return_url`. `launch` is `req.lti` of an
 * LtiDeepLinkingRequest, or what {@link deepLinkingLaunch} kept of it.
 * Throws before answering, with nothing signed, when the items do not fit the
 * request's settings (see `createDeepLinkingResponse`).
 *
 * @example
 * app.post('/picked', async (req, res) => {
 *   await sendDeepLinkingResponse(res, req.session.dl, [{ type: 'ltiResourceLink', title: 'Quiz 1', url }], { keys: store });
 * });
 */
export async function sendDeepLinkingResponse(
  res: Response,
  launch: DeepLinkingLaunch,
  items: readonly DeepLinkingContentItem[],
  options: SendDeepLinkingResponseOptions,
): Promise<void> {
  const dl = requireDeepLinkingLaunch(launch);
  const jwt = await createDeepLinkingResponse(dl, items, options);
  const nonce = options.cspNonce ?? randomBytes(18).toString('base64');
  if (options.cspNonce === undefined) {
    res.setHeader('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'`);
  }
  res
    .status(200)
    .set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'Content-Type': 'text/html; charset=utf-8', 'Referrer-Policy': 'no-referrer' })
    .send(deepLinkingResponsePage(dl.deepLinking.deep_link_return_url, jwt, nonce));
}
