import { UnauthenticatedError } from '../tasks/tasks.errors.js';

/**
 * Who is calling. The gateway asserts the user per operation: on HTTP in the `USER_HEADER`
 * header, on the shared WebSocket in each subscribe message's `extensions[USER_EXTENSION]`
 * (`@longrun/server-common/names`). Only callers holding the internal credential get this far.
 */
export interface GqlContext {
  user: string | null;
}

const USER_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function contextFor(user: unknown): GqlContext {
  return { user: typeof user === 'string' && USER_ID.test(user) ? user : null };
}

export function userOf(ctx: GqlContext): string {
  if (!ctx.user) throw new UnauthenticatedError();
  return ctx.user;
}
