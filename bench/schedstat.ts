/**
 * CPU counters of the machine, read from Linux /proc: the scheduler's own
 * nanosecond counts per thread (`/proc/PID/task/TID/schedstat`: time on a CPU,
 * time waiting on a run queue), the PostgreSQL server's processes, and the
 * whole machine (`/proc/stat`). Elsewhere than Linux every reading is undefined.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Scheduler time of a set of threads, in ms, by thread (or process) id. */
export type SchedMap = Map<number, { cpuMs: number; waitMs: number }>;

function readSched(file: string): { cpuMs: number; waitMs: number } | undefined {
  try {
    // "on-CPU ns, run-queue wait ns, time slices"
    const [cpu, wait] = fs.readFileSync(file, 'utf8').trim().split(' ').map(Number);
    return { cpuMs: cpu / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined; // gone meanwhile, or no schedstat in this kernel
  }
}

/** Every thread of one process (main thread, libuv pool, V8 compiler and GC threads). */
export function processSched(pid: number): SchedMap | undefined {
  if (process.platform !== 'linux') return undefined;
  const map: SchedMap = new Map();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    const s = readSched(`/proc/${pid}/task/${tid}/schedstat`);
    if (s) map.set(Number(tid), s);
  }
  return map;
}

/**
 * Pids of one PostgreSQL server: its postmaster (the first line of
 * data/postmaster.pid) and the postmaster's children (backends and background
 * workers). Other servers on the machine (other test runs) are not counted.
 */
function serverPids(postmaster: number): number[] {
  const pids: number[] = [postmaster];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "(comm)": state, then ppid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The postmaster's pid of the embedded server whose folder is `dir`. */
export function postmasterPid(dir: string | undefined): number | undefined {
  if (!dir) return undefined;
  try {
    return Number(fs.readFileSync(`${dir}/data/postmaster.pid`, 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** Scheduler time of every process of one PostgreSQL server, by pid (each is single-threaded). */
export function postgresSched(postmaster: number | undefined): SchedMap | undefined {
  if (process.platform !== 'linux' || postmaster === undefined) return undefined;
  const map: SchedMap = new Map();
  for (const pid of serverPids(postmaster)) {
    const s = readSched(`/proc/${pid}/schedstat`);
    if (s) map.set(pid, s);
  }
  return map;
}

/**
 * What the threads spent between two readings. A thread that exited meanwhile
 * takes its share with it (the pools keep their connections, so this is rare).
 */
export function schedDelta(before: SchedMap | undefined, after: SchedMap | undefined): { cpuMs: number; waitMs: number } | undefined {
  if (!before || !after) return undefined;
  let cpuMs = 0;
  let waitMs = 0;
  for (const [id, now] of after) {
    const then = before.get(id);
    cpuMs += now.cpuMs - (then?.cpuMs ?? 0);
    waitMs += now.waitMs - (then?.waitMs ?? 0);
  }
  return { cpuMs, waitMs };
}

/** Busy and total ms of all cores together (/proc/stat; steal counts as busy). */
export interface MachineCpu {
  busyMs: number;
  totalMs: number;
}

export function machineCpu(): MachineCpu | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    const toMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;
    return { busyMs: toMs(busy), totalMs: toMs(busy + idle + iowait) };
  } catch {
    return undefined;
  }
}

/** Share of all cores busy between two machineCpu() readings. */
export function busyShare(before?: MachineCpu, after?: MachineCpu): number | undefined {
  if (!before || !after || after.totalMs === before.totalMs) return undefined;
  return (after.busyMs - before.busyMs) / (after.totalMs - before.totalMs);
}
