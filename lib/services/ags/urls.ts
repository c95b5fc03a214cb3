/**
 * `{lineitem}/scores` and `{lineitem}/results` keep the line item URL's query
 * string: `…/items/1?x=y` → `…/items/1/scores?x=y` (AGS 2.0 §3.3, §3.4).
 */
export function lineItemChildUrl(lineItemUrl: string, child: 'scores' | 'results'): string {
  const url = new URL(lineItemUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${child}`;
  url.hash = '';
  return url.toString();
}

/** `url` with `params` added to its query (undefined values skipped; existing ones kept). */
export function withQuery(url: string, params: Record<string, string | number | undefined>): string {
  const out = new URL(url);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) out.searchParams.set(name, String(value));
  return out.toString();
}
