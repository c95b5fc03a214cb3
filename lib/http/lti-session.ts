import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import session, { type CookieOptions, type SessionOptions, type Store } from 'express-session';
import pgSession from 'connect-pg-simple';
import type { Pool } from 'pg';
import { ConfigurationError } from '../errors';
import { warnIfSecureOverHttp } from '../launch/cookie-check';
import { consoleLogger, type LtiLogger } from '../logger';

/** Shortest session secret accepted in production (256 bits as hex is 64; 32 characters is the floor). */
export const MIN_SESSION_SECRET_LENGTH = 32;

/** Options of {@link ltiSession}. Give exactly one of `pool` and `conString`. */
export interface LtiSessionOptions {
  /** A pg pool to share (e.g. your app's): ltiSession neither ends it nor adds listeners to it. */
  pool?: Pool;
  /** A connection string: ltiSession makes its own pool, ended by `close()`. */
  conString?: string;
  /**
   * The cookie-signing secret, or several (the first signs, all verify: rotation).
   * Production: required, each at least 32 characters, else `ConfigurationError`.
   * Development: when missing, a random secret for this process (sessions end with it), with one warning.
   */
  secret?: string | string[];
  /** Production cookie attributes and secret rules (default `NODE_ENV === 'production'`). */
  production?: boolean;
  /** Cookie name (default `lti.sid`). */
  name?: string;
  /**
   * Cookie attributes, over the defaults: `httpOnly`, and in production
   * `sameSite: 'none', secure: true, partitioned: true` (the launch is a cross-site
   * POST, usually into an iframe); in development `sameSite: 'lax', secure: false`
   * (tool and platform on loopback http).
   */
  cookie?: CookieOptions;
  /** Re-send the cookie on every response (default false). */
  rolling?: boolean;
  /** Save unchanged sessions (default false). */
  resave?: boolean;
  /** Save new, empty sessions (default false: no row and no cookie before a launch). */
  saveUninitialized?: boolean;
  /** Session table (default `session`, the one the migrations create). */
  tableName?: string;
  /** Schema of the session table (default: the connection's search_path). */
  schemaName?: string;
  /** Seconds between deletions of expired sessions (default 900; `false`: never, e.g. on all but one instance). */
  pruneSessionInterval?: number | false;
  /** Warnings (random development secret, production without `trust proxy`). Default: the console. */
  logger?: LtiLogger;
  /** Any other express-session option; applied last, so it overrides all of the above. */
  sessionOptions?: Partial<SessionOptions>;
}

/** The middleware {@link ltiSession} returns. */
export interface LtiSessionMiddleware extends RequestHandler {
  /** The connect-pg-simple store behind it. */
  readonly store: Store;
  /** Whether production cookie attributes and secret rules apply. */
  readonly production: boolean;
  /** Stop pruning, and end the pool when ltiSession made it (`conString`). */
  close(): Promise<void>;
}

const processSecret = randomBytes(32).toString('hex');
const warned = new WeakSet<LtiLogger>();

/** The development secret: one per process, announced once (per logger: the console's once per process). */
function developmentSecret(logger: LtiLogger): string {
  if (!warned.has(logger)) {
    warned.add(logger);
    try {
      logger.warn(
        { event: 'lti.session_warning' },
        'ltiSession: no secret given, so sessions use a random secret for this process and end when it stops. ' +
          `Production refuses to start without one: set a secret of at least ${MIN_SESSION_SECRET_LENGTH} characters (openssl rand -hex 32).`,
      );
    } catch {
      // A failing logger must not stop the app.
    }
  }
  return processSecret;
}

function checkSecret(secret: string | string[] | undefined, production: boolean, logger: LtiLogger): string | string[] {
  const secrets = secret === undefined ? [] : Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0 || secrets.every((s) => s === '')) {
    if (!production) return developmentSecret(logger);
    throw new ConfigurationError(
      `ltiSession: a secret is required in production (at least ${MIN_SESSION_SECRET_LENGTH} characters, e.g. from openssl rand -hex 32).`,
    );
  }
  if (production && secrets.some((s) => typeof s !== 'string' || s.length < MIN_SESSION_SECRET_LENGTH)) {
    throw new ConfigurationError(`ltiSession: every secret must have at least ${MIN_SESSION_SECRET_LENGTH} characters in production.`);
  }
  return secret as string | string[];
}

/** Cookie attributes an LTI tool needs in each mode. */
function defaultCookie(production: boolean): CookieOptions {
  return production
    ? { httpOnly: true, path: '/', sameSite: 'none', secure: true, partitioned: true }
    : { httpOnly: true, path: '/', sameSite: 'lax', secure: false };
}

/**
 * express-session on PostgreSQL (connect-pg-simple), set up for an LTI tool:
 * `SameSite=None; Secure; Partitioned; HttpOnly` in production (the launch is a
 * cross-site POST into the platform's iframe), `SameSite=Lax` over loopback http
 * in development; a secret required in production; no session before there is
 * something to keep. Warns once when production runs without `trust proxy` and a
 * request reaches Express as http (no Secure cookie would be set).
 *
 * @example
 * ```ts
 * app.set('trust proxy', 1);
 * app.use(ltiSession({ pool, secret: process.env.SESSION_SECRET }));
 * ```
 * @throws ConfigurationError when neither or both of `pool` and `conString` are
 * given, or in production when the secret is missing or shorter than 32 characters.
 */
export function ltiSession(options: LtiSessionOptions): LtiSessionMiddleware {
  const production = options.production ?? process.env.NODE_ENV === 'production';
  const logger = options.logger ?? consoleLogger;
  if ((options.pool === undefined) === (options.conString === undefined)) {
    throw new ConfigurationError('ltiSession: give either pool (shared) or conString.');
  }
  const secret = checkSecret(options.secret, production, logger);
  const PgStore = pgSession(session);
  const store = new PgStore({
    ...(options.pool ? { pool: options.pool } : { conString: options.conString }),
    tableName: options.tableName ?? 'session',
    schemaName: options.schemaName,
    createTableIfMissing: false, // the migrations create it
    pruneSessionInterval: options.pruneSessionInterval ?? 900,
  });
  const cookie = { ...defaultCookie(production), ...options.cookie };
  const handler = session({
    store,
    secret,
    name: options.name ?? 'lti.sid',
    rolling: options.rolling ?? false,
    resave: options.resave ?? false,
    saveUninitialized: options.saveUninitialized ?? false,
    ...options.sessionOptions,
    cookie: { ...cookie, ...options.sessionOptions?.cookie },
  });

  // Looked at once, on the first request: behind a TLS proxy, Express needs `trust proxy` to see https.
  let proxyChecked = !production || cookie.secure !== true;
  const middleware: RequestHandler = (req, res, next) => {
    if (!proxyChecked) {
      proxyChecked = true;
      if (!req.app.get('trust proxy')) {
        try {
          warnIfSecureOverHttp(req, logger);
        } catch {
          // A failing logger must not fail the request.
        }
      }
    }
    handler(req, res, next);
  };
  return Object.assign(middleware, {
    store,
    production,
    close: async () => {
      await store.close();
    },
  });
}
