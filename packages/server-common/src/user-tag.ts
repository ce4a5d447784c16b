import { createHash } from 'node:crypto';

/**
 * A short pseudonymous tag for a user (the session id): the first 12 characters of its SHA-256
 * in base64url. Both tiers log users only through it, so one user's lines can be followed
 * across tiers while the id itself never reaches a log.
 */
export function userTag(user: string | undefined | null): string | undefined {
  if (!user) return undefined;
  return createHash('sha256').update(user).digest('base64url').slice(0, 12);
}
