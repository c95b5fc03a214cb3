import { LtiError, StorageUnavailableError } from '../errors';

/** Run a store call; anything it throws that is not ours becomes a 503. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof LtiError) throw err;
    throw new StorageUnavailableError({ cause: err });
  }
}
