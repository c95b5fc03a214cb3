import express, { type Request, type Response } from 'express';
import { LtiError } from './errors';

/** A request body that could not be read (too large, wrong charset, cut short). */
export class RequestBodyError extends LtiError {
  constructor(status: number, detail: string) {
    super(status === 413 ? 'body_too_large' : 'body_invalid', status, `The request body ${detail}.`);
  }
}

/**
 * Parse an urlencoded form body unless the app already did. `extended: false`
 * keeps values flat: a repeated field becomes an array, which readParam refuses.
 */
export function formBodyParser(limitBytes: number) {
  const parse = express.urlencoded({ extended: false, limit: limitBytes, parameterLimit: 100 });
  return (req: Request, res: Response): Promise<void> =>
    new Promise((resolve, reject) => {
      parse(req, res, (err?: unknown) => {
        if (!err) return resolve();
        const e = err as { status?: number; type?: string };
        if (e.status === 413 || e.type === 'entity.too.large') {
          reject(new RequestBodyError(413, `is larger than ${limitBytes} bytes`));
        } else {
          reject(new RequestBodyError(e.status && e.status < 500 ? e.status : 400, 'could not be read as a form'));
        }
      });
    });
}
