/**
 * The floor (BENCH_FLOOR=1): what the same launch costs with no framework and
 * no security at all, on this machine. A bare node:http server answers the same
 * exchanges as the real tools (login → 302 to the platform; posted form → page
 * with the user's name) and sends the same number of statements to PostgreSQL
 * (trivial ones, through a pg Pool), but verifies nothing, keeps no session and
 * decodes the id_token without checking it. Never use this as a tool: it is
 * only a yardstick for the tool CPU figures.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { escapeHtml } from '../lib/http/error-handler';
import { fail, readConfig, send, serveParent } from './child';
import { countSqlStatements } from './sql-counter';

const sql = countSqlStatements(pg as unknown as Parameters<typeof countSqlStatements>[0]);

/** Statements per request: express-lti's count today (2 at login, 6 at launch). */
const LOGIN_STATEMENTS = Number(process.env.BENCH_FLOOR_LOGIN_SQL ?? 2);
const LAUNCH_STATEMENTS = Number(process.env.BENCH_FLOOR_LAUNCH_SQL ?? 6);

async function main(): Promise<void> {
  const config = readConfig();
  const pool = new pg.Pool({ connectionString: config.databaseUrl });
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const launchUrl = `${base}/launch`;

  async function statements(n: number, value: string): Promise<void> {
    for (let i = 0; i < n; i++) await pool.query('SELECT $1::text AS v', [value]);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (req.method === 'GET' && url.pathname === '/login') {
      const q = url.searchParams;
      const state = randomBytes(32).toString('base64url');
      await statements(LOGIN_STATEMENTS, state);
      const auth = new URL(config.platform.authEndpoint);
      for (const [k, v] of Object.entries({
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: config.platform.clientId,
        redirect_uri: launchUrl,
        login_hint: q.get('login_hint') ?? '',
        state,
        nonce: randomBytes(32).toString('base64url'),
      })) {
        auth.searchParams.set(k, v);
      }
      res.writeHead(302, { location: auth.toString(), 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/launch') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const payload = JSON.parse(Buffer.from((form.get('id_token') ?? '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { name?: string };
      await statements(LAUNCH_STATEMENTS, form.get('state') ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><meta charset="utf-8"><title>Launched</title></head>` +
          `<body><p>Hello, ${escapeHtml(payload.name ?? 'someone')}!</p></body></html>`,
      );
      return;
    }
    res.writeHead(404);
    res.end();
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  serveParent(sql, async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await pool.end();
  });
  send({ type: 'ready', tool: { loginUrl: `${base}/login`, targetLinkUri: launchUrl } });
}

main().catch(fail);
