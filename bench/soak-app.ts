/**
 * The soak run's tool: the middlewares mounted as a user would, with the login
 * cleanup a deployment runs on a timer, and a short state lifetime so
 * abandoned logins expire within the run. Answers 'sample' over IPC with its
 * memory after a full GC and the row counts of the login and session tables.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import pgSession from 'connect-pg-simple';
import knex from 'knex';
import pg from 'pg';
import { createKnexStore, escapeHtml, ltiErrorHandler, ltiLaunch, ltiLogin } from '../lib';

const { databaseUrl, platform } = JSON.parse(process.env.SOAK_CONFIG!) as {
  databaseUrl: string;
  platform: Parameters<ReturnType<typeof createKnexStore>['registerPlatform']>[0];
};
const CLEANUP_EVERY_MS = 2_000;

async function main(): Promise<void> {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 10 } });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => undefined);
  const store = createKnexStore(db);
  await store.registerPlatform(platform);
  let loginsCleaned = 0;
  const cleanup = setInterval(() => {
    store.cleanup().then((r) => (loginsCleaned += r.loginsDeleted), () => undefined);
  }, CLEANUP_EVERY_MS);

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = express();
  app.use(session({ store: new (pgSession(session))({ pool, pruneSessionInterval: 5 }), secret: 'soak', resave: false, saveUninitialized: false }));
  app.all('/lti/login', ltiLogin({ store, launchUrl: `${base}/lti/launch`, stateTtlSeconds: 5 }));
  app.post('/lti/launch', ltiLaunch({ store, autoCreateDeployments: true }), (req, res) => {
    res.type('html').send(`<p>Hello, ${escapeHtml(req.lti.user.name ?? 'someone')}!</p>`);
  });
  app.use(ltiErrorHandler());
  server.on('request', app);

  process.on('message', async (message: { type: string }) => {
    if (message.type === 'sample') {
      (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      const count = async (table: string) => Number((await db(table).count<{ c: string }[]>('* as c'))[0].c);
      process.send?.({
        type: 'sample',
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        logins: await count('lti_logins'),
        sessions: await count('session'),
        loginsCleaned,
      });
    } else if (message.type === 'stop') {
      clearInterval(cleanup);
      server.closeAllConnections();
      server.close();
      await Promise.all([db.destroy(), pool.end()]);
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', loginUrl: `${base}/lti/login`, targetLinkUri: `${base}/lti/launch` });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
