/**
 * `npm run bench:soak`: many complete launches (default 100 000) against one
 * tool process, with one login in ten abandoned (never launched), sampling the
 * tool's memory after a full GC and the login and session tables as it goes.
 * Passes when the heap stays flat (no unbounded cache) and the login table
 * stays bounded by the cleanup. Loopback only; stops by itself.
 */
import http from 'node:http';
import { fork } from 'node:child_process';
import path from 'node:path';
import { startDatabase } from '../dev/database';
import { DevPlatform } from '../dev/platform';
import { VirtualUser } from './browser';
import { benchLoginHint, benchPersona } from './platform-users';

const LAUNCHES = Number(process.env.SOAK_LAUNCHES ?? 100_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const SAMPLES = 10;
const HARD_LIMIT_MS = 30 * 60_000;
/** Heap growth between the first and the last sample still called flat. */
const FLAT_HEAP_MB = 10;

interface Sample {
  rss: number;
  heapUsed: number;
  logins: number;
  sessions: number;
  loginsCleaned: number;
}

function getStatus(url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

async function main(): Promise<number> {
  const database = await startDatabase();
  const platform = await DevPlatform.start({ name: 'Soak platform', personaFor: benchPersona });
  const child = fork(path.join(__dirname, 'soak-app.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, NODE_ENV: 'production', SOAK_CONFIG: JSON.stringify({ databaseUrl: database.url, platform: platform.registration() }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const watchdog = setTimeout(() => {
    console.error('soak: hard time limit reached');
    child.kill('SIGKILL');
    process.exit(2);
  }, HARD_LIMIT_MS);
  try {
    const tool = await new Promise<{ loginUrl: string; targetLinkUri: string }>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`soak app exited with ${code}`)));
    });
    const sample = () =>
      new Promise<Sample>((resolve) => {
        child.once('message', (m: Sample) => resolve(m));
        child.send({ type: 'sample' });
      });

    const users = Array.from({ length: CONCURRENCY }, () => new VirtualUser(false));
    const input = { issuer: platform.issuer, clientId: platform.clientId, deploymentId: platform.deploymentId };
    let done = 0;
    let abandoned = 0;
    let errors = 0;
    const samples: Array<Sample & { launches: number; seconds: number }> = [];
    const started = Date.now();
    const every = Math.ceil(LAUNCHES / SAMPLES);
    let nextSample = every;

    console.log(`soak: ${LAUNCHES} launches at concurrency ${CONCURRENCY}, one login in ten abandoned, state TTL 5 s, cleanup every 2 s`);
    console.log('  launches    secs   RSS MB  heap MB  login rows  session rows  logins cleaned');
    const print = (s: (typeof samples)[number]) =>
      console.log(
        `  ${String(s.launches).padStart(8)}  ${s.seconds.toFixed(0).padStart(6)}  ${(s.rss / 2 ** 20).toFixed(1).padStart(7)}  ${(s.heapUsed / 2 ** 20).toFixed(1).padStart(7)}  ${String(s.logins).padStart(10)}  ${String(s.sessions).padStart(12)}  ${String(s.loginsCleaned).padStart(14)}`,
      );
    samples.push({ ...(await sample()), launches: 0, seconds: 0 });
    print(samples[0]);

    await Promise.all(
      users.map(async (user, i) => {
        const loginHint = benchLoginHint(i);
        const launchInput = { ...input, loginHint, expect: benchPersona(loginHint).name };
        for (let n = 0; done < LAUNCHES; n++) {
          if (n % 10 === 9) {
            // A login whose launch never comes: its login row stays until the cleanup.
            const login = new URL(tool.loginUrl);
            login.search = new URLSearchParams({ iss: input.issuer, login_hint: loginHint, target_link_uri: tool.targetLinkUri, client_id: input.clientId }).toString();
            if ((await getStatus(login)) === 302) abandoned++;
            else errors++;
            continue;
          }
          try {
            await user.launch(tool, launchInput);
          } catch (err) {
            if (++errors <= 3) console.error(`  launch failed: ${(err as Error).message}`);
          }
          done++;
          if (done >= nextSample) {
            nextSample += every;
            const s = { ...(await sample()), launches: done, seconds: (Date.now() - started) / 1000 };
            samples.push(s);
            print(s);
          }
        }
      }),
    );
    for (const user of users) user.close();

    const first = samples[1] ?? samples[0]; // after warm-up
    const last = samples[samples.length - 1];
    const heapGrowth = (last.heapUsed - first.heapUsed) / 2 ** 20;
    const maxLogins = Math.max(...samples.map((s) => s.logins));
    const loginsBound = Math.ceil((abandoned / ((Date.now() - started) / 1000)) * (5 + 2) * 1.5) + CONCURRENCY;
    console.log(`\n${done} launches, ${abandoned} abandoned logins, ${errors} errors, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    console.log(`heap after GC: ${(first.heapUsed / 2 ** 20).toFixed(1)} MB at ${first.launches} launches → ${(last.heapUsed / 2 ** 20).toFixed(1)} MB at ${last.launches} (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB): ${Math.abs(heapGrowth) <= FLAT_HEAP_MB ? 'flat' : 'GROWING'}`);
    console.log(`login rows: at most ${maxLogins} (abandoned-login rate × (TTL + cleanup period) allows about ${loginsBound}): ${maxLogins <= loginsBound ? 'bounded' : 'NOT BOUNDED'}`);
    child.send({ type: 'stop' });
    const ok = errors === 0 && Math.abs(heapGrowth) <= FLAT_HEAP_MB && maxLogins <= loginsBound;
    return ok ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode === null) child.kill();
    await platform.close();
    await database.stop();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
