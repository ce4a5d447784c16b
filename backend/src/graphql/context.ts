import { timingSafeEqual, createHash } from 'node:crypto';
import { UnauthenticatedError } from '../tasks/tasks.errors.js';

/**
 * Who is calling. The gateway asserts the user per operation: on HTTP in the `x-longrun-user`
 * header, on the shared WebSocket in each subscribe message's `extensions.user`. Only callers
 * holding the internal credential get this far.
 */
export interface GqlContext {
  user: string | null;
}

export const USER_HEADER = 'x-longrun-user';
const USER_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function contextFor(user: unknown): GqlContext {
  return { user: typeof user === 'string' && USER_ID.test(user) ? user : null };
}

export function userOf(ctx: GqlContext): string {
  if (!ctx.user) throw new UnauthenticatedError();
  return ctx.user;
}

/** Constant-time comparison of a presented credential with the expected one. */
export function credentialMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  // Hashing first gives equal lengths, so timingSafeEqual leaks nothing about the length either.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearer(header: unknown): string | undefined {
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
}
