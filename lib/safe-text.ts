/**
 * Characters that can forge or hide log lines and messages: C0 and C1 controls,
 * DEL, the Unicode line and paragraph separators, and the bidi embedding,
 * override and isolate marks (which reorder what a terminal shows).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A request-supplied value made safe to put in an error message or a log
 * field: unsafe characters become spaces, and at most `max` characters are kept,
 * followed by how many were cut. Never splits a surrogate pair.
 */
export function safeText(value: string, max: number): string {
  let kept = value.length > max ? value.slice(0, max) : value;
  if (kept.length < value.length && /[\ud800-\udbff]$/.test(kept)) kept = kept.slice(0, -1);
  kept = kept.replace(UNSAFE, ' ');
  return kept.length < value.length ? `${kept}…[${value.length - kept.length} more characters]` : kept;
}

/** {@link safeText}, quoted as a JSON string: for values inside error messages. */
export function quoted(value: string, max = 100): string {
  return JSON.stringify(safeText(value, max));
}
