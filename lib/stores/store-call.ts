import { LtiError, StorageUnavailableError } from '../errors';
import { missingTable, missingTablesError } from './missing-tables';

/** Run a store call; a missing table of ours is a ConfigurationError (500), anything else not ours a 503. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof LtiError) throw err;
    const table = missingTable(err);
    if (table) throw missingTablesError(table, err);
    throw new StorageUnavailableError({ cause: err });
  }
}
