import type { LtiError } from '../errors';

/** What a learner reads when a launch fails: fixed text, never anything from the request. */
interface PageText {
  title: string;
  text: string;
}

const AGAIN = 'Go back to your course and open the tool again.';
const ADMIN = 'If this keeps happening, please tell your administrator (and give them the error code below).';

const RELAUNCH: PageText = { title: 'This launch has expired', text: `It was already used or waited too long. ${AGAIN}` };
const UNVERIFIED: PageText = {
  title: 'This launch could not be verified',
  text: `The tool could not confirm that this launch came from your learning platform. ${AGAIN} ${ADMIN}`,
};
const INCOMPLETE: PageText = { title: 'This launch was incomplete', text: `Something was missing from the launch request. ${AGAIN} ${ADMIN}` };
const NOT_SET_UP: PageText = {
  title: 'This tool is not set up yet',
  text: 'Your learning platform is not connected to this tool yet. Please ask your administrator to enable this tool.',
};
const UNAVAILABLE: PageText = { title: 'The tool is temporarily unavailable', text: 'Please try again in a few minutes.' };
const FALLBACK: PageText = { title: 'The tool could not be opened', text: `${AGAIN} ${ADMIN}` };

/** One fixed text per error code (codes of other modules fall back to a generic text). */
const TEXTS: Record<string, PageText> = {
  invalid_request: INCOMPLETE,
  body_too_large: INCOMPLETE,
  body_invalid: INCOMPLETE,
  target_link_uri_not_allowed: INCOMPLETE,
  registration_not_found: NOT_SET_UP,
  registration_ambiguous: NOT_SET_UP,
  deployment_not_found: NOT_SET_UP,
  registration_not_approved: {
    title: 'This tool is waiting for approval',
    text: "Your learning platform registered this tool, and the tool's administrator has not approved it yet. Please try again later.",
  },
  state_not_found: {
    title: 'This launch did not reach the tool from your browser',
    text: `${AGAIN} If it keeps happening, your browser may be blocking this tool's cookies (allow them, or open the tool in a new window).`,
  },
  state_expired: RELAUNCH,
  token_expired: RELAUNCH,
  iat_invalid: RELAUNCH,
  nonce_replayed: RELAUNCH,
  platform_error: {
    title: 'Your learning platform did not sign you in',
    text: `You may need to sign in to your learning platform first. ${AGAIN}`,
  },
  token_malformed: UNVERIFIED,
  signature_invalid: UNVERIFIED,
  algorithm_not_allowed: UNVERIFIED,
  header_not_allowed: UNVERIFIED,
  kid_missing: UNVERIFIED,
  signing_key_not_found: UNVERIFIED,
  claim_missing: UNVERIFIED,
  claim_invalid: UNVERIFIED,
  issuer_mismatch: UNVERIFIED,
  audience_mismatch: UNVERIFIED,
  azp_mismatch: UNVERIFIED,
  nonce_mismatch: UNVERIFIED,
  login_mismatch: UNVERIFIED,
  jwks_unavailable: UNAVAILABLE,
  storage_unavailable: UNAVAILABLE,
  session_unavailable: UNAVAILABLE,
  configuration_error: { title: 'The tool is not configured correctly', text: 'Please tell your administrator, and give them the error code below.' },
};

/** The learner's text for an error code. */
export function pageText(code: string): PageText {
  return Object.prototype.hasOwnProperty.call(TEXTS, code) ? TEXTS[code] : FALLBACK;
}

/** The page's only policy: no scripts, frames, images or requests of any kind; inline styles only. */
export const ERROR_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML (the codes and spec names are ours; escaped all the same). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * A small self-contained page for a failed login or launch: the learner's text
 * for `err.code`, and a developer line with the code and the spec section.
 * `err.message` is not shown: it can quote request values (an unknown `iss`, a
 * platform's `error_description`), and anyone can send those to make the tool's
 * origin show their text. Developers find the message in the logs.
 */
export function renderErrorPage(err: LtiError): string {
  const { title, text } = pageText(err.code);
  const spec = err.spec ? ` · ${escapeHtml(err.spec)}` : '';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>` +
    `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}` +
    `h1{font-size:1.4rem}.dev{margin-top:2rem;color:#57606a;font-size:.85rem}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}` +
    `</style></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>` +
    `<p class="dev">For developers: error code <code>${escapeHtml(err.code)}</code>${spec}. Details are in the tool's log.</p>` +
    `</body></html>`
  );
}
