/**
 * What an error page says, per error code: fixed texts only, never anything
 * from the request. The learner's part is plain words and what to try; the
 * developer's hint is shown only in development (see `renderErrorPage`).
 */
export interface PageText {
  /** Plain-words title (also the page's `<title>`). */
  title: string;
  /** What happened, for the person in front of the page. */
  text: string;
  /** What to try, in order. */
  tips: string[];
}

const AGAIN = 'Go back to your course and open the tool again.';
const RELOAD = 'Reload the page in your course, or go back to your course and open the tool again.';
const NEW_WINDOW = 'Open the tool in a new window or tab, if your course offers that option.';
const COOKIES = "Allow cookies for this tool's site in your browser settings: some browsers block them inside course pages.";
const TELL_ADMIN = 'If it keeps happening, tell your administrator and give them the error code below.';

const RELAUNCH: PageText = {
  title: 'This launch has expired',
  text: 'The link that opened the tool was already used, or it waited too long.',
  tips: [RELOAD, NEW_WINDOW, TELL_ADMIN],
};
const UNVERIFIED: PageText = {
  title: 'This launch could not be verified',
  text: 'The tool could not confirm that this launch came from your learning platform.',
  tips: [AGAIN, TELL_ADMIN],
};
const INCOMPLETE: PageText = { title: 'This launch was incomplete', text: 'Something was missing from the launch request.', tips: [AGAIN, TELL_ADMIN] };
const NOT_SET_UP: PageText = {
  title: 'This tool is not set up yet',
  text: 'Your learning platform is not connected to this tool yet.',
  tips: ['Please ask your administrator to enable this tool, and give them the error code below.'],
};
const UNAVAILABLE: PageText = {
  title: 'The tool is temporarily unavailable',
  text: 'The tool cannot be reached right now.',
  tips: ['Wait a few minutes, then reload the page.', TELL_ADMIN],
};
const FALLBACK: PageText = { title: 'The tool could not be opened', text: 'Something went wrong while opening the tool.', tips: [AGAIN, TELL_ADMIN] };

/** One text per error code (codes of other modules fall back to a generic text). */
const TEXTS: Record<string, PageText> = {
  invalid_request: INCOMPLETE,
  body_too_large: INCOMPLETE,
  body_invalid: INCOMPLETE,
  target_link_uri_not_allowed: INCOMPLETE,
  method_not_allowed: {
    title: 'Open this tool from your course',
    text: 'This address is where your learning platform sends you when you open the tool. It does not work when visited directly.',
    tips: ['Go to your course in your learning platform and open the tool from there.'],
  },
  registration_not_found: NOT_SET_UP,
  registration_ambiguous: NOT_SET_UP,
  deployment_not_found: NOT_SET_UP,
  registration_not_approved: {
    title: 'This tool is waiting for approval',
    text: "Your learning platform registered this tool, and the tool's administrator has not approved it yet.",
    tips: ['Please try again later, or ask your administrator, and give them the error code below.'],
  },
  state_not_found: {
    title: 'The tool could not finish opening',
    text: 'Your browser did not send back the information the tool needs to sign you in. Usually this is a blocked cookie, or a launch that was already used.',
    tips: [RELOAD, NEW_WINDOW, COOKIES, TELL_ADMIN],
  },
  state_expired: RELAUNCH,
  token_expired: RELAUNCH,
  iat_invalid: RELAUNCH,
  nonce_replayed: RELAUNCH,
  platform_error: {
    title: 'Your learning platform did not sign you in',
    text: 'The platform did not confirm who you are.',
    tips: ['Sign in to your learning platform first, then open the tool again from your course.', TELL_ADMIN],
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
  configuration_error: {
    title: 'The tool is not configured correctly',
    text: 'The tool cannot open because of a problem on its side. This is not something you did.',
    tips: ['Please tell your administrator, and give them the error code below.'],
  },
};

const VERIFY = "Verification of the id_token failed: compare the registration's issuer, client id and JWKS URL with the platform's settings.";
const CLOCK = "The id_token's time claims are out of range: check the clocks of platform and tool (clockToleranceSeconds).";
const DOWN = 'A dependency is down or slow; the refusal is a 503 and clears by itself when it is back.';

/** One fixed hint per code for developers (never the message: it can quote request values). */
const HINTS: Record<string, string> = {
  invalid_request: 'A login or launch parameter was missing, empty, repeated or too long; the message names it.',
  body_too_large: 'The form body was over maxBodyBytes or had too many fields.',
  body_invalid: 'The form body was not UTF-8 or could not be read.',
  target_link_uri_not_allowed: "target_link_uri is not on the launchUrl's origin or on allowedTargetOrigins.",
  method_not_allowed: "The launch URL takes only the platform's form POST (response_mode=form_post). Start a launch from a platform (locally: the development platform page that npm start prints).",
  registration_not_found: 'No registration for this issuer and client id: register the platform with store.registerPlatform().',
  registration_ambiguous: 'The issuer has several registrations and the login did not send client_id.',
  registration_not_approved:
    'The registration came by Dynamic Registration with requireApproval: approve it (npx express-lti registrations approve <id>, or store.approveRegistration(id)).',
  deployment_not_found: 'Unknown deployment: add it with store.addDeployment(), or use autoCreateDeployments or onDeploymentNotFound.',
  state_not_found:
    'No login of this browser matches the state: its lti_login_ cookie did not come back with the cross-site launch POST ' +
    '(cookies must be SameSite=None; Secure, Partitioned inside iframes, over https, with trust proxy behind a TLS proxy), ' +
    'or the launch was posted twice.',
  state_expired: 'The launch came later than stateTtlSeconds after its login.',
  token_expired: CLOCK,
  iat_invalid: CLOCK,
  nonce_replayed: 'The launch was replayed.',
  platform_error: "The platform answered the authentication request with error=…; its error and description are in the tool's log.",
  jwks_unavailable: `The platform's JWKS URL could not be fetched or used. ${DOWN}`,
  storage_unavailable: `The store's database could not be reached. ${DOWN}`,
  session_unavailable: `The session store's database could not be reached. ${DOWN}`,
  configuration_error: 'The app is set up wrongly (for example the session middleware is not mounted, or the migrations have not been run); the message says what.',
};

/** The page text for an error code. */
export function pageText(code: string): PageText {
  return Object.prototype.hasOwnProperty.call(TEXTS, code) ? TEXTS[code] : FALLBACK;
}

/** The developer hint for an error code. */
export function developerHint(code: string): string {
  if (Object.prototype.hasOwnProperty.call(HINTS, code)) return HINTS[code];
  return pageText(code) === UNVERIFIED ? VERIFY : "See the errors table of express-lti's README for this code.";
}
