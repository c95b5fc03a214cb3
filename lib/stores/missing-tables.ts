import { ConfigurationError } from '../errors';

/** Tables the migrations create: express-lti's own (`lti_…`) and the session table. */
const OUR_TABLE = /^(lti_[a-z0-9_]+|session)$/;

/**
 * The name of one of our tables when `err` is PostgreSQL's "relation does not
 * exist" (SQLSTATE 42P01) about it, i.e. the migrations have not been run.
 * Looks through `cause` chains (knex, express-session).
 */
export function missingTable(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code !== '42P01' || typeof message !== 'string') continue;
    const relation = /relation "([^"]+)" does not exist/.exec(message)?.[1];
    const table = relation?.split('.').pop();
    if (table && OUR_TABLE.test(table)) return table;
  }
  return undefined;
}

/** The error to give instead of the raw SQL: what is missing and the command that creates it. */
export function missingTablesError(table: string, cause: unknown): ConfigurationError {
  return new ConfigurationError(
    `The table "${table}" does not exist: run express-lti's migrations ` +
      '(npx knex migrate:latest with the repository\'s knexfile, or await db.migrate.latest({ directory: migrationsDirectory }) from your app).',
    { cause },
  );
}

/** Rethrow a missing table of ours as {@link missingTablesError}; anything else unchanged. */
export function rethrowMissingTable(err: unknown): never {
  const table = missingTable(err);
  throw table ? missingTablesError(table, err) : err;
}

/**
 * Make every method of a store turn "relation does not exist" into a
 * ConfigurationError naming the command (admin calls such as registerPlatform
 * are not wrapped by the middlewares' storeCall).
 */
export function guardMissingTables<T extends object>(store: T): T {
  const methods = store as Record<string, unknown>;
  for (const [name, method] of Object.entries(methods)) {
    if (typeof method !== 'function') continue;
    methods[name] = function (this: unknown, ...args: unknown[]) {
      const result: unknown = method.apply(this, args);
      return result instanceof Promise ? result.catch(rethrowMissingTable) : result;
    };
  }
  return store;
}
