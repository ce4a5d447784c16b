import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first,
 * so the comparison takes equal-length inputs and leaks nothing about the length either.
 * Anything that is not a string (a WebSocket's connectionParams can carry anything) never
 * matches.
 */
export function secretMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an exact `Bearer <token>` Authorization header, else undefined. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === 'string' && header.startsWith('Bearer ') && header.length > 7 ? header.slice(7) : undefined;
}
