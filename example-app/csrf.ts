// A per-session form token. In production the session cookie is SameSite=None (the tool
// runs in the LMS's iframe), so the cookie alone does not stop another site posting a form.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    csrf: string;
  }
}

/** The session's form token (made on first use; the session is new at every launch). */
export function csrfToken(req: Request): string {
  req.session.csrf ??= randomBytes(24).toString('base64url');
  return req.session.csrf;
}

/** Whether the posted form carries this session's token. */
export function validCsrf(req: Request): boolean {
  const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
  const expected = req.session.csrf;
  if (typeof sent !== 'string' || !expected || sent.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}
