/**
 * Counts every statement an app process sends to PostgreSQL, by wrapping
 * `pg.Client.prototype.query`: knex, connect-pg-simple (through pg.Pool) and
 * Sequelize all end there, so nothing escapes the count.
 */

/** The part of the `pg` module the counter touches (any installed copy of pg). */
export interface PgModule {
  Client: { prototype: { query: (...args: unknown[]) => unknown } };
}

export interface SqlSnapshot {
  total: number;
  /** Statement shape (literals and whitespace normalised) → times sent. */
  byStatement: Record<string, number>;
}

export interface SqlCounter {
  snapshot(): SqlSnapshot;
}

const MAX_SHAPE = 220;

/** One statement's shape: whitespace collapsed, literals replaced by `?`. */
export function statementShape(text: string): string {
  const shape = text
    .replace(/\s+/g, ' ')
    .replace(/'(?:[^']|'')*'/g, '?') // string literals (Sequelize inlines its values)
    .replace(/(?<![$\w"])\d+(?:\.\d+)?\b/g, '?') // numbers, but not $1 placeholders or names
    .trim();
  return shape.length > MAX_SHAPE ? `${shape.slice(0, MAX_SHAPE)}…` : shape;
}

function queryText(config: unknown): string {
  if (typeof config === 'string') return config;
  if (config && typeof config === 'object' && typeof (config as { text?: unknown }).text === 'string') {
    return (config as { text: string }).text;
  }
  return '(unknown statement)';
}

/** Start counting on `pg` (call before any pool or knex instance sends a query). */
export function countSqlStatements(pg: PgModule): SqlCounter {
  const proto = pg.Client.prototype;
  const original = proto.query;
  let total = 0;
  const byStatement = new Map<string, number>();
  // Shapes of texts seen before: knex and connect-pg-simple send the same few texts
  // again and again, so counting costs the app a map lookup, not a regex run.
  // (Sequelize inlines values, so its texts differ each time: bounded, then computed.)
  const shapes = new Map<string, string>();
  proto.query = function countedQuery(this: unknown, ...args: unknown[]): unknown {
    total++;
    const text = queryText(args[0]);
    let shape = shapes.get(text);
    if (shape === undefined) {
      shape = statementShape(text);
      if (shapes.size < 2_000) shapes.set(text, shape);
    }
    byStatement.set(shape, (byStatement.get(shape) ?? 0) + 1);
    return original.apply(this, args);
  };
  return {
    snapshot: () => ({ total, byStatement: Object.fromEntries(byStatement) }),
  };
}
