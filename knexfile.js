// Used by `npx knex migrate:latest` / `migrate:rollback`. Reads DATABASE_URL.
if (!process.env.DATABASE_URL) {
  // One line, no stack trace: this is a usage error, not a crash.
  console.error('express-lti: set DATABASE_URL (e.g. DATABASE_URL=postgres://user:pass@localhost:5432/app npx knex migrate:latest).');
  process.exit(1);
}

module.exports = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: { directory: './migrations', tableName: 'knex_migrations' },
};
