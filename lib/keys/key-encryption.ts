/**
 * Private keys at rest: AES-256-GCM (node:crypto) under a key derived from the
 * app's `keySecret` with scrypt and a random per-key salt. The kid is the
 * additional authenticated data, so a ciphertext moved to another row fails.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { ConfigurationError } from '../errors';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const VERSION = 'v1';

async function deriveKey(secret: string, salt: Buffer): Promise<Buffer> {
  return scryptAsync(secret, salt, 32, SCRYPT);
}

/** Encrypt `plaintext` (a PKCS#8 PEM) for the row `kid`: `v1.salt.iv.tag.ciphertext`, base64url parts. */
export async function encryptPrivateKey(secret: string, kid: string, plaintext: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(secret, salt), iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, salt, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** Decrypt what {@link encryptPrivateKey} made; a wrong secret (or a tampered row) is a ConfigurationError. */
export async function decryptPrivateKey(secret: string, kid: string, sealed: string): Promise<string> {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new ConfigurationError(`The tool key ${kid} is not in a format this version can read.`);
  }
  const [salt, iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', await deriveKey(secret, salt), iv);
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new ConfigurationError(
      `The tool key ${kid} cannot be decrypted with this keySecret: the secret differs from the one that encrypted it, or the row was altered.`,
    );
  }
}
