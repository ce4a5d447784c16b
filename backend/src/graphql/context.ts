import { UnauthenticatedError } from '../tasks/tasks.errors.js';

/**
 * Who is calling. The gateway asserts the user per operation: on HTTP in the `USER_HEADER`
 * header, on its WebSockets in each subscribe message's `extensions[USER_EXTENSION]`
 * (`@longrun/server-common/names`). Only callers holding the internal credential get this far.
 */
export interface GqlContext {
  user: string | null;
  /**
   * The client's address key the gateway asserts (`CLIENT_HEADER` on HTTP, `CLIENT_EXTENSION`
   * of a query or mutation on its socket: an IPv4 address or an IPv6 /64), for limits per
   * address. Null when absent (a subscription, a direct caller holding the token): then only
   * the per-user limits apply.
   */
  client: string | null;
}

const USER_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** What the gateway's addressKey yields: an IPv4 address or `<4 hex groups>::/64`; nothing else is a key. */
const CLIENT_KEY = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){3}::\/64|unknown)$/;

export function contextFor(user: unknown, client?: unknown): GqlContext {
  return {
    user: typeof user === 'string' && USER_ID.test(user) ? user : null,
    client: typeof client === 'string' && CLIENT_KEY.test(client) ? client : null,
  };
}

export function userOf(ctx: GqlContext): string {
  if (!ctx.user) throw new UnauthenticatedError();
  return ctx.user;
}
