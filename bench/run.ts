/**
 * The launch benchmark. `npm run bench` measures express-lti; `npm run
 * bench:compare` measures express-lti and ltijs in the same run.
 *
 * Starts PostgreSQL (dev/database.ts) and a DevPlatform, runs each tool in a
 * child process (so its CPU and SQL can be counted apart from the load), and
 * drives complete launches through real HTTP on 127.0.0.1 at several
 * concurrencies. Environment knobs: see bench/README.md.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startDatabase, type Database } from '../dev/database';
import { DevPlatform } from '../dev/platform';
import { LaunchError, VirtualUser, type LaunchInput } from './browser';
import type { ChildConfig, ChildMessage, ChildStats, ParentMessage, ToolInfo } from './child';
import { benchLoginHint, benchPersona } from './platform-users';
import { formatProfileSummary, summariseProfile } from './profile-summary';

const ROOT = path.resolve(__dirname, '..');
const LTIJS_DIR = path.join(__dirname, 'ltijs');

// ---- options -------------------------------------------------------------

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(raw)}`);
  return value;
}

const options = {
  compare: process.argv.includes('--compare'),
  concurrency: (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map((c) => {
    const n = Number(c.trim());
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`BENCH_CONCURRENCY: ${JSON.stringify(c)} is not a concurrency (1-256)`);
    return n;
  }),
  /** Launches at concurrency 4 once per tool before the first level, so V8 has compiled the hot paths. */
  prewarm: envNumber('BENCH_PREWARM', 500),
  warmup: envNumber('BENCH_WARMUP', 200),
  launches: envNumber('BENCH_LAUNCHES', 2000),
  seconds: envNumber('BENCH_SECONDS', 10),
  keepCookies: process.env.BENCH_KEEP_COOKIES === '1',
  profile: process.env.BENCH_PROFILE === '1',
  floor: process.env.BENCH_FLOOR === '1',
  /** Another app file in place of bench/app-express-lti.ts (to measure a change to a copy of lib/). */
  app: process.env.BENCH_APP ? path.resolve(process.env.BENCH_APP) : path.join(__dirname, 'app-express-lti.ts'),
  verbose: process.env.BENCH_VERBOSE === '1',
};

/** The whole run stops by itself, even if something hangs. */
const HARD_LIMIT_MS = 20 * 60_000;
const CHILD_START_MS = 180_000;
const CHILD_REPLY_MS = 60_000;

// ---- app child processes -------------------------------------------------

/** A parent message without its id (Omit distributed over the union). */
type ParentRequest = ParentMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

interface ToolProcess {
  name: string;
  tool: ToolInfo;
  pid: number;
  call(message: ParentRequest): Promise<Extract<ChildMessage, { type: 'reply' }>>;
  stats(): Promise<ChildStats>;
  /** The child's recent output (for error messages). */
  output(): string;
  stop(): Promise<void>;
  kill(): void;
}

const running = new Set<ToolProcess>();

async function startTool(name: string, file: string, config: ChildConfig): Promise<ToolProcess> {
  const child: ChildProcess = fork(path.resolve(__dirname, file), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8000);
    if (options.verbose) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Extract<ChildMessage, { type: 'reply' }>) => void; reject: (e: Error) => void }>();
  let exited: Error | undefined;
  let onReady: ((tool: ToolInfo) => void) | undefined;
  let onFail: ((err: Error) => void) | undefined;

  child.on('message', (raw) => {
    const message = raw as ChildMessage;
    if (message.type === 'ready') onReady?.(message.tool);
    else if (message.type === 'fatal') onFail?.(new Error(`${name} failed to start:\n${message.message}`));
    else if (message.type === 'reply') {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${name}: ${message.error}`));
      else waiter?.resolve(message);
    }
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${name} exited (${signal ?? `code ${code}`})\n${log.trim().split('\n').slice(-30).join('\n')}`);
    onFail?.(exited);
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });

  const tool = await new Promise<ToolInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${CHILD_START_MS / 1000} s\n${log}`)), CHILD_START_MS);
    onReady = (t) => {
      clearTimeout(timer);
      resolve(t);
    };
    onFail = (err) => {
      clearTimeout(timer);
      reject(err);
    };
  }).catch((err: unknown) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  });
  onFail = undefined;

  const call: ToolProcess['call'] = (message) => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} did not answer ${message.type} within ${CHILD_REPLY_MS / 1000} s`));
      }, CHILD_REPLY_MS);
      pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...message, id } as ParentMessage);
    });
  };

  const proc: ToolProcess = {
    name,
    tool,
    pid: child.pid!,
    call,
    async stats() {
      const reply = await call({ type: 'stats' });
      return reply.stats!;
    },
    output: () => log,
    async stop() {
      running.delete(proc);
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call({ type: 'shutdown' }).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
    kill() {
      running.delete(proc);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  running.add(proc);
  return proc;
}

// ---- PostgreSQL server CPU -----------------------------------------------

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU ms of every live `postgres` process, by pid (Linux /proc). */
function postgresCpu(): Map<number, number> | undefined {
  if (process.platform !== 'linux') return undefined;
  const cpu = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    if (comm !== 'postgres') continue;
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    cpu.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS);
  }
  return cpu;
}

/** CPU the server spent between two snapshots (processes that exited meanwhile are lost). */
function postgresCpuDelta(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

// ---- the whole machine's CPU ---------------------------------------------------

/** Busy and total jiffies of all cores (/proc/stat; steal counts as busy). */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

/** Share of all cores busy between two machineCpu() readings. */
function busyShare(before?: { busy: number; total: number }, after?: { busy: number; total: number }): number | undefined {
  if (!before || !after || after.total === before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}

// ---- load ------------------------------------------------------------------

interface Counters {
  child: ChildStats;
  machine?: { busy: number; total: number };
  driverCpuUs: number;
  jwks: number;
  dbCpu?: Map<number, number>;
}

interface LevelResult {
  concurrency: number;
  launches: number;
  errors: number;
  firstErrors: string[];
  seconds: number;
  p50: number;
  p99: number;
  toolCpuMs: number;
  /** The kernel's share of toolCpuMs (socket writes and reads, mostly). */
  toolSysMs: number;
  driverCpuMs: number;
  dbCpuMs?: number;
  sql: number;
  sqlByStatement: Record<string, number>;
  jwks: number;
  rssMb: number;
  /** Share of all the machine's cores busy during the run (every process). */
  machineBusy?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

interface Browser {
  user: VirtualUser;
  /** This virtual user's launch: its own platform user. */
  input: LaunchInput;
}

async function drive(
  browsers: Browser[],
  tool: ToolInfo,
  maxLaunches: number,
  maxMs: number,
): Promise<{ latencies: number[]; errors: number; firstErrors: string[]; ms: number }> {
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  await Promise.all(
    browsers.map(async ({ user, input }) => {
      while (started < maxLaunches && performance.now() < deadline) {
        started++;
        const s = performance.now();
        try {
          await user.launch(tool, input);
          latencies.push(performance.now() - s);
        } catch (err) {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(err instanceof LaunchError ? err.message : String(err));
        }
      }
    }),
  );
  return { latencies, errors, firstErrors, ms: performance.now() - t0 };
}

async function counters(proc: ToolProcess, platform: DevPlatform, embedded: boolean): Promise<Counters> {
  const cpu = process.cpuUsage();
  return {
    child: await proc.stats(),
    driverCpuUs: cpu.user + cpu.system,
    jwks: platform.jwksRequests,
    dbCpu: embedded ? postgresCpu() : undefined,
    machine: machineCpu(),
  };
}

function diffStatements(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [shape, n] of Object.entries(after)) {
    const d = n - (before[shape] ?? 0);
    if (d > 0) out[shape] = d;
  }
  return out;
}

/** What every launch sends to the tool's login, whoever launches. */
type PlatformInput = Omit<LaunchInput, 'loginHint' | 'expect'>;

async function runLevel(
  proc: ToolProcess,
  platform: DevPlatform,
  base: PlatformInput,
  concurrency: number,
  embedded: boolean,
  hooks: { beforeMeasure?: () => Promise<void>; afterMeasure?: () => Promise<void> } = {},
): Promise<LevelResult> {
  const browsers: Browser[] = Array.from({ length: concurrency }, (_, i) => {
    const loginHint = benchLoginHint(i + 1);
    return { user: new VirtualUser(options.keepCookies), input: { ...base, loginHint, expect: benchPersona(loginHint).name } };
  });
  try {
    if (options.warmup > 0) {
      const warm = await drive(browsers, proc.tool, options.warmup, Math.max(options.seconds, 10) * 1000);
      if (warm.errors > 0) {
        throw new Error(`${proc.name}: ${warm.errors} launches failed during warm-up at concurrency ${concurrency}:\n  ${warm.firstErrors.join('\n  ')}`);
      }
    }
    await hooks.beforeMeasure?.();
    const before = await counters(proc, platform, embedded);
    const run = await drive(browsers, proc.tool, options.launches, options.seconds * 1000);
    const after = await counters(proc, platform, embedded);
    await hooks.afterMeasure?.();

    const n = run.latencies.length;
    const sorted = [...run.latencies].sort((a, b) => a - b);
    const per = (x: number) => (n > 0 ? x / n : NaN);
    const dbCpu = postgresCpuDelta(before.dbCpu, after.dbCpu);
    return {
      concurrency,
      launches: n,
      errors: run.errors,
      firstErrors: run.firstErrors,
      seconds: run.ms / 1000,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      toolCpuMs: per((after.child.cpuUserUs + after.child.cpuSystemUs - before.child.cpuUserUs - before.child.cpuSystemUs) / 1000),
      toolSysMs: per((after.child.cpuSystemUs - before.child.cpuSystemUs) / 1000),
      driverCpuMs: per((after.driverCpuUs - before.driverCpuUs) / 1000),
      dbCpuMs: dbCpu === undefined ? undefined : per(dbCpu),
      sql: per(after.child.sql.total - before.child.sql.total),
      sqlByStatement: diffStatements(before.child.sql.byStatement, after.child.sql.byStatement),
      jwks: after.jwks - before.jwks,
      rssMb: after.child.rssBytes / 1024 / 1024,
      machineBusy: busyShare(before.machine, after.machine),
    };
  } finally {
    for (const { user } of browsers) user.close();
  }
}

// ---- output ----------------------------------------------------------------

const COLUMNS = [
  ['conc', 4],
  ['launches', 8],
  ['secs', 5],
  ['launch/s', 8],
  ['p50 ms', 7],
  ['p99 ms', 7],
  ['tool CPU ms/launch', 18],
  ['of which sys', 12],
  ['tool CPU %', 10],
  ['SQL/launch', 10],
  ['DB CPU ms/launch', 16],
  ['driver CPU ms/launch', 20],
  ['JWKS fetches', 12],
  ['errors', 6],
  ['RSS MB', 6],
  ['box CPU %', 9],
  ['other CPU %', 11],
] as const;

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
}

/**
 * Share of all cores busy with something else than the tool, PostgreSQL and the
 * load generator during a run (other programs, or kernel work no process was
 * charged for): above a few percent, the run was disturbed.
 */
function otherLoad(r: LevelResult): number | undefined {
  if (r.machineBusy === undefined || r.dbCpuMs === undefined) return undefined;
  const accounted = ((r.toolCpuMs + r.dbCpuMs + r.driverCpuMs) * r.launches) / (r.seconds * 1000 * os.cpus().length);
  return Math.max(0, r.machineBusy - accounted);
}

function table(results: LevelResult[]): string {
  const head = COLUMNS.map(([label, width]) => label.padStart(width)).join('  ');
  const rows = results.map((r) =>
    [
      String(r.concurrency),
      String(r.launches),
      fmt(r.seconds, 1),
      fmt(r.launches / r.seconds, 1),
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      fmt(r.toolCpuMs, 3),
      fmt(r.toolSysMs, 3),
      `${fmt((r.toolCpuMs * r.launches) / (r.seconds * 10), 0)}%`,
      fmt(r.sql, 2),
      fmt(r.dbCpuMs, 3),
      fmt(r.driverCpuMs, 3),
      String(r.jwks),
      String(r.errors),
      fmt(r.rssMb, 0),
      r.machineBusy === undefined ? 'n/a' : `${(r.machineBusy * 100).toFixed(0)}%`,
      otherLoad(r) === undefined ? 'n/a' : `${(otherLoad(r)! * 100).toFixed(0)}%`,
    ]
      .map((cell, i) => cell.padStart(COLUMNS[i][1]))
      .join('  '),
  );
  return ['  ' + head, ...rows.map((r) => '  ' + r)].join('\n');
}

function statementList(results: LevelResult[]): string {
  const launches = results.reduce((n, r) => n + r.launches, 0);
  const totals = new Map<string, number>();
  for (const r of results) for (const [shape, n] of Object.entries(r.sqlByStatement)) totals.set(shape, (totals.get(shape) ?? 0) + n);
  const lines = [...totals]
    .sort((a, b) => b[1] - a[1])
    .map(([shape, n]) => `  ${(n / launches).toFixed(2).padStart(6)}  ${shape}`);
  return lines.length ? lines.join('\n') : '  (none)';
}

interface ToolRun {
  label: string;
  results: LevelResult[];
  jwksTotal: number;
}

function printRun(run: ToolRun): void {
  console.log(`\n${run.label}`);
  console.log(table(run.results));
  const disturbed = run.results.filter((r) => (otherLoad(r) ?? 0) > 0.1).map((r) => r.concurrency);
  if (disturbed.length > 0) {
    console.log(`  WARNING: other work used more than 10% of the machine during concurrency ${disturbed.join(', ')}: those figures are skewed`);
  }
  console.log(`\n  SQL statements per launch, by statement (all measured launches, literals as ?):`);
  console.log(statementList(run.results));
  console.log(`\n  JWKS requests the platform served while this tool ran (warm-ups included): ${run.jwksTotal}`);
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a';
}

// ---- ltijs -----------------------------------------------------------------

async function ensureLtijs(): Promise<void> {
  const installed = ['ltijs', 'ltijs-sequelize', 'pg', 'sequelize'].every((p) =>
    fs.existsSync(path.join(LTIJS_DIR, 'node_modules', p, 'package.json')),
  );
  if (installed) return;
  console.error(`Installing ltijs and ltijs-sequelize into ${path.relative(ROOT, LTIJS_DIR)}/node_modules (first run only)…`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const npm = spawn('npm', ['install', '--prefix', LTIJS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    npm.on('error', reject);
    npm.on('exit', resolve);
  });
  if (code !== 0) {
    throw new Error(`npm install --prefix ${path.relative(ROOT, LTIJS_DIR)} failed (exit ${code}): ltijs cannot be run, so there is nothing to compare.`);
  }
}

async function createLtijsDatabase(url: string): Promise<string> {
  const name = 'ltijs_bench';
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const ltijsUrl = new URL(url);
  ltijsUrl.pathname = `/${name}`;
  return ltijsUrl.toString();
}

// ---- main --------------------------------------------------------------------

async function measureTool(
  label: string,
  proc: ToolProcess,
  platform: DevPlatform,
  input: PlatformInput,
  embedded: boolean,
  profileFile?: string,
): Promise<ToolRun> {
  const jwksStart = platform.jwksRequests;
  if (options.prewarm > 0) {
    process.stderr.write(`  ${proc.name}: pre-warm (${options.prewarm} launches)…\n`);
    const browsers: Browser[] = Array.from({ length: 4 }, (_, i) => {
      const loginHint = benchLoginHint(i + 1);
      return { user: new VirtualUser(options.keepCookies), input: { ...input, loginHint, expect: benchPersona(loginHint).name } };
    });
    try {
      const warm = await drive(browsers, proc.tool, options.prewarm, 60_000);
      if (warm.errors > 0) throw new Error(`${proc.name}: ${warm.errors} launches failed during the pre-warm:\n  ${warm.firstErrors.join('\n  ')}`);
    } finally {
      for (const { user } of browsers) user.close();
    }
  }
  const results: LevelResult[] = [];
  for (const [i, concurrency] of options.concurrency.entries()) {
    process.stderr.write(`  ${proc.name}: concurrency ${concurrency}…`);
    const first = i === 0;
    const last = i === options.concurrency.length - 1;
    const result = await runLevel(proc, platform, input, concurrency, embedded, {
      beforeMeasure: profileFile && first ? async () => void (await proc.call({ type: 'profile-start' })) : undefined,
      afterMeasure: profileFile && last ? async () => void (await proc.call({ type: 'profile-stop', file: profileFile })) : undefined,
    });
    process.stderr.write(` ${(result.launches / result.seconds).toFixed(0)} launches/s\n`);
    results.push(result);
  }
  return { label, results, jwksTotal: platform.jwksRequests - jwksStart };
}

async function main(): Promise<number> {
  const started = Date.now();
  if (options.compare) await ensureLtijs();
  // Other work on the machine skews every figure: measure it before starting.
  const idleBefore = machineCpu();
  await new Promise((r) => setTimeout(r, 2000));
  const background = busyShare(idleBefore, machineCpu());

  let database: Database | undefined;
  let platform: DevPlatform | undefined;
  try {
    process.stderr.write('Starting PostgreSQL and the platform…\n');
    database = await startDatabase({ fast: true });
    platform = await DevPlatform.start({ name: 'Bench platform', personaFor: benchPersona });
    const input: PlatformInput = { issuer: platform.issuer, clientId: platform.clientId, deploymentId: platform.deploymentId };
    const childPlatform = { ...platform.registration(), deploymentId: platform.deploymentId };

    const profileFile = options.profile ? path.join(os.tmpdir(), `express-lti-bench-${Date.now()}.cpuprofile`) : undefined;
    const ours = await startTool('express-lti', options.app, { databaseUrl: database.url, platform: childPlatform });
    let oursRun: ToolRun;
    try {
      const oursLabel = process.env.BENCH_APP
        ? `express-lti as mounted by ${path.relative(ROOT, options.app)} (BENCH_APP)`
        : 'express-lti (ltiLogin + ltiLaunch on express-session/connect-pg-simple, knex store)';
      oursRun = await measureTool(oursLabel, ours, platform, input, database.embedded, profileFile);
    } finally {
      await ours.stop();
    }

    let floorRun: ToolRun | undefined;
    if (options.floor) {
      const floor = await startTool('floor', 'app-floor.ts', { databaseUrl: database.url, platform: childPlatform });
      try {
        floorRun = await measureTool('floor: bare node:http + pg Pool, same exchanges and statement count, no framework, no checks (a yardstick, not a tool)', floor, platform, input, database.embedded);
      } finally {
        await floor.stop();
      }
    }

    let ltijsRun: ToolRun | undefined;
    let ltijsFailure: string | undefined;
    if (options.compare) {
      // A failure here still reports express-lti's figures, then says why ltijs has none.
      try {
        const ltijsUrl = await createLtijsDatabase(database.url);
        const ltijs = await startTool('ltijs', 'app-ltijs.ts', { databaseUrl: ltijsUrl, platform: childPlatform });
        try {
          ltijsRun = await measureTool('ltijs 5.9.9 + ltijs-sequelize 2.4.4 (PostgreSQL)', ltijs, platform, input, database.embedded);
        } finally {
          await ltijs.stop();
        }
      } catch (err) {
        ltijsFailure = err instanceof Error ? err.message : String(err);
      }
    }

    // ---- report ----
    const cookies = options.keepCookies ? 'returning browser (cookie jar kept between launches)' : 'fresh browser per launch (empty cookie jar)';
    console.log(`express-lti launch benchmark — ${new Date().toISOString()}`);
    console.log(
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ` +
        `PostgreSQL ${database.embedded ? 'embedded (fsync off)' : 'from DATABASE_URL'}, everything on 127.0.0.1`,
    );
    if (background !== undefined) {
      const note = background > 0.1 ? ' — WARNING: the machine was busy with other work; the figures are skewed' : '';
      console.log(`other load before the run: ${(background * 100).toFixed(0)}% of all cores${note}`);
    }
    console.log(
      `per tool: pre-warm ${options.prewarm} launches at concurrency 4; per concurrency: warm-up ${options.warmup} launches, then ${options.launches} launches or ${options.seconds} s, whichever first; ${cookies}`,
    );
    console.log('a launch = GET login → 302 → GET platform /auth (auto-post form) → POST id_token+state → [redirects] → 200 launched page');
    printRun(oursRun);
    if (floorRun) {
      printRun(floorRun);
      console.log('\n  express-lti above the floor (tool CPU ms per launch):');
      for (const [i, o] of oursRun.results.entries()) {
        const f = floorRun.results[i];
        console.log(`    concurrency ${String(o.concurrency).padStart(2)}: ${o.toolCpuMs.toFixed(3)} − ${f.toolCpuMs.toFixed(3)} = ${(o.toolCpuMs - f.toolCpuMs).toFixed(3)} ms`);
      }
    }
    if (ltijsRun) {
      printRun(ltijsRun);
      console.log('\nexpress-lti / ltijs');
      console.log(`  ${'conc'.padStart(4)}  ${'launches/s'.padStart(10)}  ${'p99 latency'.padStart(11)}  ${'tool CPU/launch'.padStart(15)}  ${'SQL/launch'.padStart(10)}`);
      for (const [i, o] of oursRun.results.entries()) {
        const l = ltijsRun.results[i];
        console.log(
          `  ${String(o.concurrency).padStart(4)}  ${ratio(o.launches / o.seconds, l.launches / l.seconds).padStart(10)}  ${ratio(o.p99, l.p99).padStart(11)}  ` +
            `${ratio(o.toolCpuMs, l.toolCpuMs).padStart(15)}  ${ratio(o.sql, l.sql).padStart(10)}`,
        );
      }
    }

    // ---- targets ----
    const at32 = oursRun.results.find((r) => r.concurrency === 32);
    const worstCpu = Math.max(...oursRun.results.map((r) => r.toolCpuMs));
    const worstSql = Math.max(...oursRun.results.map((r) => r.sql));
    const mark = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    console.log('\ntargets (express-lti):');
    if (at32) {
      if (ltijsRun) {
        const l32 = ltijsRun.results.find((r) => r.concurrency === 32)!;
        const x = at32.launches / at32.seconds / (l32.launches / l32.seconds);
        console.log(`  concurrency 32: ≥ 6× ltijs launches/s ........ ${x.toFixed(2)}× — ${mark(x >= 6)}`);
      } else {
        console.log('  concurrency 32: ≥ 6× ltijs launches/s ........ (run npm run bench:compare)');
      }
      console.log(`  concurrency 32: p99 < 50 ms ................... ${at32.p99.toFixed(1)} ms — ${mark(at32.p99 < 50)}`);
    } else {
      console.log('  concurrency 32 was not run (BENCH_CONCURRENCY): the throughput and p99 targets are not checked');
    }
    console.log(`  tool CPU ≤ 0.6 ms per launch (worst level) .... ${worstCpu.toFixed(3)} ms — ${mark(worstCpu <= 0.6)}`);
    console.log(`  ≤ 7 SQL statements per launch (worst level) ... ${worstSql.toFixed(2)} — ${mark(worstSql <= 7)}`);

    if (profileFile) {
      const launches = oursRun.results.reduce((n, r) => n + r.launches, 0);
      const warmups = options.warmup * (options.concurrency.length - 1);
      console.log(`\nCPU profile of the express-lti process (measured runs, ${warmups} warm-up launches between them included): ${profileFile}`);
      console.log('(the profiler itself slows the process: the CPU figures above are inflated in a BENCH_PROFILE run)');
      console.log(formatProfileSummary(summariseProfile(profileFile, 30), launches + warmups));
    }

    if (ltijsFailure !== undefined) {
      console.error(`\nltijs could not be benchmarked, so there is no comparison:\n${ltijsFailure}`);
      return 1;
    }
    const failed = [oursRun, floorRun, ltijsRun].flatMap((run) => (run ? run.results.filter((r) => r.errors > 0).map((r) => ({ run, r })) : []));
    console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (failed.length > 0) {
      for (const { run, r } of failed) {
        console.error(`\n${run.label}: ${r.errors} failed launches at concurrency ${r.concurrency}, e.g.:\n  ${r.firstErrors.join('\n  ')}`);
      }
      return 1;
    }
    return 0;
  } finally {
    for (const proc of running) proc.kill();
    await platform?.close();
    await database?.stop();
  }
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${HARD_LIMIT_MS / 60_000} minutes; giving up.`);
  for (const proc of running) proc.kill();
  process.exit(2);
}, HARD_LIMIT_MS);
watchdog.unref();

process.on('SIGINT', () => {
  for (const proc of running) proc.kill();
  // The database's folder is removed by the next run (dev/database.ts cleans up stale servers).
  process.exit(130);
});

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    for (const proc of running) proc.kill();
    console.error(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
