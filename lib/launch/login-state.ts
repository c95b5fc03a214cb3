import { createHash } from 'node:crypto';

/** A login awaiting its launch, as the launch checks it. */
export interface PendingLogin {
  registrationId: string;
  issuer: string;
  clientId: string;
  nonce: string;
  /** The lti_deployment_id sent at login, if any. */
  deploymentId?: string;
  targetLinkUri: string;
  /** Epoch milliseconds after which the launch is refused. */
  expiresAt: number;
}

/** A pending login as the store keeps it: found by its state, bound to one browser. */
export interface LoginRecord extends PendingLogin {
  /** The OIDC `state` sent to the platform (base64url, 256 bits). */
  state: string;
  /** SHA-256 (base64url) of the random value in the browser's per-login cookie. */
  bindingHash: string;
}

/** The server-side form of a per-login cookie's value: only its hash is stored. */
export function bindingHash(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('base64url');
}
