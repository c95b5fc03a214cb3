import type { Request } from 'express';
import { MethodNotAllowedError } from '../errors';

/**
 * A person who opened the launch URL (a GET, or any method but POST, without an
 * id_token) gets a 405 page (`Allow: POST`) saying it is the platform's POST
 * target. An id_token sent that way is left to the launch's own check: a 400
 * `invalid_request`, as before.
 */
export function refuseLaunchVisit(req: Request): void {
  const query = req.query as Record<string, unknown> | undefined;
  if (req.method !== 'POST' && query?.id_token === undefined) throw new MethodNotAllowedError();
}
