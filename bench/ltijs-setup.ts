/**
 * ltijs for `npm run bench:compare`: installed on demand into bench/ltijs
 * (never a dependency of express-lti), with its own database in the same server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from './options';

const LTIJS_DIR = path.join(__dirname, 'ltijs');

/** Install ltijs and its PostgreSQL plugin from bench/ltijs/package.json, once. */
export async function ensureLtijs(): Promise<void> {
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

export async function createLtijsDatabase(url: string): Promise<string> {
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
