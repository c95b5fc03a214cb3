import type { Request } from 'express';
import { InvalidRequestError } from '../errors';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Whether `value` has a C0 control character or DEL (no protocol value has one). */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** LTI Core and the Security Framework cap identifiers at 255 characters; URLs and tokens get more room. */
const DEFAULT_MAX = 2048;

/**
 * One request parameter as a non-empty string. A repeated parameter (which the
 * query parser turns into an array) or a nested object is refused, never guessed.
 */
export function readParam(
  source: Record<string, unknown>,
  name: string,
  required: true,
  max?: number,
): string;
export function readParam(
  source: Record<string, unknown>,
  name: string,
  required: false,
  max?: number,
): string | undefined;
export function readParam(
  source: Record<string, unknown>,
  name: string,
  required: boolean,
  max = DEFAULT_MAX,
): string | undefined {
  const value = Object.prototype.hasOwnProperty.call(source, name) ? source[name] : undefined;
  if (value === undefined) {
    if (required) throw new InvalidRequestError(name, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw new InvalidRequestError(name, 'must be sent once, as a plain string value');
  if (value === '') {
    if (required) throw new InvalidRequestError(name, 'must not be empty');
    return undefined;
  }
  if (value.length > max) throw new InvalidRequestError(name, `is longer than ${max} characters`);
  // No protocol value has control characters; PostgreSQL refuses NUL (a 503 for bad input) and logs would carry CR/LF.
  if (hasControlCharacters(value)) throw new InvalidRequestError(name, 'contains control characters');
  return value;
}

/** Free text from the platform (error_description): control characters become spaces. */
export function readText(source: Record<string, unknown>, name: string, max: number): string | undefined {
  const value = Object.prototype.hasOwnProperty.call(source, name) ? source[name] : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  return value.slice(0, max).replace(new RegExp(CONTROL.source, 'g'), ' ');
}

/** The request's parameters: the form body for POST, the query string for GET. */
export function requestParams(req: Request): Record<string, unknown> {
  const source = req.method === 'POST' ? req.body : req.query;
  return source !== null && typeof source === 'object' ? (source as Record<string, unknown>) : {};
}
