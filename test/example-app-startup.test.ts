// `npm start` (example-app/server.ts) as a process: start-up errors in one line, and one
// stable development-platform registration across starts against the same DATABASE_URL.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import knex from 'knex';
import request from 'supertest';
import { createKnexStore } from '../lib';
import { databaseProblem } from '../example-app/startup-errors';
import { clickPlatformButton } from './helpers/example-app';
import { TEST_KEY_SECRET } from './helpers/harness';

const ROOT = path.resolve(__dirname, '..');

/** `npm start` without npm: node with tsx's loader, one process (signals reach the server itself). */
function startServer(env: Record<string, string | undefined>): ChildProcess & { out: () => string; err: () => string } {
  const merged: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LTI_KEY_SECRET: TEST_KEY_SECRET, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'example-app/server.ts'], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return Object.assign(child, { out: () => out, err: () => err });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitForOutput(child: ReturnType<typeof startServer>, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(child.out());
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${child.err()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** A loopback port that nothing listens on (held, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A free loopback port outside the kernel's ephemeral range, as `npm start`'s default 3001 is. */
async function freePortBelowEphemeral(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer().once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

describe('example app start-up (npm start)', function () {
  this.timeout(60_000);

  it('says in one line that the port is busy, and exits 1 before starting anything', async () => {
    const holder = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const { port } = holder.address() as net.AddressInfo;
    try {
      // An unreachable DATABASE_URL proves the order: the port is checked before the database.
      for (const env of [{ DATABASE_URL: undefined }, { DATABASE_URL: `postgres://u:p@127.0.0.1:${await closedPort()}/x` }]) {
        const child = startServer({ PORT: String(port), ...env });
        assert.equal(await exited(child), 1);
        assert.equal(child.out(), '');
        assert.deepEqual(lines(child.err()), [`Port ${port} is already in use (another npm start?). Stop that process, or choose another port: PORT=${port + 1} npm start`]);
      }
    } finally {
      holder.close();
    }
  });

  it('explains a bad DATABASE_URL in one line, printed once, without a stack or the password', async () => {
    const unreachable = startServer({ PORT: '0', DATABASE_URL: `postgres://u:secret-pw@127.0.0.1:${await closedPort()}/app` });
    assert.equal(await exited(unreachable), 1);
    assert.equal(lines(unreachable.err()).length, 1, unreachable.err());
    assert.match(unreachable.err(), /^DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:\d+\/app \(ECONNREFUSED\)\. Is it running\?/);

    const missing = new URL(process.env.DATABASE_URL!);
    missing.pathname = '/no_such_database';
    const noDb = startServer({ PORT: '0', DATABASE_URL: missing.href });
    assert.equal(await exited(noDb), 1);
    assert.deepEqual(lines(noDb.err()), [
      `DATABASE_URL: the database "no_such_database" does not exist at 127.0.0.1:${missing.port}/no_such_database. Create it (createdb no_such_database) or fix the name in DATABASE_URL.`,
    ]);
    for (const child of [unreachable, noDb]) assert.doesNotMatch(child.err() + child.out(), /secret-pw|\n\s+at |postgres:postgres/);

    const notUrl = startServer({ PORT: '0', DATABASE_URL: 'localhost/app' });
    assert.equal(await exited(notUrl), 1);
    assert.match(notUrl.err(), /^DATABASE_URL must be a postgres:\/\/ URL/);
    assert.equal(lines(notUrl.err()).length, 1);
  });

  it('names every missing production setting in one line', async () => {
    const child = startServer({ NODE_ENV: 'production', PORT: '0', DATABASE_URL: undefined, SESSION_SECRET: undefined, LTI_KEY_SECRET: undefined });
    assert.equal(await exited(child), 1);
    assert.deepEqual(lines(child.err()), ["NODE_ENV=production needs DATABASE_URL, SESSION_SECRET, LTI_KEY_SECRET (see the README's table of environment variables)."]);
  });

  it('names the migration command when the tables are missing', () => {
    const problem = databaseProblem(Object.assign(new Error('relation "lti_registrations" does not exist'), { code: '42P01' }), 'postgres://u:p@db:5432/app');
    assert.equal(problem?.message, 'DATABASE_URL: the express-lti tables are missing in db:5432/app. Run: DATABASE_URL=… npx knex migrate:latest');
    assert.equal(databaseProblem(new Error('something else'), undefined), undefined);
  });

  it('reuses one development-platform registration across starts, endpoints updated, deployments kept', async function () {
    this.timeout(90_000);
    const db = knex({ client: 'pg', connection: process.env.DATABASE_URL!, pool: { min: 0, max: 2 } });
    try {
      await db.raw('truncate lti_logins, lti_deployments, lti_registrations, session');
      const store = createKnexStore(db, { keySecret: TEST_KEY_SECRET, cacheTtlMs: 0 });
      const starts: Array<{ jwks: string; id: string }> = [];
      // Below Linux's ephemeral range (32768+), so no outgoing connection takes it between the two starts.
      const platformPort = await freePortBelowEphemeral();
      for (let run = 0; run < 2; run++) {
        const child = startServer({ PORT: '0', DEV_PLATFORM_PORT: String(platformPort) });
        try {
          const [, toolUrl] = await waitForOutput(child, /Tool: +(http:\/\/127\.0\.0\.1:\d+)\/app/);
          const [, pageUrl, issuer, jwks] = await waitForOutput(child, /Development platform: (\S+) .*\n +issuer (\S+), client_id \S+, JWKS (\S+)/);
          assert.equal(issuer, `http://127.0.0.1:${platformPort}`);
          const registrations = await store.listRegistrations();
          assert.equal(registrations.length, 1, 'one registration, not one per start');
          assert.equal(registrations[0].jwksUrl, jwks, "this start's endpoints");
          starts.push({ jwks, id: registrations[0].id });
          if (run === 0) {
            await store.addDeployment(registrations[0].id, 'dev-deployment-1'); // an administrator activated it
          } else {
            // The kept deployment launches straight into the tool, through the new endpoints.
            const agent = request.agent(toolUrl);
            const launched = await clickPlatformButton({ toolUrl, pageUrl }, agent, 'Launch as Instructor');
            assert.equal(launched.headers.location, '/app', launched.text);
            await agent.get('/app').expect(200).expect(/Ada Instructor/);
          }
        } finally {
          child.kill('SIGTERM');
          assert.equal(await exited(child), 0, child.err());
        }
      }
      assert.equal(starts[0].id, starts[1].id);
      assert.equal(starts[0].jwks, starts[1].jwks, 'the same stable port each start');
      assert.deepEqual((await store.listDeployments(starts[1].id)).map((d) => d.deploymentId), ['dev-deployment-1']);
    } finally {
      await db.destroy();
    }
  });
});
