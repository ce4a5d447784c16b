import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * Which proxies to believe about a request's client. Unset `header`: none, the socket's peer is
 * the client. Set: the deployment sits behind `hops` proxies, each of which appends the address
 * it saw to `header` (X-Forwarded-For style, a comma-separated list); the client is the entry
 * `hops` places from the right. Entries left of it were written by the client and never count,
 * so a spoofed left-most value changes nothing.
 */
export interface ProxyTrust {
  header: string | undefined;
  hops: number;
}

/**
 * The key limits count a client under: an IPv4 address as it is, an IPv6 address by its /64
 * (one subscriber usually holds a whole /64, so counting single addresses would let it rotate
 * freely), an IPv4-mapped IPv6 address as its IPv4. Anything that is not an IP address: undefined.
 */
export function addressKey(raw: string): string | undefined {
  let address = raw.trim();
  // "[v6]:port" and "v4:port" (some proxies keep the port); a bare IPv6 address has several colons.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  address = address.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names our interface, not the client
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1];
  const version = isIP(address);
  if (version === 4) return address;
  if (version === 6) return `${expandV6(address).slice(0, 4).join(':')}::/64`;
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address, lower-case, without leading zeros. */
function expandV6(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted quad (::1.2.3.4) is the last two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => Number.parseInt(g, 16).toString(16));
}

/**
 * The client's key (see addressKey) for a request or WebSocket upgrade. Behind trusted proxies,
 * the entry `hops` from the right of the header's (every occurrence's) list; with fewer entries
 * than hops, the left-most (nothing the client added can be in a list that short). An entry that
 * is not an address, or no header at all, falls back to the socket's peer: the closest proxy
 * then stands for the client, which is the safe direction (it only ever lumps clients together).
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trust: ProxyTrust): string {
  const peer = addressKey(req.socket.remoteAddress ?? '') ?? 'unknown';
  if (!trust.header) return peer;
  const value = req.headers[trust.header.toLowerCase()];
  const entries = (Array.isArray(value) ? value.join(',') : (value ?? ''))
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return peer;
  const chosen = entries[Math.max(0, entries.length - trust.hops)];
  return addressKey(chosen) ?? peer;
}
