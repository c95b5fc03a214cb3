/**
 * The floor (BENCH_FLOOR=1): what the same launch costs with no framework and
 * no security at all, on this machine. A bare node:http server answers the same
 * exchanges as express-lti (login → row inserted, per-login cookie, 302 to the
 * platform; posted form → the login row taken with one DELETE … RETURNING, a
 * session row written, session cookie, page with the user's name) through a pg
 * Pool with named prepared statements, but verifies nothing and decodes the
 * id_token without checking it. Never use this as a tool: it is only a
 * yardstick for the CPU figures.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { escapeHtml } from '../lib/http/error-handler';
import { fail, readConfig, send, serveParent } from './child';
import { countSqlStatements } from './sql-counter';

const sql = countSqlStatements(pg as unknown as Parameters<typeof countSqlStatements>[0]);

const TABLES = `
  create table if not exists bench_floor_logins (state text primary key, binding text not null, nonce text not null, expires_at timestamptz not null);
  create table if not exists bench_floor_sessions (sid text primary key, sess json not null, expire timestamptz not null)`;
const INSERT_LOGIN = { name: 'floor_login', text: 'insert into bench_floor_logins (state, binding, nonce, expires_at) values ($1, $2, $3, $4)' };
const TAKE_LOGIN = { name: 'floor_take', text: 'delete from bench_floor_logins where state = $1 and binding = $2 returning nonce, expires_at' };
const SAVE_SESSION = {
  name: 'floor_session',
  text: 'insert into bench_floor_sessions (sid, sess, expire) values ($1, $2, $3) on conflict (sid) do update set sess = $2, expire = $3',
};

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return v;
  }
  return undefined;
}

async function main(): Promise<void> {
  const config = readConfig();
  const pool = new pg.Pool({ connectionString: config.databaseUrl });
  await pool.query(TABLES);
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const launchUrl = `${base}/launch`;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (req.method === 'GET' && url.pathname === '/login') {
      const q = url.searchParams;
      const state = randomBytes(32).toString('base64url');
      const binding = randomBytes(32).toString('base64url');
      const nonce = randomBytes(32).toString('base64url');
      await pool.query({ ...INSERT_LOGIN, values: [state, binding, nonce, new Date(Date.now() + 300_000)] });
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
        nonce,
      })) {
        auth.searchParams.set(k, v);
      }
      res.writeHead(302, {
        location: auth.toString(),
        'cache-control': 'no-store',
        'set-cookie': `floor.login=${binding}; Path=/launch; HttpOnly; Max-Age=300`,
      });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/launch') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const payload = JSON.parse(Buffer.from((form.get('id_token') ?? '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { name?: string };
      const taken = await pool.query({ ...TAKE_LOGIN, values: [form.get('state') ?? '', cookie(req, 'floor.login') ?? ''] });
      if (taken.rowCount !== 1) {
        res.writeHead(403);
        res.end('unknown login');
        return;
      }
      const sid = randomBytes(24).toString('base64url');
      const session = { cookie: { path: '/', httpOnly: true }, lti: { name: payload.name } };
      await pool.query({ ...SAVE_SESSION, values: [sid, JSON.stringify(session), new Date(Date.now() + 86_400_000)] });
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': [`floor.sid=${sid}; Path=/; HttpOnly`, 'floor.login=; Path=/launch; Max-Age=0'],
      });
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
