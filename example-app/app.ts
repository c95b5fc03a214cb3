// An Express app that is an LTI 1.3 tool, written as a user of express-lti would.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request } from 'express';
import pg from 'pg';
// In your app: from 'express-lti'.
import { CLAIM, ltiErrorHandler, ltiJwks, ltiLaunch, ltiLogin, ltiServices, ltiSession, roleHelpers, type DeploymentNotFoundHook, type KnexStore } from '../lib';
import { launchedActions } from './advantage-views';
import { csrfToken } from './csrf';
import { deepLinkingRoutes, startPicker } from './deep-linking-routes';
import { QUIZZES } from './quizzes';
import { quizRoutes } from './quiz-routes';
import { rosterRoutes } from './roster-routes';
import {
  activatedPage,
  launchedPage,
  noOnboardingPage,
  notLaunchedPage,
  onboardingPage,
  refusedPage,
  staleFormPage,
  type PendingOnboarding,
} from './views';
import { mountRegistrationAdmin } from './admin';

declare module 'express-session' {
  interface SessionData {
    onboarding: PendingOnboarding;
  }
}

export interface ExampleAppOptions {
  databaseUrl: string;
  /** The tool's public origin, e.g. https://tool.example.com (the platform posts launches there). */
  toolUrl: string;
  store: KnexStore;
  /** Default: NODE_ENV === 'production'. */
  production?: boolean;
  /** Default: SESSION_SECRET; outside production a random one (sessions then end with the process). */
  sessionSecret?: string;
  /** Development only: the simulated LMS page, linked from the "launch again" pages. */
  devPlatformUrl?: string;
}

export interface ExampleApp {
  app: express.Express;
  close(): Promise<void>;
}

const ONBOARDING_TTL_MS = 15 * 60 * 1000;

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err?: unknown) => (err ? reject(err) : resolve())));
}

function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function createApp(options: ExampleAppOptions): ExampleApp {
  const { store, toolUrl, devPlatformUrl } = options;
  const production = options.production ?? process.env.NODE_ENV === 'production';
  const secret = options.sessionSecret ?? process.env.SESSION_SECRET;
  if (production && !secret) throw new Error('Set SESSION_SECRET in production.');

  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
  pool.on('error', (err) => console.error('session pool:', err.message)); // an idle client dropped by the server must not crash the process

  const app = express();
  app.disable('x-powered-by');
  if (production) app.set('trust proxy', 1); // TLS ends at the proxy: trust its X-Forwarded-Proto so secure cookies are sent
  // SameSite=None; Secure; Partitioned in production (the LMS posts the launch cross-site into an
  // iframe), Lax on http://127.0.0.1 in development; outside production without SESSION_SECRET a
  // random secret (sessions then end with the process).
  const sessions = ltiSession({ pool, secret, production, name: 'example-tool.sid' });
  app.use(sessions);

  // A deployment is one LMS installation of the tool (an institution, a course, ...).
  // Unknown ones go through onboarding so a person decides to turn the tool on there.
  // Activating reaches beyond the course (in Canvas a deployment is often the whole
  // account), so it takes an institution or system administrator: a course role such as
  // Instructor, or its sub-roles TeachingAssistant, Grader or GuestInstructor, is not enough.
  const onDeploymentNotFound: DeploymentNotFoundHook = async (req, res, _next, { registration, deploymentId, claims }) => {
    const roles = roleHelpers(Array.isArray(claims[CLAIM.roles]) ? (claims[CLAIM.roles] as string[]) : []);
    req.session.onboarding = {
      registrationId: registration.id,
      platformName: registration.name ?? registration.issuer,
      deploymentId,
      userName: typeof claims.name === 'string' ? claims.name : undefined,
      canActivate: roles.isPlatformAdministrator,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: Date.now() + ONBOARDING_TTL_MS,
    };
    await saveSession(req); // saved before the browser follows the redirect
    res.redirect(303, '/onboarding');
  };

  app.all('/lti/login', ltiLogin({ store, launchUrl: `${toolUrl}/lti/launch` }));
  // The tool's public keys: platforms verify its client assertions and deep-linking responses with them.
  app.get('/lti/jwks', ltiJwks({ store }));
  app.all('/lti/launch', ltiLaunch({ store, onDeploymentNotFound }), async (req, res) => {
    if (req.lti.messageType === 'LtiDeepLinkingRequest') return startPicker(req, res); // the instructor picks content
    res.redirect(303, '/app'); // 303: the browser GETs the page, so a reload does not re-post the spent id_token
  });

  // LTI Advantage: grades (AGS) and rosters (NRPS) with the tool's own keys and access tokens.
  const services = ltiServices({ store });
  app.use(deepLinkingRoutes({ store, toolUrl, devPlatformUrl }));
  app.use(quizRoutes({ services, devPlatformUrl }));
  app.use(rosterRoutes({ services, devPlatformUrl }));

  app.get('/', (_req, res) => res.redirect('/app'));

  app.get('/app', (req, res) => {
    res.set('Cache-Control', 'no-store');
    const lti = req.session.lti;
    const actions = lti ? launchedActions(lti, QUIZZES[0], csrfToken(req)) : undefined;
    res.type('html').send(lti ? launchedPage(lti, { actions, devPlatformUrl }) : notLaunchedPage(devPlatformUrl));
  });

  const pendingOnboarding = (req: Request): PendingOnboarding | undefined => {
    const pending = req.session.onboarding;
    return pending && pending.expiresAt > Date.now() ? pending : undefined;
  };

  app.get('/onboarding', (req, res) => {
    res.set('Cache-Control', 'no-store');
    const pending = pendingOnboarding(req);
    res.type('html').send(pending ? onboardingPage(pending) : noOnboardingPage(devPlatformUrl));
  });

  app.post('/onboarding', express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const pending = pendingOnboarding(req);
    if (!pending) {
      res.status(400).type('html').send(noOnboardingPage(devPlatformUrl));
      return;
    }
    if (!pending.canActivate) {
      res.status(403).type('html').send(refusedPage());
      return;
    }
    if (!sameToken((req.body as Record<string, unknown> | undefined)?.csrf, pending.csrf)) {
      res.status(403).type('html').send(staleFormPage());
      return;
    }
    await store.addDeployment(pending.registrationId, pending.deploymentId);
    delete req.session.onboarding;
    await saveSession(req);
    res.type('html').send(activatedPage(pending.deploymentId, devPlatformUrl));
  });

  mountRegistrationAdmin(app, { store, toolUrl }); // /lti/register, and /admin/registrations with ADMIN_PASSWORD

  app.use(ltiErrorHandler({ onError: (err) => console.warn(`LTI ${err.code}: ${err.message}`) }));

  return {
    app,
    async close() {
      await sessions.close();
      await pool.end();
    },
  };
}
