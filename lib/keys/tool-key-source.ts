import type { KeyLike } from 'jose';

/** The tool's current private key, for signing client assertions and deep-linking responses. */
export interface ToolSigningKey {
  /** Published in the tool's JWKS under this `kid`, and put in the JWS header. */
  kid: string;
  alg: 'RS256';
  privateKey: KeyLike;
}

/** Where the tool's signing key comes from (the knex store implements it). */
export interface ToolKeySource {
  /** The current signing key, created on first need. */
  signingKey(): Promise<ToolSigningKey>;
}
