/** The benchmark's printed report: one table per tool, ratios, targets. */
import os from 'node:os';
import type { LevelResult, ToolRun } from './levels';

const COLUMNS = [
  ['conc', 4],
  ['launches', 8],
  ['secs', 5],
  ['launch/s', 8],
  ['p50 ms', 7],
  ['p99 ms', 7],
  ['tool CPU', 8],
  ['sys', 5],
  ['tool wait', 9],
  ['tool CPU %', 10],
  ['SQL', 5],
  ['DB CPU', 6],
  ['DB wait', 7],
  ['driver CPU', 10],
  ['box CPU', 7],
  ['JWKS', 4],
  ['errors', 6],
  ['RSS MB', 6],
  ['box %', 5],
  ['other %', 7],
] as const;

export function fmt(x: number | undefined, digits: number): string {
  return x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
}

const rate = (r: LevelResult) => r.launches / r.seconds;

/**
 * Share of all cores busy with something else than the tool, PostgreSQL and the
 * load generator during a level (other programs, or kernel work no process was
 * charged for): above a few percent, the level was disturbed.
 */
function otherLoad(r: LevelResult): number | undefined {
  if (r.boxCpuMs === undefined || r.dbCpuMs === undefined) return undefined;
  const other = r.boxCpuMs - r.toolCpuMs - r.dbCpuMs - r.driverCpuMs;
  return Math.max(0, (other * r.launches) / (r.seconds * 1000 * os.cpus().length));
}

function pct(x: number | undefined): string {
  return x === undefined ? 'n/a' : `${(x * 100).toFixed(0)}%`;
}

function table(results: LevelResult[]): string {
  const head = COLUMNS.map(([label, width]) => label.padStart(width)).join('  ');
  const rows = results.map((r) =>
    [
      String(r.concurrency),
      String(r.launches),
      fmt(r.seconds, 1),
      fmt(rate(r), 1),
      fmt(r.p50, 1),
      fmt(r.p99, 1),
      fmt(r.toolCpuMs, 3),
      fmt(r.toolSysMs, 2),
      fmt(r.toolWaitMs, 3),
      pct((r.toolCpuMs * r.launches) / (r.seconds * 1000)),
      fmt(r.sql, 2),
      fmt(r.dbCpuMs, 3),
      fmt(r.dbWaitMs, 3),
      fmt(r.driverCpuMs, 3),
      fmt(r.boxCpuMs, 3),
      String(r.jwks),
      String(r.errors),
      fmt(r.rssMb, 0),
      pct(r.machineBusy),
      pct(otherLoad(r)),
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

export function printRun(run: ToolRun): void {
  console.log(`\n${run.label}`);
  if (run.prewarmCpu.length > 0) {
    console.log(`  pre-warm, tool CPU ms/launch per ${2000} launches: ${run.prewarmCpu.map((x) => x.toFixed(2)).join(', ')}`);
  }
  console.log('  (CPU and wait columns: ms per launch; wait = runnable but waiting for a core, from schedstat)');
  console.log(table(run.results));
  const disturbed = run.results.filter((r) => (otherLoad(r) ?? 0) > 0.1).map((r) => r.concurrency);
  if (disturbed.length > 0) {
    console.log(`  WARNING: other work used more than 10% of the machine during concurrency ${disturbed.join(', ')}: those figures are skewed`);
  }
  console.log(`\n  SQL statements per launch, by statement (all measured launches, literals as ?):`);
  console.log(statementList(run.results));
  console.log(`\n  JWKS requests the platform served while this tool ran (warm-ups included): ${run.jwksTotal}`);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined) return 'n/a';
  return Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a';
}

/** express-lti / another tool, level by level (same run). */
export function printRatios(title: string, ours: ToolRun, other: ToolRun): void {
  const cols = ['conc', 'launches/s', 'p99', 'tool CPU', 'DB CPU', 'box CPU', 'SQL'];
  console.log(`\n${title} (per launch; same run)`);
  console.log('  ' + cols.map((c, i) => c.padStart(i === 0 ? 4 : 10)).join('  '));
  for (const o of ours.results) {
    const x = other.results.find((r) => r.concurrency === o.concurrency);
    if (!x) continue;
    const cells = [
      ratio(rate(o), rate(x)),
      ratio(o.p99, x.p99),
      ratio(o.toolCpuMs, x.toolCpuMs),
      ratio(o.dbCpuMs, x.dbCpuMs),
      ratio(o.boxCpuMs, x.boxCpuMs),
      ratio(o.sql, x.sql),
    ];
    console.log(`  ${String(o.concurrency).padStart(4)}  ${cells.map((c) => c.padStart(10)).join('  ')}`);
  }
}

/** Issue 12's targets, checked on the levels of this run. */
export function printTargets(ours: ToolRun, floor: ToolRun | undefined, ltijs: ToolRun | undefined, freshBrowser: boolean): void {
  const mark = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT MET');
  const at = (run: ToolRun | undefined, c: number) => run?.results.find((r) => r.concurrency === c);
  const o32 = at(ours, 32);
  const f32 = at(floor, 32);
  const l32 = at(ltijs, 32);
  const line = (what: string, value: string, ok: boolean | undefined) => console.log(`  ${what.padEnd(46, '.')} ${value} — ${mark(ok)}`);
  const r = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a / b : undefined);
  console.log('\ntargets (express-lti; ratios from this run):');
  const vsFloor = o32 && f32 ? r(rate(o32), rate(f32)) : undefined;
  line('c=32: ≥ 0.7× the floor launches/s ', vsFloor === undefined ? '(needs c=32, BENCH_FLOOR=1)' : `${vsFloor.toFixed(2)}×`, vsFloor === undefined ? undefined : vsFloor >= 0.7);
  const vsLtijs = o32 && l32 ? r(rate(o32), rate(l32)) : undefined;
  line('c=32: ≥ 4× ltijs launches/s ', vsLtijs === undefined ? '(needs c=32, bench:compare)' : `${vsLtijs.toFixed(2)}×`, vsLtijs === undefined ? undefined : vsLtijs >= 4);
  const cpu = o32 && l32 ? r(o32.toolCpuMs, l32.toolCpuMs) : undefined;
  line('c=32: tool CPU ≤ 0.2× ltijs ', cpu === undefined ? '(needs c=32, bench:compare)' : `${cpu.toFixed(2)}×`, cpu === undefined ? undefined : cpu <= 0.2);
  const db = o32 && f32 ? r(o32.dbCpuMs, f32.dbCpuMs) : undefined;
  line('c=32: DB CPU ≤ 1.5× the floor ', db === undefined ? '(needs c=32, BENCH_FLOOR=1, embedded)' : `${db.toFixed(2)}×`, db === undefined ? undefined : db <= 1.5);
  if (ltijs) {
    const worse = ours.results.filter((o) => o.p99 >= (at(ltijs, o.concurrency)?.p99 ?? Infinity)).map((o) => o.concurrency);
    line('p99 below ltijs at every level ', worse.length ? `not at c=${worse.join(',')}` : 'yes', worse.length === 0);
  } else {
    line('p99 below ltijs at every level ', '(bench:compare)', undefined);
  }
  const sql = Math.max(...ours.results.map((x) => x.sql));
  if (freshBrowser) line('≤ 5 SQL per launch, fresh browser (worst level) ', sql.toFixed(2), sql <= 5);
  else console.log(`  SQL per launch, returning browser (worst level): ${sql.toFixed(2)}`);
}
