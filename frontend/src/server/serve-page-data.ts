import type { FrontendConfig } from './config.js';
import { GRAPHQL_PATH, type Gateway, type ServerContext } from './gateway/yoga.js';
import { providePageData, type PageGraphQLResult } from './page-data.js';
import { readCookie, SESSION_COOKIE, verifySession } from './session.js';

/** The page's server-rendered task list: the same gateway, in-process, as the cookie's session. */
export function servePageData(gateway: Gateway, config: FrontendConfig): void {
  providePageData(async (cookieHeader, request) => {
    const user = verifySession(readCookie(cookieHeader, SESSION_COOKIE), config.sessionSecret, config.sessionMaxAgeS)?.id;
    if (!user) return null;
    const response = await gateway.yoga.fetch(
      `http://localhost${GRAPHQL_PATH}`,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(request) },
      // Only `user` is read from the server context (see yoga.ts); there is no socket here.
      { user } as ServerContext,
    );
    return (await response.json()) as PageGraphQLResult;
  });
}
