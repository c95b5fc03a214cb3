/**
 * The page that ends a Dynamic Registration (§3.6.2): it tells the platform
 * the tool is done (`org.imsglobal.lti.close` to the window that opened it) and
 * shows the admin a confirmation. Only fixed text and the tool's own name.
 */
import { escapeHtml } from '../http/error-pages';

/** The page's text for the admin. */
export function closePage(toolName: string, awaitingApproval: boolean, scriptNonce: string): string {
  const name = escapeHtml(toolName);
  const text = awaitingApproval
    ? `${name} is registered. An administrator of the tool must approve this registration before it can be launched.`
    : `${name} is registered and ready to use.`;
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>Registration complete</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}</style>` +
    `</head><body><h1>Registration complete</h1><p id="lti-registration-done">${text}</p>` +
    '<p>You can close this window and return to your learning platform.</p>' +
    `<script nonce="${escapeHtml(scriptNonce)}">(window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*');</script>` +
    '</body></html>'
  );
}
