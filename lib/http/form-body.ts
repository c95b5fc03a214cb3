import express, { type Request, type Response } from 'express';
import { LtiError } from '../errors';

/** A request body that could not be read (too large, wrong charset, cut short). */
export class RequestBodyError extends LtiError {
  constructor(status: number, detail: string) {
    super(status === 413 ? 'body_too_large' : 'body_invalid', status, `The request body ${detail}.`);
    // 413: too large or too many fields; 415: unsupported charset; 400: unreadable.
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
        if (e.type === 'parameters.too.many') {
          reject(new RequestBodyError(413, 'has too many fields'));
        } else if (e.status === 413 || e.type === 'entity.too.large') {
          reject(new RequestBodyError(413, `is larger than ${limitBytes} bytes`));
        } else if (e.status === 415) {
          reject(new RequestBodyError(415, 'uses a charset other than UTF-8'));
        } else {
          reject(new RequestBodyError(e.status && e.status < 500 ? e.status : 400, 'could not be read as a form'));
        }
      });
    });
}
