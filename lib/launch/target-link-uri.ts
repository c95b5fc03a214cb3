import { TargetLinkUriNotAllowedError } from '../errors';

/** The origins (scheme://host:port) a login may send the browser back to. */
export function normalizeOrigins(origins: readonly string[]): Set<string> {
  return new Set(origins.map((o) => new URL(o).origin));
}

/**
 * Refuse a target_link_uri outside the tool's own origins, so the login can
 * never be used as an open redirector.
 */
export function checkTargetLinkUri(targetLinkUri: string, allowed: Set<string>): void {
  let url: URL;
  try {
    url = new URL(targetLinkUri);
  } catch {
    throw new TargetLinkUriNotAllowedError();
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !allowed.has(url.origin)) {
    throw new TargetLinkUriNotAllowedError();
  }
}
