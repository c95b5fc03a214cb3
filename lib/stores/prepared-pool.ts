import { createHash } from 'node:crypto';
import pg from 'pg';

/** Options of {@link PreparedStatementPool} besides pg's own. */
export interface PreparedStatementPoolOptions {
  /**
   * How many distinct statement texts are prepared (default 16); later texts
   * are sent unnamed. Each connection keeps one prepared statement per text, so
   * this bounds what the pool leaves on the server.
   */
  maxStatements?: number;
}

/**
 * A `pg.Pool` that sends parameterised queries as named prepared statements,
 * so PostgreSQL parses and plans each text once per connection instead of on
 * every query. Meant for the session store, whose few statements are fixed:
 *
 * ```ts
 * const pool = new PreparedStatementPool({ connectionString: process.env.DATABASE_URL });
 * app.use(session({ store: new PgStore({ pool }), secret, resave: false, saveUninitialized: false }));
 * ```
 *
 * Only `pool.query(text, values)` with a values array and no callback is
 * named; everything else goes through unchanged. Names are derived from the
 * text, so one name never stands for two texts.
 */
export class PreparedStatementPool extends pg.Pool {
  constructor(config?: pg.PoolConfig, options: PreparedStatementPoolOptions = {}) {
    super(config);
    const max = options.maxStatements ?? 16;
    const names = new Map<string, string>();
    const query = pg.Pool.prototype.query as (this: pg.Pool, ...args: unknown[]) => unknown;
    const named = function (this: pg.Pool, ...args: unknown[]): unknown {
      const [text, values] = args;
      if (args.length === 2 && typeof text === 'string' && Array.isArray(values)) {
        let name = names.get(text);
        if (name === undefined && names.size < max) {
          name = `pool_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
          names.set(text, name);
        }
        if (name !== undefined) return query.call(this, { name, text, values });
      }
      return query.apply(this, args);
    };
    this.query = named as pg.Pool['query'];
  }
}
