/**
 * RFC 8288 `Link` header parsing: `<uri>; rel="next"; title="a, b", <uri2>; rel=prev`.
 * Commas inside `<…>` or quoted strings do not split links; `rel` may hold
 * several space-separated relation types and is compared case-insensitively.
 */

/** One link of a `Link` header: its target and parameters (names lowercased). */
export interface ParsedLink {
  uri: string;
  params: Record<string, string>;
  rels: string[];
}

/** Every link of a `Link` header (unparseable parts are skipped). */
export function parseLinkHeader(header: string | null | undefined): ParsedLink[] {
  if (!header) return [];
  const links: ParsedLink[] = [];
  let i = 0;
  const n = header.length;
  while (i < n) {
    const open = header.indexOf('<', i);
    if (open < 0) break;
    const close = header.indexOf('>', open + 1);
    if (close < 0) break;
    const uri = header.slice(open + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    // Parameters up to the next comma outside quotes.
    while (i < n) {
      while (i < n && /\s/.test(header[i])) i++;
      if (header[i] === ',') {
        i++;
        break;
      }
      if (header[i] !== ';') {
        i++;
        continue;
      }
      i++;
      const nameMatch = /^\s*([^=;,\s]+)\s*/.exec(header.slice(i));
      if (!nameMatch) continue;
      const name = nameMatch[1].toLowerCase();
      i += nameMatch[0].length;
      let value = '';
      if (header[i] === '=') {
        i++;
        while (i < n && /\s/.test(header[i])) i++;
        if (header[i] === '"') {
          i++;
          while (i < n && header[i] !== '"') {
            if (header[i] === '\\' && i + 1 < n) i++;
            value += header[i++];
          }
          i++;
        } else {
          const m = /^[^;,\s]*/.exec(header.slice(i))!;
          value = m[0];
          i += m[0].length;
        }
      }
      if (!(name in params)) params[name] = value;
    }
    const rels = (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ uri, params, rels });
  }
  return links;
}

/** The absolute URL of the first link with relation `rel`, resolved against `base`; undefined when none. */
export function findLink(header: string | null | undefined, rel: string, base: string): string | undefined {
  const link = parseLinkHeader(header).find((l) => l.rels.includes(rel.toLowerCase()));
  if (!link) return undefined;
  try {
    return new URL(link.uri, base).toString();
  } catch {
    return undefined;
  }
}
