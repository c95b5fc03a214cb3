// Start-up failures of `npm start` as one line a person can act on: no stack trace,
// no raw EADDRINUSE, no SQL. Anything not recognised is left to the caller.

/** A start-up problem already described in one line: print `message` and exit 1. */
export class StartupError extends Error {}

/** The one line for a port we cannot listen on. */
export function portProblem(err: NodeJS.ErrnoException, port: number): StartupError | undefined {
  if (err.code === 'EADDRINUSE') {
    return new StartupError(`Port ${port} is already in use (another npm start?). Stop that process, or choose another port: PORT=${port + 1} npm start`);
  }
  if (err.code === 'EACCES') {
    return new StartupError(`Port ${port} needs more privileges than this user has. Choose a port above 1023: PORT=3000 npm start`);
  }
  return undefined;
}

/** PORT as a number, or a one-line error. 0 means any free port. */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartupError(`PORT must be a number from 0 to 65535, not "${value.slice(0, 20)}". Example: PORT=3001 npm start`);
  }
  return port;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

/** Where DATABASE_URL points, without its password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** The one line for a database that cannot be used, or undefined when `err` is not about that. */
export function databaseProblem(err: unknown, url: string | undefined): StartupError | undefined {
  const where = url ? describeDatabaseUrl(url) : 'the database';
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (typeof code === 'string' && UNREACHABLE.has(code)) {
      return new StartupError(`DATABASE_URL: cannot reach PostgreSQL at ${where} (${code}). Is it running? Check host and port, or unset DATABASE_URL to use an embedded PostgreSQL.`);
    }
    if (/timeout exceeded when trying to connect|Connection terminated/.test(text)) {
      return new StartupError(`DATABASE_URL: PostgreSQL at ${where} does not answer. Is it running? Check host and port, or unset DATABASE_URL to use an embedded PostgreSQL.`);
    }
    if (code === '3D000') {
      const name = where.split('/').pop() || 'the database';
      return new StartupError(`DATABASE_URL: the database "${name}" does not exist at ${where}. Create it (createdb ${name}) or fix the name in DATABASE_URL.`);
    }
    if (code === '28P01' || code === '28000') {
      return new StartupError(`DATABASE_URL: PostgreSQL at ${where} refused the user name or password. Fix them in DATABASE_URL.`);
    }
    if (code === '42P01') {
      return new StartupError(`DATABASE_URL: the express-lti tables are missing in ${where}. Run: DATABASE_URL=… npx knex migrate:latest`);
    }
    if (code === '42501') {
      return new StartupError(`DATABASE_URL: the user may not create or use the tables in ${where} (permission denied). Grant it, or run npx knex migrate:latest as the owner.`);
    }
    if (e instanceof TypeError && /Invalid URL/i.test(text)) {
      return new StartupError('DATABASE_URL is not a valid URL. Example: DATABASE_URL=postgres://user:pass@127.0.0.1:5432/app npm start');
    }
  }
  return undefined;
}
