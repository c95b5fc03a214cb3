/**
 * The benchmark's express-lti tool, run as its own process by bench/run.ts: a
 * minimal app that mounts the middlewares as a user would (express-session on
 * connect-pg-simple and a pg Pool, the knex store, ltiLogin, ltiLaunch with
 * autoCreateDeployments, and a launched page showing the user's name).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import pgSession from 'connect-pg-simple';
import knex from 'knex';
import { createKnexStore, escapeHtml, ltiErrorHandler, ltiLaunch, ltiLogin } from '../lib';
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

  const db = knex({ client: 'pg', connection: config.databaseUrl });
  const store = createKnexStore(db);
  await store.registerPlatform(config.platform);
  const pool = new pg.Pool({ connectionString: config.databaseUrl });
  const PgStore = pgSession(session);
  const sessionStore = new PgStore({ pool });

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
