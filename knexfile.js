// Used by `npx knex migrate:latest` / `migrate:rollback`. Reads DATABASE_URL.
if (!process.env.DATABASE_URL) {
  throw new Error('Set DATABASE_URL (e.g. postgres://user:pass@localhost:5432/app) before running knex migrations.');
}

module.exports = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: { directory: './migrations', tableName: 'knex_migrations' },
};
