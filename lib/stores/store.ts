/** A platform (LMS) registered with this tool: one issuer + client id pair. */
export interface Registration {
  /** The store's own id for this registration. */
  id: string;
  /** The platform's issuer (`iss`), compared exactly. */
  issuer: string;
  /** The client id the platform gave this tool. */
  clientId: string;
  /** The platform's OIDC authentication endpoint (where the login redirects). */
  authEndpoint: string;
  /** The platform's JWKS URL (keys that sign id_tokens). */
  jwksUrl: string;
  /** The platform's OAuth2 token endpoint (for AGS/NRPS service calls). */
  tokenEndpoint: string | null;
  /**
   * The `aud` of client assertions sent to the token endpoint, when the platform
   * wants something else than the token endpoint URL (Brightspace). Null or absent: the token endpoint.
   */
  tokenAudience?: string | null;
  /** A human-readable name. */
  name: string | null;
}

/** A deployment of this tool inside a registered platform. */
export interface Deployment {
  /** The store's own id for this deployment. */
  id: string;
  /** The registration this deployment belongs to. */
  registrationId: string;
  /** The platform's deployment id (the `deployment_id` claim), case-sensitive. */
  deploymentId: string;
  /** When the row was created. */
  createdAt: Date;
}

/**
 * What the middlewares need from storage. Implement it to bring your own
 * storage; `createKnexStore()` is the PostgreSQL one.
 *
 * Errors thrown by a store are reported as `StorageUnavailableError` (503).
 */
export interface LtiStore {
  /**
   * Registrations for `issuer`. With `clientId`, the one matching both (or none).
   * Without it, every registration of the issuer: the login needs to know when
   * there is more than one. Returning at most two is enough.
   */
  findRegistrations(issuer: string, clientId: string | undefined): Promise<Registration[]>;
  /** The deployment `deploymentId` of `registration`, or undefined. */
  findDeployment(registration: Registration, deploymentId: string): Promise<Deployment | undefined>;
  /**
   * Create the deployment if it does not exist and return it. Must be safe under
   * concurrent calls: N simultaneous calls leave exactly one row.
   */
  createDeployment(registration: Registration, deploymentId: string): Promise<Deployment>;
  /** Remember a nonce made at login until `expiresAt`. */
  saveNonce(registration: Registration, nonce: string, expiresAt: Date): Promise<void>;
  /**
   * Consume a nonce: true exactly once for a saved, unexpired nonce, false
   * otherwise. Must be atomic: of N concurrent calls, one returns true.
   */
  consumeNonce(registration: Registration, nonce: string): Promise<boolean>;
}
