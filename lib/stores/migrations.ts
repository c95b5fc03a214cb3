import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Absolute path of the package's knex migrations, for apps that run them from
 * their own knex config: `db.migrate.latest({ directory: migrationsDirectory })`.
 */
export const migrationsDirectory: string = [
  path.resolve(__dirname, '..', '..', 'migrations'), // running from lib/stores/ (sources)
  path.resolve(__dirname, '..', '..', '..', 'migrations'), // running from dist/lib/stores/
].find((dir) => existsSync(dir)) ?? path.resolve(__dirname, '..', '..', '..', 'migrations');
