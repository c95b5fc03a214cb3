import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import pgSession from 'connect-pg-simple';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import request from 'supertest';
import { DevPlatform, PERSONAS, type PlatformOptions, type Persona } from '../../dev/platform';
import {
  JwksCache,
  createKnexStore,
  ltiErrorHandler,
  ltiLaunch,
  ltiJwks,
  ltiLogin,
  type KnexStore,
  type LtiLaunchOptions,
  type LtiLoginOptions,
  type LtiStore,
  type Registration,
} from '../../lib';

export const TOOL = 'https://tool.test';
export const LAUNCH_URL = `${TOOL}/lti/launch`;
/** The keySecret of the harness's store (tool private keys at rest). */
export const TEST_KEY_SECRET = 'test-key-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export type Agent = ReturnType<typeof request.agent>;

export interface HarnessOptions {
  login?: Partial<LtiLoginOptions>;
  launch?: Partial<LtiLaunchOptions>;
  platform?: PlatformOptions;
  /** Use this store in the middlewares instead of the harness's knex store. */
  store?: LtiStore;
  /** Mount express-session (default true). */
  session?: boolean;
  /** Runs after ltiLaunch() and before the JSON answer (e.g. to change the session). */
  afterLaunch?: RequestHandler;
  /** express-session cookie options (default: express-session's, i.e. not Secure, no SameSite). */
  cookie?: session.CookieOptions;
  /** Express `trust proxy` setting. */
  trustProxy?: boolean | number;
  /** Use this session store instead of connect-pg-simple. */
  sessionStore?: session.Store;
  /** Mount this session middleware (given the harness's pg pool) instead of express-session. */
  sessionMiddleware?: (pool: pg.Pool) => RequestHandler;
  /** Connect the middlewares' knex and session pool here (e.g. through a TcpProxy). Default DATABASE_URL. */
  databaseUrl?: string;
}

export interface Harness {
  app: express.Express;
  db: Knex;
  pool: pg.Pool;
  store: KnexStore;
  platform: DevPlatform;
  registration: Registration;
  jwksCache: JwksCache;
  /** What the middlewares logged (refusals, cookie warnings). */
  logs: Array<{ fields: Record<string, unknown>; message?: string }>;
  /** The app listening on loopback (e.g. http://127.0.0.1:1234); its /lti/jwks is the platform's toolJwksUrl. */
  toolUrl: string;
  close(): Promise<void>;
}

/** Empty every table the library writes. */
export async function resetTables(db: Knex): Promise<void> {
  await db.raw('truncate lti_logins, lti_deployments, lti_registrations, session');
}

/** An Express app mounting the middlewares as a user would, against a fresh platform. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL!;
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 3_000,
    // Failure-mode tests take the database down on purpose; the responses are what they check.
    log: { warn() {}, error() {}, deprecate() {}, debug() {} },
  });
  await resetTables(db);
  const store = createKnexStore(db, { keySecret: TEST_KEY_SECRET });
  const platform = await DevPlatform.start(options.platform);
  const registration = await store.registerPlatform(platform.registration());
  const jwksCache = new JwksCache({ timeoutMs: 1_000 });
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 3_000 });
  pool.on('error', () => undefined);
  const PgStore = pgSession(session);

  const app = express();
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  if (options.sessionMiddleware) {
    app.use(options.sessionMiddleware(pool));
  } else if (options.session !== false) {
    app.use(
      session({
        store: options.sessionStore ?? new PgStore({ pool, createTableIfMissing: false, errorLog: () => undefined }),
        secret: 'test-secret',
        resave: false,
        saveUninitialized: false,
        name: 'tool.sid',
        cookie: options.cookie,
      }),
    );
  }
  const middlewareStore = options.store ?? store;
  const logs: Harness['logs'] = [];
  const logger = { warn: (fields: Record<string, unknown>, message?: string) => void logs.push({ fields, message }) };
  app.all('/lti/login', ltiLogin({ store: middlewareStore, launchUrl: LAUNCH_URL, logger, ...options.login }));
  const afterLaunch: RequestHandler = options.afterLaunch ?? ((_req, _res, next) => next());
  app.post('/lti/launch', ltiLaunch({ store: middlewareStore, jwksCache, logger, ...options.launch }), afterLaunch, launchedHandler);
  app.get('/lti/launch', ltiLaunch({ store: middlewareStore, jwksCache, logger, ...options.launch }));
  app.get('/me', (req, res) => {
    res.json({ lti: req.session?.lti ?? null });
  });
  app.get('/lti/jwks', ltiJwks({ store }));
  app.use(ltiErrorHandler());
  // The platform fetches the tool's keys over real HTTP (client assertions, deep-linking responses).
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const toolUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  platform.toolJwksUrl = `${toolUrl}/lti/jwks`;

  return {
    app,
    db,
    pool,
    store,
    platform,
    registration,
    jwksCache,
    logs,
    toolUrl,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await platform.close();
      await db.destroy();
      await pool.end();
    },
  };
}

const launchedHandler: RequestHandler = (req, res) => {
  const { user, context, resourceLink, custom, messageType, deploymentId, registration, deployment, deepLinking, launchPresentation } = req.lti;
  res.json({ user, context, resourceLink, custom, messageType, deploymentId, registration, deployment, deepLinking, launchPresentation });
};

export interface LoginResult {
  state: string;
  nonce: string;
  /** The auth request the tool redirected to. */
  location: URL;
}

/** GET the tool's login as the platform's browser would; returns the auth redirect. */
export async function startLogin(h: Harness, agent: Agent, params: Record<string, string> = {}): Promise<LoginResult> {
  const res = await agent
    .get('/lti/login')
    .query({ iss: h.platform.issuer, login_hint: 'instructor', target_link_uri: LAUNCH_URL, client_id: h.platform.clientId, ...params })
    .expect(302);
  const location = new URL(res.headers.location as string);
  return { state: location.searchParams.get('state')!, nonce: location.searchParams.get('nonce')!, location };
}

/** Post an id_token to the launch, as the platform's auto-submitting form does. */
export function postLaunch(agent: Agent, fields: Record<string, string>) {
  return agent.post('/lti/launch').type('form').set('Accept', 'application/json').send(fields);
}

/** Login, then post a token with the given claim overrides. */
export async function launchWith(
  h: Harness,
  agent: Agent,
  input: { overrides?: Record<string, unknown>; persona?: Persona; header?: Parameters<DevPlatform['sign']>[1]; login?: Record<string, string> } = {},
) {
  const { state, nonce } = await startLogin(h, agent, input.login);
  const claims = h.platform.launchClaims({ nonce, targetLinkUri: LAUNCH_URL, persona: input.persona ?? PERSONAS.instructor, overrides: input.overrides });
  const idToken = await h.platform.sign(claims, input.header);
  return postLaunch(agent, { id_token: idToken, state });
}

/** The full round trip through the platform's auth endpoint. */
export async function fullLaunch(h: Harness, agent: Agent, loginHint = 'instructor') {
  const { location } = await startLogin(h, agent, { login_hint: loginHint });
  const { idToken, state } = await h.platform.authorize(location.searchParams);
  return postLaunch(agent, { id_token: idToken, state });
}
