/** PreparedStatementPool: connect-pg-simple's fixed statements prepared once per connection, bounded. */
import assert from 'node:assert/strict';
import session from 'express-session';
import pgSession from 'connect-pg-simple';
import { PreparedStatementPool } from '../lib';

describe('PreparedStatementPool', () => {
  let pool: PreparedStatementPool;
  afterEach(() => pool?.end());

  const prepared = async (): Promise<string[]> =>
    ((await pool.query('select name from pg_prepared_statements order by name')).rows as { name: string }[]).map((r) => r.name);

  it("runs connect-pg-simple's statements as named ones, each prepared once per connection", async () => {
    // One connection: every query below shares it, so its prepared statements are visible.
    pool = new PreparedStatementPool({ connectionString: process.env.DATABASE_URL, max: 1 });
    const store = new (pgSession(session))({ pool, createTableIfMissing: false, pruneSessionInterval: false });
    const call = (f: (cb: (err?: unknown, value?: unknown) => void) => void) =>
      new Promise<unknown>((resolve, reject) => f((err, value) => (err ? reject(err) : resolve(value))));
    const sess = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) } } as unknown as session.SessionData;
    for (let i = 0; i < 3; i++) {
      await call((cb) => store.set(`prep-${i}`, { ...sess, n: i } as session.SessionData, cb));
      assert.equal(((await call((cb) => store.get(`prep-${i}`, cb))) as { n: number }).n, i);
      await call((cb) => store.touch(`prep-${i}`, sess, cb));
      await call((cb) => store.destroy(`prep-${i}`, cb));
      assert.equal(await call((cb) => store.get(`prep-${i}`, cb)), undefined);
    }
    const names = await prepared();
    assert.equal(names.length, 4, `set, get, touch, destroy: ${names.join(', ')}`);
    assert.ok(names.every((n) => /^pool_[0-9a-f]{24}$/.test(n)));
  });

  it('prepares at most maxStatements texts; others, callbacks and configs go through unnamed', async () => {
    pool = new PreparedStatementPool({ connectionString: process.env.DATABASE_URL, max: 1 }, { maxStatements: 2 });
    for (const n of [1, 2, 3, 4]) {
      assert.equal((await pool.query(`select $1::int + ${n} as v`, [1])).rows[0].v, 1 + n);
    }
    assert.equal((await prepared()).length, 2);
    const viaCallback = await new Promise<number>((resolve, reject) =>
      pool.query('select $1::int as v', [7], (err, res) => (err ? reject(err) : resolve(res.rows[0].v))),
    );
    assert.equal(viaCallback, 7);
    assert.equal((await pool.query({ text: 'select $1::int as v', values: [8] })).rows[0].v, 8);
    assert.equal((await prepared()).length, 2);
  });
});
