// One PostgreSQL for the whole run: DATABASE_URL, or an embedded server.
import { startDatabase, type Database } from '../../dev/database';

let database: Database | undefined;

before(async function () {
  this.timeout(120_000);
  database = await startDatabase();
  process.env.DATABASE_URL = database.url;
});

after(async function () {
  this.timeout(30_000);
  await database?.stop();
});
