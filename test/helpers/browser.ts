/**
 * Real-browser tests: Debian's headless Chromium driven by puppeteer-core, the
 * tool on https://127.0.0.1:PORT and the development platform on
 * https://localhost:PORT (different sites), one self-signed certificate made
 * with the openssl CLI at test time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import session from 'express-session';
import pgSession from 'connect-pg-simple';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core';
import { DevPlatform } from '../../dev/platform';
import { createKnexStore, JwksCache, ltiErrorHandler, ltiLaunch, ltiLogin } from '../../lib';
import { TEST_KEY_SECRET, resetTables } from './harness';

/** The Chromium binary (CHROMIUM_PATH, else `chromium` on PATH), or undefined. */
export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : undefined;
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (!chromiumPath()) return 'Chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH): browser tests pending';
  if (spawnSync('sh', ['-c', 'command -v openssl']).status !== 0) return 'openssl not found (needed for the test certificate): browser tests pending';
  return undefined;
}

/** "Chromium 150.0.7871.100 built on Debian…" */
export function chromiumVersion(): string {
  return execFileSync(chromiumPath()!, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** A self-signed certificate for localhost and 127.0.0.1, valid two days. */
export function makeCertificate(dir: string): { key: Buffer; cert: Buffer } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

export interface BrowserWorld {
  dir: string;
  platform: DevPlatform;
  db: Knex;
  /** https://127.0.0.1:PORT */
  toolUrl: string;
  close(): Promise<void>;
}

/**
 * The tool (an Express app over https with a CHIPS session cookie:
 * `SameSite=None; Secure; Partitioned`) and the platform, registered together.
 */
export async function startWorld(): Promise<BrowserWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'express-lti-browser-'));
  const tls = makeCertificate(dir);
  const url = process.env.DATABASE_URL!;
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
  await resetTables(db);
  const store = createKnexStore(db, { keySecret: TEST_KEY_SECRET });
  const platform = await DevPlatform.start();
  const platformUrl = await platform.listenTls(tls, 'localhost');
  // The browser meets the platform at https://localhost; the tool fetches its keys over loopback http.
  await store.registerPlatform({ ...platform.registration(), authEndpoint: `${platformUrl}/auth` });
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => undefined);

  const app = express();
  const server = https.createServer(tls, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const toolUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const launchUrl = `${toolUrl}/lti/launch`;
  app.use(
    session({
      store: new (pgSession(session))({ pool, createTableIfMissing: false, errorLog: () => undefined }),
      secret: 'browser-test-secret',
      resave: false,
      saveUninitialized: false,
      name: 'tool.sid',
      cookie: { sameSite: 'none', secure: true, partitioned: true, httpOnly: true },
    }),
  );
  app.all('/lti/login', ltiLogin({ store, launchUrl }));
  app.all('/lti/login-new-window', ltiLogin({ store, launchUrl, platformStorage: { whenCookiesBlocked: 'new-window' } }));
  app.post('/lti/launch', ltiLaunch({ store, autoCreateDeployments: true, jwksCache: new JwksCache({ timeoutMs: 2_000 }) }), (req, res) => {
    const { user, resourceLink } = req.lti;
    res.type('html').send(
      `<!doctype html><html><body><h1 id="launched" data-link="${resourceLink?.id ?? ''}">Launched: ${user.name ?? user.id}</h1>` +
        `<a id="me" href="/me">Next page</a></body></html>`,
    );
  });
  // A later page of the tool: is the session still there?
  app.get('/me', (req, res) => {
    const lti = req.session.lti;
    res.type('html').send(`<!doctype html><html><body><p id="me" data-session="${lti ? 'yes' : 'no'}">${lti ? 'Signed in' : 'No session'}</p></body></html>`);
  });
  // Is a CHIPS cookie kept in this frame? (to verify a cookie block before trusting it)
  app.get('/probe/set', (_req, res) => {
    res.cookie('probe', '1', { sameSite: 'none', secure: true, partitioned: true });
    res.type('html').send('<!doctype html><a id="check" href="/probe/check">check</a>');
  });
  app.get('/probe/check', (req, res) => {
    const kept = /(?:^|;\s*)probe=1/.test(req.headers.cookie ?? '');
    res.type('html').send(`<!doctype html><p id="probe" data-kept="${kept}">${kept}</p>`);
  });
  app.use(ltiErrorHandler());
  platform.storage.tool = { loginUrl: `${toolUrl}/lti/login`, targetLinkUri: launchUrl };

  return {
    dir,
    platform,
    db,
    toolUrl,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await platform.close();
      await db.destroy();
      await pool.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start Chromium with a fresh profile. `blockCookiesFor`: a cookie block rule
 * for the tool's origin embedded in the platform's site, in the profile's
 * Preferences (the only setting that also blocks partitioned cookies).
 */
export async function launchChromium(world: BrowserWorld, blockCookiesFor?: { tool: string; site: string }): Promise<Browser> {
  const profile = mkdtempSync(path.join(world.dir, 'profile-'));
  if (blockCookiesFor) {
    mkdirSync(path.join(profile, 'Default'), { recursive: true });
    const rule = { [`${blockCookiesFor.tool},${blockCookiesFor.site}`]: { setting: 2 } };
    writeFileSync(path.join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { content_settings: { exceptions: { cookies: rule } } } }));
  }
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    userDataDir: profile,
    protocolTimeout: 20_000,
    args: ['--no-sandbox', '--ignore-certificate-errors', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
  });
}

/** The tool frames of a course page (named tool-0, tool-1…). */
export function toolFrames(page: Page): Frame[] {
  return page.frames().filter((f) => f.name().startsWith('tool-'));
}

/**
 * Wait until every tool frame shows one of `selectors` (an error page is `p.code`); resolves to what
 * each frame shows (selector or 'none'). Selectors are specific: a frame being swapped into its
 * own process can briefly answer with the course page's document. The deadline is generous: on a
 * loaded machine five iframes' launches once took over 15 s; the wait ends as soon as all are done.
 */
export async function waitForFrames(page: Page, selectors: string[], timeoutMs = 40_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await Promise.all(
      toolFrames(page).map(async (frame) => {
        for (const selector of selectors) {
          const found = await frame.$(selector).catch(() => null);
          if (found && (await found.isVisible().catch(() => false))) return selector;
        }
        return 'none';
      }),
    );
    if (!seen.includes('none') || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The storage frame's log of the messages it got (subjects), or [] when it has none. */
export async function storageLog(page: Page): Promise<string[]> {
  const frame = page.frames().find((f) => f.name() === 'post_message_forwarding');
  if (!frame) return [];
  return frame.evaluate(() => ((window as unknown as { ltiStorageLog?: Array<{ subject: string }> }).ltiStorageLog ?? []).map((m) => m.subject));
}
