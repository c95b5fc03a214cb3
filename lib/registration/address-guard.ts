/**
 * The SSRF guard of Dynamic Registration: which addresses the tool may call
 * when a stranger hands it a URL. The check runs on the *resolved* addresses,
 * inside the `lookup` of the very connection (see guarded-fetch.ts), so the
 * address checked is the address connected to: no DNS-rebinding window.
 */
import dns from 'node:dns';
import net from 'node:net';
import { isProduction } from '../http/secure-url';

/** What an address is, for the guard. */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'never';

function v4Kind(ip: string): AddressKind {
  const [a, b, c] = ip.split('.').map(Number);
  if (a === 127) return 'loopback';
  if (a === 0 || a >= 224) return 'never'; // "this network", multicast, reserved, broadcast
  if (a === 169 && b === 254) return 'link-local'; // cloud metadata lives here
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT
  if (a === 192 && b === 0 && c === 0) return 'private'; // IETF protocol assignments
  if (a === 198 && (b === 18 || b === 19)) return 'private'; // benchmarking
  return 'public';
}

/** Classify an IPv4 or IPv6 address (anything else is 'never'). */
export function addressKind(address: string): AddressKind {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIPv4(ip)) return v4Kind(ip);
  if (!net.isIPv6(ip)) return 'never';
  const lower = ip.toLowerCase();
  // IPv4-mapped and NAT64 forms carry an IPv4 address: judge that one.
  const mapped = /^(?:::ffff:(?:0:)?|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return v4Kind(mapped[1]);
  const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return v4Kind(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (lower === '::1') return 'loopback';
  if (lower === '::') return 'never';
  const first = parseInt(lower.split(':')[0] || '0', 16);
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xfe00) === 0xfc00) return 'private'; // unique local
  if ((first & 0xff00) === 0xff00) return 'never'; // multicast
  if (lower.startsWith('2001:db8:') || lower.startsWith('::')) return 'never'; // documentation, IPv4-compatible
  return 'public';
}

/** Options of the guard. */
export interface AddressPolicy {
  /** Host names (or IP literals) exempt from the address rules, compared case-insensitively. */
  allowHosts?: readonly string[];
}

/**
 * May the tool connect to `address` for a URL on `hostname`? In production only
 * public addresses; elsewhere loopback and private ones too (development LMSs),
 * never link-local or unreachable ones. `allowHosts` exempts a host entirely.
 */
export function addressAllowed(hostname: string, address: string, policy: AddressPolicy): boolean {
  if (hostAllowed(hostname, policy)) return true;
  const kind = addressKind(address);
  if (kind === 'public') return true;
  if (isProduction()) return false;
  return kind === 'loopback' || kind === 'private';
}

/** Is `hostname` in `allowHosts`? */
export function hostAllowed(hostname: string, policy: AddressPolicy): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (policy.allowHosts ?? []).some((h) => h.replace(/^\[|\]$/g, '').toLowerCase() === host);
}

/** Thrown by the checking lookup; guarded-fetch maps it to `RegistrationHostNotAllowedError`. */
export class AddressNotAllowed extends Error {
  constructor(readonly hostname: string) {
    super(`${hostname} resolves to an address this tool does not call`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves once, refuses the connection when
 * ANY resolved address is not allowed, and hands the checked addresses to the
 * socket. Node calls it with `{ all: true }` when it tries several addresses.
 */
export function checkingLookup(policy: AddressPolicy) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as dns.LookupAddress[];
      if (list.length === 0 || list.some((a) => !addressAllowed(hostname, a.address, policy))) {
        return callback(new AddressNotAllowed(hostname) as NodeJS.ErrnoException, '');
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * Check a URL's host without connecting (URLs the tool stores for later calls:
 * the JWKS and token endpoints). IP literals are judged as they are; names by
 * every address they resolve to now. Resolves false when refused.
 */
export async function urlHostAllowed(url: URL, policy: AddressPolicy): Promise<boolean> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (hostAllowed(hostname, policy)) return true;
  if (net.isIP(hostname)) return addressAllowed(hostname, hostname, policy);
  try {
    const list = await dns.promises.lookup(hostname, { all: true });
    return list.length > 0 && list.every((a) => addressAllowed(hostname, a.address, policy));
  } catch {
    // Unresolvable now: nothing to call, and nothing proven public. Refused in production only.
    return !isProduction();
  }
}
