import type { CookieOptions, Request, Response } from 'express';
import { ConfigurationError } from '../errors';

/**
 * Attributes of the per-login cookie (the `loginCookie` option of `ltiLogin()`).
 * Each unset field is copied from the express-session cookie when the app has
 * one (`secure: 'auto'` and `sameSite: 'auto'` resolved for the request), else
 * `SameSite=None; Secure; Partitioned` on a secure request and `SameSite=Lax`
 * on an http one.
 */
export interface LoginCookieOptions {
  /** `SameSite` attribute. */
  sameSite?: 'none' | 'lax' | 'strict';
  /** `Secure` attribute; `'auto'` follows `req.secure` (set `trust proxy` behind a TLS proxy). */
  secure?: boolean | 'auto';
  /**
   * `Partitioned` attribute (CHIPS; only sent with Secure). Needed in Chromium
   * for a cookie set and read in a cross-site iframe.
   */
  partitioned?: boolean;
  /** Cookie name prefix; the state follows it (default `lti_login_`). */
  namePrefix?: string;
  /**
   * `Path` attribute. Default: the path of `launchUrl` at login and the
   * request's path at launch, which are the same unless a proxy rewrites the
   * launch path (then set it, to the public path, on both).
   */
  path?: string;
}

/** The attributes the login sets and the launch clears with (they must be the same). */
interface ResolvedAttributes {
  sameSite?: 'none' | 'lax' | 'strict';
  secure: boolean;
  partitioned: boolean;
}

function resolve(req: Request, options: LoginCookieOptions): ResolvedAttributes {
  const session = req.session?.cookie as { sameSite?: unknown; secure?: unknown; partitioned?: unknown } | undefined;
  let sameSite: ResolvedAttributes['sameSite'];
  let secure: boolean | 'auto';
  let partitioned: boolean;
  if (session) {
    sameSite = session.sameSite === true ? 'strict' : session.sameSite === 'auto' ? (req.secure ? 'none' : 'lax') : pickSameSite(session.sameSite);
    secure = session.secure === 'auto' ? 'auto' : session.secure === true;
    partitioned = session.partitioned === true;
  } else {
    sameSite = req.secure ? 'none' : 'lax';
    secure = req.secure;
    partitioned = req.secure;
  }
  if (options.sameSite !== undefined) sameSite = options.sameSite;
  if (options.secure !== undefined) secure = options.secure;
  if (options.partitioned !== undefined) partitioned = options.partitioned;
  const isSecure = secure === 'auto' ? req.secure : secure;
  // Browsers drop a Partitioned cookie without Secure.
  return { sameSite, secure: isSecure, partitioned: partitioned && isSecure };
}

const STATE = /^[A-Za-z0-9_-]{1,256}$/;

function pickSameSite(value: unknown): ResolvedAttributes['sameSite'] {
  return value === 'none' || value === 'lax' || value === 'strict' ? value : undefined;
}

/** Sets, reads and clears the per-login cookies of one `ltiLogin()` / `ltiLaunch()` pair. */
export class LoginCookie {
  readonly prefix: string;
  private readonly path: string | undefined;

  /** `launchUrl`: known at login; at launch the request's own path stands in for it. */
  constructor(launchUrl: string | undefined, private readonly options: LoginCookieOptions = {}) {
    this.prefix = options.namePrefix ?? 'lti_login_';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.prefix)) {
      throw new ConfigurationError('loginCookie.namePrefix must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -.');
    }
    // Sent only to the launch: no other page of the app carries these cookies.
    this.path = options.path ?? (launchUrl === undefined ? undefined : new URL(launchUrl).pathname);
  }

  private attributes(req: Request, maxAgeMs: number): CookieOptions {
    const { sameSite, secure, partitioned } = resolve(req, this.options);
    const path = this.path ?? new URL(req.originalUrl, 'http://x').pathname;
    return { httpOnly: true, path, maxAge: maxAgeMs, sameSite, secure, partitioned };
  }

  set(req: Request, res: Response, state: string, value: string, maxAgeMs: number): void {
    res.cookie(this.prefix + state, value, this.attributes(req, maxAgeMs));
  }

  /** The cookie's SameSite, Secure and Partitioned as `document.cookie` attributes (the storage page's probe uses them). */
  scriptAttributes(req: Request): string {
    const { sameSite, secure, partitioned } = resolve(req, this.options);
    return `${sameSite ? `; SameSite=${sameSite}` : ''}${secure ? '; Secure' : ''}${partitioned ? '; Partitioned' : ''}`;
  }

  /** Max-Age=0 with the same name, path and attributes, so the browser drops it. */
  clear(req: Request, res: Response, state: string): void {
    res.cookie(this.prefix + state, '', this.attributes(req, 0));
  }

  /** The values the browser sent for `state`'s cookie (normally one; a few at most are looked at). */
  read(req: Request, state: string): string[] {
    const header = req.headers.cookie;
    // Our states are base64url; anything else is no login of ours and no valid cookie name to clear.
    if (typeof header !== 'string' || !STATE.test(state)) return [];
    const name = this.prefix + state;
    const values: string[] = [];
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
      const value = part.slice(eq + 1).trim();
      if (value !== '') values.push(value);
      if (values.length === 4) break;
    }
    return values;
  }
}
