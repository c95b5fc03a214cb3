/** Node socket errors that mean "the database (or session store) is not reachable". */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether `err` says the database could not be reached: a socket error, a
 * PostgreSQL connection-class SQLSTATE (08xxx, 57P0x), or the pg / knex pool's
 * own messages. Used to answer 503 for a session store that fails in
 * express-session, before our middleware runs.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^08|^57P0/.test(code))) return true;
    if (
      typeof message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|Knex: Timeout acquiring a connection|connect ECONNREFUSED/.test(message)
    ) {
      return true;
    }
  }
  return false;
}
