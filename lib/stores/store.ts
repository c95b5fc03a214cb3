import type { LoginRecord, PendingLogin } from '../launch/login-state';

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
  /**
   * True while the registration waits for an admin's approval (Dynamic
   * Registration with `requireApproval`): its logins and launches are refused
   * with `RegistrationNotApprovedError` (403). Absent or false: approved.
   */
  awaitingApproval?: boolean;
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
  /**
   * Keep a login (its state, the hash of its browser's cookie value, nonce,
   * and what the launch must match) until its launch takes it. The state is
   * unique: a second login with the same state is an error.
   */
  saveLogin(login: LoginRecord): Promise<void>;
  /**
   * Remove and return the login whose state AND binding hash both match, or
   * undefined. Return it even when expired (the launch refuses it with
   * `state_expired`), but remove it either way.
   *
   * Must be atomic and single use: of N concurrent calls for one login, exactly
   * one gets it (e.g. one `DELETE … WHERE state = $1 AND binding_hash = $2
   * RETURNING *`; never a read followed by a delete). A call with a wrong hash
   * must neither return nor remove the login, so a browser without the cookie
   * cannot burn another browser's login.
   */
  takeLogin(state: string, bindingHash: string): Promise<PendingLogin | undefined>;
}
