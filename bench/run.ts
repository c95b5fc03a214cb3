/**
 * The launch benchmark. `npm run bench` measures express-lti; `npm run
 * bench:compare` measures express-lti and ltijs in the same run; BENCH_FLOOR=1
 * adds the floor app. Environment knobs: see bench/README.md.
 *
 * Starts PostgreSQL (dev/database.ts) and a DevPlatform, runs each tool in a
 * child process (bench/processes.ts), pre-warms it and drives complete
 * launches at each concurrency (bench/levels.ts), then prints the tables,
 * ratios and targets (bench/report.ts).
 */
import os from 'node:os';
import path from 'node:path';
import { startDatabase, type Database } from '../dev/database';
import { DevPlatform } from '../dev/platform';
import { measureTool, type PlatformInput, type ToolRun } from './levels';
import { createLtijsDatabase, ensureLtijs } from './ltijs-setup';
import { benchPersona } from './platform-users';
import { killAll, startTool } from './processes';
import { formatProfileSummary, summariseProfile } from './profile-summary';
import { HARD_LIMIT_MS, ROOT, options } from './options';
import { printRatios, printRun, printTargets } from './report';
import { busyShare, machineCpu, postmasterPid } from './schedstat';

async function main(): Promise<number> {
  const started = Date.now();
  if (options.compare) await ensureLtijs();
  // Other work on the machine skews every figure: measure it before starting.
  const idleBefore = machineCpu();
  await new Promise((r) => setTimeout(r, 2000));
  const background = busyShare(idleBefore, machineCpu());
  const loadBefore = os.loadavg();

  let database: Database | undefined;
  let platform: DevPlatform | undefined;
  try {
    process.stderr.write('Starting PostgreSQL and the platform…\n');
    database = await startDatabase({ fast: true, unixSocket: options.socket });
    if (options.socket && !database.socketUrl) throw new Error('BENCH_SOCKET=1 needs the embedded server (no DATABASE_URL)');
    platform = await DevPlatform.start({ name: 'Bench platform', personaFor: benchPersona });
    const input: PlatformInput = { issuer: platform.issuer, clientId: platform.clientId, deploymentId: platform.deploymentId };
    const config = { databaseUrl: database.socketUrl ?? database.url, platform: { ...platform.registration(), deploymentId: platform.deploymentId } };
    const embedded = database.embedded;
    const postmaster = postmasterPid(database.dir);

    /** Start a tool, measure it, stop it (even when the measurement fails). */
    const measure = async (label: string, name: string, file: string, profileFile?: string, databaseUrl = config.databaseUrl): Promise<ToolRun> => {
      const proc = await startTool(name, file, { ...config, databaseUrl });
      try {
        return await measureTool(label, proc, platform!, input, postmaster, profileFile);
      } finally {
        await proc.stop();
      }
    };

    const profileFile = options.profile ? path.join(os.tmpdir(), `express-lti-bench-${Date.now()}.cpuprofile`) : undefined;
    const oursLabel = process.env.BENCH_APP
      ? `express-lti as mounted by ${path.relative(ROOT, options.app)} (BENCH_APP)`
      : 'express-lti (ltiLogin + ltiLaunch on express-session/connect-pg-simple, knex store)';
    const oursRun = await measure(oursLabel, 'express-lti', options.app, profileFile);

    const floorRun = options.floor
      ? await measure('floor: bare node:http + pg Pool, the same exchanges and statements, no framework, no checks (a yardstick, not a tool)', 'floor', 'app-floor.ts')
      : undefined;

    let ltijsRun: ToolRun | undefined;
    let ltijsFailure: string | undefined;
    if (options.compare) {
      // A failure here still reports express-lti's figures, then says why ltijs has none.
      try {
        const ltijsUrl = await createLtijsDatabase(database.url);
        ltijsRun = await measure('ltijs 5.9.9 + ltijs-sequelize 2.4.4 (PostgreSQL)', 'ltijs', 'app-ltijs.ts', undefined, ltijsUrl);
      } catch (err) {
        ltijsFailure = err instanceof Error ? err.message : String(err);
      }
    }

    // ---- report ----
    const cookies = options.keepCookies ? 'returning browser (cookie jar kept between launches)' : 'fresh browser per launch (empty cookie jar)';
    console.log(`express-lti launch benchmark — ${new Date().toISOString()}`);
    console.log(
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ` +
        `PostgreSQL ${embedded ? 'embedded (fsync off)' : 'from DATABASE_URL'}, HTTP on 127.0.0.1, SQL over ${options.socket ? 'a Unix socket' : 'TCP on 127.0.0.1'}`,
    );
    if (background !== undefined) {
      const note = background > 0.1 ? ' — WARNING: the machine was busy with other work; the figures are skewed' : '';
      console.log(`other load before the run: ${(background * 100).toFixed(0)}% of all cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}${note}`);
    }
    console.log(
      `per tool: pre-warm ${options.prewarm} launches at concurrency 8; per concurrency: warm-up ${options.warmup} launches, then ${options.launches} launches or ${options.seconds} s, whichever first; ${cookies}`,
    );
    console.log('a launch = GET login → 302 → GET platform /auth (auto-post form) → POST id_token+state → [redirects] → 200 launched page');
    printRun(oursRun);
    if (floorRun) {
      printRun(floorRun);
      printRatios('express-lti / floor', oursRun, floorRun);
    }
    if (ltijsRun) {
      printRun(ltijsRun);
      printRatios('express-lti / ltijs', oursRun, ltijsRun);
    }
    printTargets(oursRun, floorRun, ltijsRun, !options.keepCookies);
    console.log(`load average after the run: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

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
    for (const { run, r } of failed) {
      console.error(`\n${run.label}: ${r.errors} failed launches at concurrency ${r.concurrency}, e.g.:\n  ${r.firstErrors.join('\n  ')}`);
    }
    return failed.length > 0 ? 1 : 0;
  } finally {
    killAll();
    await platform?.close();
    await database?.stop();
  }
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${HARD_LIMIT_MS / 60_000} minutes; giving up.`);
  killAll();
  process.exit(2);
}, HARD_LIMIT_MS);
watchdog.unref();

process.on('SIGINT', () => {
  killAll();
  // The database's folder is removed by the next run (dev/database.ts cleans up stale servers).
  process.exit(130);
});

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    killAll();
    console.error(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
