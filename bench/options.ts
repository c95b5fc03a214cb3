/** The benchmark's knobs, read once from the environment (see bench/README.md). */
import path from 'node:path';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(raw)}`);
  return value;
}

export const ROOT = path.resolve(__dirname, '..');

export const options = {
  compare: process.argv.includes('--compare'),
  concurrency: (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map((c) => {
    const n = Number(c.trim());
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`BENCH_CONCURRENCY: ${JSON.stringify(c)} is not a concurrency (1-256)`);
    return n;
  }),
  /**
   * Launches at concurrency 8 once per tool before the first level. express-lti's CPU per
   * launch settles only after ~10 000 launches (V8's optimising compiler), the floor's after
   * ~1 500: a shorter pre-warm measures the JIT, not the steady state.
   */
  prewarm: envNumber('BENCH_PREWARM', 10_000),
  warmup: envNumber('BENCH_WARMUP', 200),
  launches: envNumber('BENCH_LAUNCHES', 2000),
  seconds: envNumber('BENCH_SECONDS', 10),
  keepCookies: process.env.BENCH_KEEP_COOKIES === '1',
  profile: process.env.BENCH_PROFILE === '1',
  floor: process.env.BENCH_FLOOR === '1',
  /** Another app file in place of bench/app-express-lti.ts (to measure a change to a copy of lib/). */
  app: process.env.BENCH_APP ? path.resolve(process.env.BENCH_APP) : path.join(__dirname, 'app-express-lti.ts'),
  verbose: process.env.BENCH_VERBOSE === '1',
  /** express-lti and the floor connect over a Unix socket (embedded server only). */
  socket: process.env.BENCH_SOCKET === '1',
};

/** The whole run stops by itself, even if something hangs. */
export const HARD_LIMIT_MS = 20 * 60_000;
