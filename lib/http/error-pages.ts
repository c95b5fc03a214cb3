import type { LtiError } from '../errors';
import { developerHint, pageText } from './error-texts';

export { pageText, type PageText } from './error-texts';

/** The page's only policy: no scripts, frames, images or requests of any kind; inline styles only. */
export const ERROR_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML (the codes and spec names are ours; escaped all the same). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Options of {@link renderErrorPage}. */
export interface ErrorPageOptions {
  /**
   * Show the developer section (a `<details>` with a fixed hint for the code, the
   * status and the spec section). Default: `NODE_ENV !== 'production'`. In
   * production the page shows only the code and the spec section.
   */
  details?: boolean;
}

// Colours meet WCAG AA (text #1f2328 and #4b5563 on white: 15.8:1 and 7.6:1).
const STYLE =
  'body{margin:0;background:#f3f4f6;color:#1f2328;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
  'main{max-width:38rem;margin:2.5rem auto;padding:1.75rem 2rem;background:#fff;border:1px solid #d0d7de;border-top:4px solid #0b5cad;border-radius:8px}' +
  'h1{font-size:1.45rem;line-height:1.3;margin:0 0 .75rem}h2{font-size:1.05rem;margin:1.5rem 0 .5rem}' +
  'ol{padding-left:1.4rem;margin:0}li{margin:.3rem 0}' +
  'code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef0f3;padding:.1rem .35rem;border-radius:4px}' +
  '.code{margin-top:1.5rem}.dev{color:#4b5563;font-size:.9rem}' +
  'details{margin-top:1.5rem;border-top:1px solid #d0d7de;padding-top:1rem;color:#4b5563;font-size:.9rem}' +
  'summary{cursor:pointer;color:#1f2328;font-weight:600}summary:focus-visible{outline:2px solid #0b5cad;outline-offset:2px}' +
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.75rem 0}dt{font-weight:600}dd{margin:0}' +
  '@media (max-width:40rem){main{margin:0;border-radius:0;border-left:0;border-right:0;padding:1.25rem}}';

function developerSection(err: LtiError, details: boolean): string {
  const spec = err.spec ? escapeHtml(err.spec) : '';
  if (!details) {
    return spec ? `<p class="dev">For developers: ${spec}. Details are in the tool's log.</p>` : '';
  }
  return (
    `<details><summary>Details for developers</summary><p>${escapeHtml(developerHint(err.code))}</p>` +
    `<dl><dt>Code</dt><dd><code>${escapeHtml(err.code)}</code></dd><dt>Status</dt><dd>${err.status}</dd>` +
    (spec ? `<dt>Spec</dt><dd>${spec}</dd>` : '') +
    `</dl><p>The error's message can quote values sent with the request, so it is never shown on this page: ` +
    `find it in the tool's log (the <code>onError</code> option, or the middlewares' <code>logger</code>), ` +
    `or ask for JSON (<code>Accept: application/json</code>). This section is hidden when <code>NODE_ENV</code> is <code>production</code>.</p></details>`
  );
}

/**
 * A small self-contained page for a failed login or launch: a plain-words title,
 * what happened and what to try for the code, the code itself (to give an
 * administrator), and a developer section (see {@link ErrorPageOptions}).
 * `err.message` is never shown: it can quote request values (an unknown `iss`, a
 * platform's `error_description`), and anyone can send those to make the tool's
 * origin show their text. Developers find the message in the logs.
 */
export function renderErrorPage(err: LtiError, options: ErrorPageOptions = {}): string {
  const details = options.details ?? process.env.NODE_ENV !== 'production';
  const { title, text, tips } = pageText(err.code);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>` +
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>` +
    `<h2>What you can try</h2><ol>${tips.map((tip) => `<li>${escapeHtml(tip)}</li>`).join('')}</ol>` +
    `<p class="code">Error code: <code>${escapeHtml(err.code)}</code></p>` +
    developerSection(err, details) +
    `</main></body></html>`
  );
}
