import { randomBytes } from 'node:crypto';

/** 256 bits from the OS CSPRNG, base64url: for state and nonce. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
