/**
 * Load and measurement: virtual users drive complete launches at one
 * concurrency, and every counter (tool, PostgreSQL, load generator, machine)
 * is read right before and after the measured launches.
 */
import type { DevPlatform } from '../dev/platform';
import { LaunchError, VirtualUser, type LaunchInput } from './browser';
import type { ChildStats, ToolInfo } from './child';
import { options } from './options';
import { benchLoginHint, benchPersona } from './platform-users';
import type { ToolProcess } from './processes';
import { busyShare, machineCpu, postgresSched, processSched, schedDelta, type MachineCpu, type SchedMap } from './schedstat';

/** What every launch sends to the tool's login, whoever launches. */
export type PlatformInput = Omit<LaunchInput, 'loginHint' | 'expect'>;

interface Counters {
  child: ChildStats;
  toolSched?: SchedMap;
  dbSched?: SchedMap;
  machine?: MachineCpu;
  driverCpuUs: number;
  jwks: number;
}

export interface LevelResult {
  concurrency: number;
  launches: number;
  errors: number;
  firstErrors: string[];
  seconds: number;
  p50: number;
  p99: number;
  /** process.cpuUsage() of the tool, per launch. */
  toolCpuMs: number;
  /** The kernel's share of toolCpuMs. */
  toolSysMs: number;
  /** Time the tool's threads spent runnable but waiting for a core (schedstat), per launch. */
  toolWaitMs?: number;
  driverCpuMs: number;
  /** On-CPU time of the PostgreSQL server's processes (schedstat), per launch; embedded server only. */
  dbCpuMs?: number;
  dbWaitMs?: number;
  /** Busy time of all cores (/proc/stat), every process, per launch. */
  boxCpuMs?: number;
  sql: number;
  sqlByStatement: Record<string, number>;
  jwks: number;
  rssMb: number;
  /** Share of all the machine's cores busy during the level (every process). */
  machineBusy?: number;
}

export interface ToolRun {
  label: string;
  results: LevelResult[];
  jwksTotal: number;
  /** Tool CPU ms per launch over each chunk of the pre-warm: shows whether it settled. */
  prewarmCpu: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

interface Browser {
  user: VirtualUser;
  input: LaunchInput;
}

function browsers(base: PlatformInput, n: number): Browser[] {
  return Array.from({ length: n }, (_, i) => {
    const loginHint = benchLoginHint(i + 1);
    return { user: new VirtualUser(options.keepCookies), input: { ...base, loginHint, expect: benchPersona(loginHint).name } };
  });
}

async function drive(users: Browser[], tool: ToolInfo, maxLaunches: number, maxMs: number) {
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  await Promise.all(
    users.map(async ({ user, input }) => {
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

async function counters(proc: ToolProcess, platform: DevPlatform, postmaster: number | undefined): Promise<Counters> {
  const child = await proc.stats();
  const cpu = process.cpuUsage();
  return {
    child,
    toolSched: processSched(proc.pid),
    dbSched: postgresSched(postmaster),
    machine: machineCpu(),
    driverCpuUs: cpu.user + cpu.system,
    jwks: platform.jwksRequests,
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

function failIfErrors(name: string, what: string, run: { errors: number; firstErrors: string[] }): void {
  if (run.errors > 0) throw new Error(`${name}: ${run.errors} launches failed during ${what}:\n  ${run.firstErrors.join('\n  ')}`);
}

export async function runLevel(
  proc: ToolProcess,
  platform: DevPlatform,
  base: PlatformInput,
  concurrency: number,
  postmaster: number | undefined,
  hooks: { beforeMeasure?: () => Promise<void>; afterMeasure?: () => Promise<void> } = {},
): Promise<LevelResult> {
  const users = browsers(base, concurrency);
  try {
    if (options.warmup > 0) {
      const warm = await drive(users, proc.tool, options.warmup, Math.max(options.seconds, 10) * 1000);
      failIfErrors(proc.name, `warm-up at concurrency ${concurrency}`, warm);
    }
    await hooks.beforeMeasure?.();
    const before = await counters(proc, platform, postmaster);
    const run = await drive(users, proc.tool, options.launches, options.seconds * 1000);
    const after = await counters(proc, platform, postmaster);
    await hooks.afterMeasure?.();

    const n = run.latencies.length;
    const sorted = [...run.latencies].sort((a, b) => a - b);
    const per = (x: number | undefined) => (x === undefined ? undefined : n > 0 ? x / n : NaN);
    const tool = schedDelta(before.toolSched, after.toolSched);
    const db = schedDelta(before.dbSched, after.dbSched);
    return {
      concurrency,
      launches: n,
      errors: run.errors,
      firstErrors: run.firstErrors,
      seconds: run.ms / 1000,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      toolCpuMs: per((after.child.cpuUserUs + after.child.cpuSystemUs - before.child.cpuUserUs - before.child.cpuSystemUs) / 1000)!,
      toolSysMs: per((after.child.cpuSystemUs - before.child.cpuSystemUs) / 1000)!,
      toolWaitMs: per(tool?.waitMs),
      driverCpuMs: per((after.driverCpuUs - before.driverCpuUs) / 1000)!,
      dbCpuMs: per(db?.cpuMs),
      dbWaitMs: per(db?.waitMs),
      boxCpuMs: before.machine && after.machine ? per(after.machine.busyMs - before.machine.busyMs) : undefined,
      sql: per(after.child.sql.total - before.child.sql.total)!,
      sqlByStatement: diffStatements(before.child.sql.byStatement, after.child.sql.byStatement),
      jwks: after.jwks - before.jwks,
      rssMb: after.child.rssBytes / 1024 / 1024,
      machineBusy: busyShare(before.machine, after.machine),
    };
  } finally {
    for (const { user } of users) user.close();
  }
}

const PREWARM_CHUNK = 2000;

/** The pre-warm, in chunks, reading the tool's CPU per launch after each (to see it settle). */
export async function prewarm(proc: ToolProcess, base: PlatformInput): Promise<number[]> {
  const perChunk: number[] = [];
  const users = browsers(base, 8);
  try {
    for (let done = 0; done < options.prewarm; done += PREWARM_CHUNK) {
      const n = Math.min(PREWARM_CHUNK, options.prewarm - done);
      process.stderr.write(`  ${proc.name}: pre-warm ${done + n}/${options.prewarm}…`);
      const before = await proc.stats();
      const warm = await drive(users, proc.tool, n, 120_000);
      const after = await proc.stats();
      failIfErrors(proc.name, 'the pre-warm', warm);
      const ms = (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1000 / warm.latencies.length;
      perChunk.push(ms);
      process.stderr.write(` ${ms.toFixed(2)} ms CPU/launch\n`);
    }
  } finally {
    for (const { user } of users) user.close();
  }
  return perChunk;
}

/** Pre-warm one tool, then measure each concurrency level in turn. */
export async function measureTool(
  label: string,
  proc: ToolProcess,
  platform: DevPlatform,
  input: PlatformInput,
  postmaster: number | undefined,
  profileFile?: string,
): Promise<ToolRun> {
  const jwksStart = platform.jwksRequests;
  const prewarmCpu = await prewarm(proc, input);
  const results: LevelResult[] = [];
  for (const [i, concurrency] of options.concurrency.entries()) {
    process.stderr.write(`  ${proc.name}: concurrency ${concurrency}…`);
    const first = i === 0;
    const last = i === options.concurrency.length - 1;
    const result = await runLevel(proc, platform, input, concurrency, postmaster, {
      beforeMeasure: profileFile && first ? async () => void (await proc.call({ type: 'profile-start' })) : undefined,
      afterMeasure: profileFile && last ? async () => void (await proc.call({ type: 'profile-stop', file: profileFile })) : undefined,
    });
    process.stderr.write(` ${(result.launches / result.seconds).toFixed(0)} launches/s\n`);
    results.push(result);
  }
  return { label, results, jwksTotal: platform.jwksRequests - jwksStart, prewarmCpu };
}
