import type { RequestHandler } from 'express';
import { storeCall } from '../stores/store-call';
import type { ToolJwks } from './knex-tool-keys';

/** Options of {@link ltiJwks}. */
export interface LtiJwksOptions {
  /** Where the keys are (the knex store). */
  store: { publicJwks(): Promise<ToolJwks> };
  /**
   * `Cache-Control` of the answer (default `public, max-age=300`). Platforms and
   * proxies may keep the set this long; a rotation's new signing key is already
   * published as the "next" key, so keep this well below the time between rotations.
   */
  cacheControl?: string;
}

/**
 * The tool's public key set (`GET`), for platforms to verify client assertions
 * and deep-linking responses: only `kty`, `n`, `e`, `kid`, `alg`, `use` of the
 * next, current and recently retired keys. A store failure is passed to `next`
 * as a `StorageUnavailableError` (503); a missing `keySecret` in production as a
 * `ConfigurationError` when no key exists yet.
 */
export function ltiJwks(options: LtiJwksOptions): RequestHandler {
  const cacheControl = options.cacheControl ?? 'public, max-age=300';
  return (_req, res, next) => {
    storeCall(() => options.store.publicJwks()).then(
      (jwks) => {
        res.set('Cache-Control', cacheControl).type('application/json').send(JSON.stringify({ keys: jwks.keys }));
      },
      next,
    );
  };
}
