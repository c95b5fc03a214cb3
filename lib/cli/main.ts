/**
 * `express-lti`: administration of the knex store from a shell. Reads
 * DATABASE_URL (and LTI_KEY_SECRET for `keys rotate`). See `express-lti --help`.
 */
import { parseArgs } from 'node:util';
import knex, { type Knex } from 'knex';
import { LtiError } from '../errors';
import { createKnexStore, type KnexStore } from '../stores/knex';
import { COMMANDS, CliError, EXIT, type Command } from './commands';

/** Streams and environment of one run (tests pass their own). */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
}

function overview(): string {
  const lines = ['Usage: express-lti <command> [options]', '', 'Commands:'];
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(24)}${command.summary}`);
  lines.push(
    '',
    'Every command takes --json (machine-readable output) and --help.',
    'Environment: DATABASE_URL (PostgreSQL, required), LTI_KEY_SECRET (for keys rotate).',
    'Exit codes: 0 done, 1 failure (e.g. database unreachable), 2 usage error, 3 invalid value, 4 not found.',
  );
  return lines.join('\n');
}

function findCommand(args: string[]): { name: string; command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = args.slice(0, words).join(' ');
    if (Object.prototype.hasOwnProperty.call(COMMANDS, name)) return { name, command: COMMANDS[name], rest: args.slice(words) };
  }
  return undefined;
}

/** Run the CLI on `argv` (without node and the script); resolves the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const fail = (err: CliError): number => {
    if (json) io.err(JSON.stringify({ error: { code: err.code, message: err.message } }));
    else io.err(`express-lti: ${err.message}`);
    return err.exitCode;
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(overview());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) return fail(new CliError(EXIT.usage, 'usage', `Unknown command "${argv.slice(0, 2).join(' ')}". Run express-lti --help.`));
  const { command, rest } = found;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return fail(new CliError(EXIT.usage, 'usage', `${(err as Error).message}\nUsage: ${command.usage}`));
  }
  if (parsed.values.help) {
    io.out(`${command.summary}\n\nUsage: ${command.usage}`);
    return EXIT.ok;
  }
  if (parsed.positionals.length !== command.positionals) {
    return fail(new CliError(EXIT.usage, 'usage', `Expected ${command.positionals} argument(s).\nUsage: ${command.usage}`));
  }
  const url = io.env.DATABASE_URL;
  if (!url) return fail(new CliError(EXIT.usage, 'usage', 'DATABASE_URL is not set (e.g. postgres://user:pass@host/db).'));
  if (command.needsKeySecret && !io.env.LTI_KEY_SECRET) return fail(new CliError(EXIT.usage, 'usage', 'LTI_KEY_SECRET is not set (the secret the app gives createKnexStore as keySecret).'));

  let db: Knex | undefined;
  const store = (): KnexStore => {
    db ??= knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 }, acquireConnectionTimeout: 10_000 });
    return createKnexStore(db, { keySecret: io.env.LTI_KEY_SECRET, cacheTtlMs: 0 });
  };
  try {
    const output = await command.run({ store, positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> });
    io.out(json ? JSON.stringify(output.json, null, 2) : output.text.join('\n'));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CliError) return fail(err);
    // The store's own rules (URLs, client id): the same as registerPlatform() in an app.
    if (err instanceof LtiError && err.code === 'configuration_error') return fail(new CliError(EXIT.invalid, 'invalid_value', err.message));
    const message = err instanceof Error ? err.message : String(err);
    return fail(new CliError(EXIT.failure, 'failure', message));
  } finally {
    await db?.destroy();
  }
}

/** The process entry point (bin/express-lti.js). */
export function main(): void {
  runCli(process.argv.slice(2), {
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`express-lti: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
