/**
 * A/B of two app files in ONE run, interleaved: `npx tsx bench/ab.ts A.ts B.ts`.
 * Both tools run side by side (the idle one waits), are pre-warmed alike, then
 * measured level by level in alternating order (A B, B A, A B, …), so slow
 * changes of the machine's load hit both sides. Prints each pair's ratios B/A
 * and their medians. Knobs: BENCH_AB_ROUNDS (4), and those of bench/run.ts
 * (BENCH_CONCURRENCY, BENCH_PREWARM, BENCH_LAUNCHES, BENCH_SECONDS, BENCH_SOCKET, …).
 * An env value for one side only: BENCH_A_ENV / BENCH_B_ENV, e.g. "BENCH_POOL_MAX=4".
 */
import os from 'node:os';
import path from 'node:path';
import { startDatabase, type Database } from '../dev/database';
import { DevPlatform } from '../dev/platform';
import { prewarm, runLevel, type LevelResult, type PlatformInput } from './levels';
import { options } from './options';
import { benchPersona } from './platform-users';
import { killAll, startTool, type ToolProcess } from './processes';
import { fmt } from './report';
import { postmasterPid } from './schedstat';

const [fileA, fileB] = process.argv.slice(2).map((f) => path.resolve(f));
if (!fileA || !fileB) {
  console.error('usage: npx tsx bench/ab.ts A-app.ts B-app.ts');
  process.exit(1);
}
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 4);

function sideEnv(name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (process.env[name] ?? '').split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const rate = (r: LevelResult) => r.launches / r.seconds;
const METRICS: Array<[string, (r: LevelResult) => number | undefined]> = [
  ['launch/s', rate],
  ['p99', (r) => r.p99],
  ['tool CPU', (r) => r.toolCpuMs],
  ['tool wait', (r) => r.toolWaitMs],
  ['DB CPU', (r) => r.dbCpuMs],
  ['box CPU', (r) => r.boxCpuMs],
];

async function main(): Promise<void> {
  let database: Database | undefined;
  let platform: DevPlatform | undefined;
  try {
    database = await startDatabase({ fast: true, unixSocket: true });
    platform = await DevPlatform.start({ name: 'Bench platform', personaFor: benchPersona });
    const input: PlatformInput = { issuer: platform.issuer, clientId: platform.clientId, deploymentId: platform.deploymentId };
    const platformConfig = { ...platform.registration(), deploymentId: platform.deploymentId };
    // BENCH_SOCKET=1 for both sides, or in BENCH_A_ENV / BENCH_B_ENV for one.
    const start = async (name: string, file: string, envName: string): Promise<ToolProcess> => {
      const saved = { ...process.env };
      const env = sideEnv(envName);
      Object.assign(process.env, env);
      const socket = options.socket || env.BENCH_SOCKET === '1';
      try {
        return await startTool(name, file, { databaseUrl: socket ? database!.socketUrl! : database!.url, platform: platformConfig });
      } finally {
        process.env = saved;
      }
    };
    const a = await start('A', fileA, 'BENCH_A_ENV');
    const b = await start('B', fileB, 'BENCH_B_ENV');
    await prewarm(a, input);
    await prewarm(b, input);
    const results: Record<string, Record<number, LevelResult[]>> = { A: {}, B: {} };
    for (let round = 1; round <= rounds; round++) {
      for (const c of options.concurrency) {
        for (const proc of round % 2 ? [a, b] : [b, a]) {
          process.stderr.write(`  round ${round}, c=${c}, ${proc.name}…`);
          const r = await runLevel(proc, platform, input, c, postmasterPid(database.dir));
          if (r.errors > 0) throw new Error(`${proc.name}: ${r.errors} failed launches: ${r.firstErrors.join('; ')}`);
          process.stderr.write(` ${rate(r).toFixed(0)}/s, load ${os.loadavg()[0].toFixed(1)}\n`);
          (results[proc.name][c] ??= []).push(r);
        }
      }
    }
    await a.stop();
    await b.stop();

    console.log(`A/B ${new Date().toISOString()}: A = ${path.relative(process.cwd(), fileA)} ${process.env.BENCH_A_ENV ?? ''}`);
    console.log(`                          B = ${path.relative(process.cwd(), fileB)} ${process.env.BENCH_B_ENV ?? ''}`);
    console.log(`${rounds} rounds, alternating order; ${options.launches} launches or ${options.seconds} s per level; pre-warm ${options.prewarm}; SQL over ${options.socket ? 'a Unix socket' : 'TCP unless a side says BENCH_SOCKET=1'}`);
    for (const c of options.concurrency) {
      console.log(`\nconcurrency ${c}   (A → B per round; CPU and wait in ms per launch)`);
      console.log(`  ${'round'.padEnd(6)}${METRICS.map(([m]) => m.padStart(26)).join('')}${'other %'.padStart(12)}`);
      const ratios = METRICS.map(() => [] as number[]);
      results.A[c].forEach((ra, i) => {
        const rb = results.B[c][i];
        const cells = METRICS.map(([, f], k) => {
          const x = f(ra);
          const y = f(rb);
          if (x !== undefined && y !== undefined && x > 0) ratios[k].push(y / x);
          return `${fmt(x, x !== undefined && x > 50 ? 0 : 3)} → ${fmt(y, y !== undefined && y > 50 ? 0 : 3)}`.padStart(26);
        });
        const other = (r: LevelResult) => (r.machineBusy === undefined ? 'n/a' : `${Math.round(100 * Math.max(0, r.machineBusy - ((r.toolCpuMs + (r.dbCpuMs ?? 0) + r.driverCpuMs) * r.launches) / (r.seconds * 1000 * os.cpus().length)))}`);
        console.log(`  ${String(i + 1).padEnd(6)}${cells.join('')}${`${other(ra)}→${other(rb)}`.padStart(12)}`);
      });
      console.log(`  ${'B/A'.padEnd(6)}${ratios.map((r) => `median ${fmt(median(r), 2)}× [${fmt(Math.min(...r), 2)}–${fmt(Math.max(...r), 2)}]`.padStart(26)).join('')}`);
      const sql = (s: 'A' | 'B') => results[s][c].reduce((n, r) => n + r.sql, 0) / results[s][c].length;
      console.log(`  SQL per launch: A ${sql('A').toFixed(2)}, B ${sql('B').toFixed(2)}`);
    }
  } finally {
    killAll();
    await platform?.close();
    await database?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    killAll();
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
