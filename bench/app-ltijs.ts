/**
 * The benchmark's ltijs tool, run as its own process by bench/run.ts: ltijs
 * with its PostgreSQL plugin ltijs-sequelize, set up as their READMEs show
 * (cookies for plain http, devMode off), with the same DevPlatform registered
 * (JWK_SET) and a launched page showing the user's name. ltijs is loaded from
 * bench/ltijs/node_modules, which `npm run bench:compare` installs on demand.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { escapeHtml } from '../lib/http/error-handler';
import { fail, readConfig, send, serveParent } from './child';
import { countSqlStatements, type PgModule } from './sql-counter';

const requireLtijs = createRequire(path.join(__dirname, 'ltijs', 'package.json'));

// ltijs has no type declarations: the little used here is typed by hand.
interface LtijsToken {
  userInfo?: { name?: string };
}
interface LtijsProvider {
  app: http.RequestListener;
  setup(key: string, database: { plugin: unknown }, options: Record<string, unknown>): unknown;
  onConnect(callback: (token: LtijsToken, req: unknown, res: { send(body: string): void }) => unknown): unknown;
  deploy(options: Record<string, unknown>): Promise<unknown>;
  close(options: Record<string, unknown>): Promise<unknown>;
  registerPlatform(platform: Record<string, unknown>): Promise<unknown>;
}
type SequelizePlugin = new (database: string, user: string, pass: string, options: Record<string, unknown>) => unknown;

// The pg that Sequelize loads (bench/ltijs/node_modules/pg), wrapped before any connection.
const sql = countSqlStatements(requireLtijs('pg') as PgModule);

async function main(): Promise<void> {
  const config = readConfig();
  if (requireLtijs.resolve('pg') !== requireLtijs.resolve('pg', { paths: [path.dirname(requireLtijs.resolve('sequelize'))] })) {
    throw new Error('Sequelize resolves another copy of pg than the one counted');
  }
  const lti = (requireLtijs('ltijs') as { Provider: LtijsProvider }).Provider;
  const Database = requireLtijs('ltijs-sequelize') as SequelizePlugin;

  const url = new URL(config.databaseUrl);
  const db = new Database(decodeURIComponent(url.pathname.slice(1)), decodeURIComponent(url.username), decodeURIComponent(url.password), {
    host: url.hostname,
    port: Number(url.port || 5432),
    dialect: 'postgres',
    logging: false,
  });

  lti.setup('bench-ltijs-encryption-key', { plugin: db }, {
    appRoute: '/',
    loginRoute: '/login',
    cookies: { secure: false, sameSite: '' }, // plain http on loopback, as ltijs' README says
    devMode: false, // state and session cookies are checked, as in production
  });
  lti.onConnect((token, _req, res) => {
    res.send(
      `<!doctype html><html><head><meta charset="utf-8"><title>Launched</title></head>` +
        `<body><p>Hello, ${escapeHtml(token.userInfo?.name ?? 'someone')}!</p></body></html>`,
    );
  });
  // serverless: ltijs would listen on every interface; the benchmark listens on loopback itself.
  await lti.deploy({ serverless: true, silent: true });

  const p = config.platform;
  await lti.registerPlatform({
    url: p.issuer,
    name: p.name ?? 'Development platform',
    clientId: p.clientId,
    authenticationEndpoint: p.authEndpoint,
    accesstokenEndpoint: p.tokenEndpoint,
    authConfig: { method: 'JWK_SET', key: p.jwksUrl },
  });

  const server = http.createServer(lti.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  serveParent(sql, async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await lti.close({ silent: true });
  });
  send({ type: 'ready', tool: { loginUrl: `${base}/login`, targetLinkUri: `${base}/` } });
}

main().catch(fail);
