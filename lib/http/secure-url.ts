/** Hosts where plain http is fine: nothing leaves the machine. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** NODE_ENV=production, read at each call (so a test can switch it). */
export function isProduction(): boolean {
  return process.env.NODE_ENV === 'production';
}

/**
 * An absolute https URL, or http on loopback. LTI Core §3.5 and the Security
 * Framework §3 require TLS for everything else. This is the rule for the tool's
 * own configuration (launchUrl, registered platform endpoints), which the
 * operator sets: a loopback URL there never leaves the machine, in production too.
 */
export function isSecureUrl(value: string, options: { allowLoopbackHttp?: boolean } = {}): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && (options.allowLoopbackHttp ?? true) && isLoopback(url.hostname));
}

/**
 * A URL the platform sends in a launch (launch_presentation.return_url,
 * deep_link_return_url): https, and http on loopback only outside production,
 * where the development platform runs on http://127.0.0.1. In production a
 * loopback URL from a platform is never genuine: it would send the user's
 * browser to services on their own machine.
 */
export function isSecurePlatformUrl(value: string): boolean {
  return isSecureUrl(value, { allowLoopbackHttp: !isProduction() });
}
