/**
 * The benchmark's express-lti tool, run as its own process by bench/run.ts: a
 * minimal app that mounts the middlewares as a user would (express-session on
 * connect-pg-simple and a PreparedStatementPool, the knex store, ltiLogin, ltiLaunch with
 * autoCreateDeployments, and a launched page showing the user's name).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import pgSession from 'connect-pg-simple';
import knex from 'knex';
import { PreparedStatementPool, createKnexStore, escapeHtml, ltiErrorHandler, ltiLaunch, ltiLogin } from '../lib';
import { fail, readConfig, send, serveParent } from './child';
import { countSqlStatements } from './sql-counter';

// Before any pool exists: every statement of knex and connect-pg-simple is counted.
const sql = countSqlStatements(pg as unknown as Parameters<typeof countSqlStatements>[0]);

const launched: RequestHandler = (req, res) => {
  res
    .type('html')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>Launched</title></head>` +
        `<body><p>Hello, ${escapeHtml(req.lti.user.name ?? 'someone')}!</p></body></html>`,
    );
};

async function main(): Promise<void> {
  const config = readConfig();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const launchUrl = `${base}/lti/launch`;

  // BENCH_POOL_MAX: both pools' size (default: knex's 2–10, pg's 10).
  const poolMax = Number(process.env.BENCH_POOL_MAX) || undefined;
  const db = knex({ client: 'pg', connection: config.databaseUrl, ...(poolMax ? { pool: { min: Math.min(2, poolMax), max: poolMax } } : {}) });
  const store = createKnexStore(db);
  await store.registerPlatform(config.platform);
  // The session store's fixed statements as named prepared statements (README, Performance).
  const pool = new PreparedStatementPool({ connectionString: config.databaseUrl, ...(poolMax ? { max: poolMax } : {}) });
  const PgStore = pgSession(session);
  // BENCH_DISABLE_TOUCH=1: no expiry refresh for returning browsers (README, Performance).
  const sessionStore = new PgStore({ pool, disableTouch: process.env.BENCH_DISABLE_TOUCH === '1' });

  const app = express();
  app.use(
    session({
      store: sessionStore,
      secret: 'bench-session-secret',
      resave: false,
      saveUninitialized: false,
      name: 'tool.sid',
    }),
  );
  app.all('/lti/login', ltiLogin({ store, launchUrl }));
  app.post('/lti/launch', ltiLaunch({ store, autoCreateDeployments: true }), launched);
  app.use(ltiErrorHandler());
  server.on('request', app);

  serveParent(sql, async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await sessionStore.close();
    await db.destroy();
    await pool.end();
  });
  send({ type: 'ready', tool: { loginUrl: `${base}/lti/login`, targetLinkUri: launchUrl } });
}

main().catch(fail);
