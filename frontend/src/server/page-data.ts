/**
 * How the page's server component reads the user's data while rendering: through the gateway
 * in-process (same schema, limits, masking and trusted documents as /api/graphql), as the user
 * of the session cookie the request carries. server.ts provides it; the page looks it up.
 *
 * The custom server and Next's bundle each load their own copy of this module, so the function
 * is kept in a global registry slot (`Symbol.for`), which both copies see. When nothing is
 * registered (e.g. `next build` prerendering) the page renders without data.
 */
const SLOT = Symbol.for('longrun.page-data');

export interface PageGraphQLRequest {
  query: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

export interface PageGraphQLResult {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs one operation as the session in `cookieHeader`; null when there is no valid session. */
export type PageDataSource = (cookieHeader: string | undefined, request: PageGraphQLRequest) => Promise<PageGraphQLResult | null>;

export function providePageData(source: PageDataSource): void {
  (globalThis as Record<symbol, unknown>)[SLOT] = source;
}

export function pageDataSource(): PageDataSource | undefined {
  return (globalThis as Record<symbol, unknown>)[SLOT] as PageDataSource | undefined;
}
