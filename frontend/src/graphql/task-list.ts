/**
 * The list's filter and query variables. The custom server renders the first page with them and
 * the browser's cache keeps it under them, so both derive them here, from the page's URL query
 * (`?status=ERROR&kind=primes`). (No imports but types: the server's build and the page's bundle
 * both load this file.)
 */
import type { TaskStatus } from './generated/graphql.js';

/** How many tasks a page of the list holds ("Load more" reads the next as many). */
export const LIST_PAGE_SIZE = 20;

const STATUSES: readonly TaskStatus[] = ['WAITING', 'IN_PROGRESS', 'FINISHED', 'CANCELLED', 'ERROR'];

/** What the list shows: one status or all, one kind or all. */
export interface ListFilter {
  status: TaskStatus | null;
  kind: string | null;
}

export const NO_FILTER: ListFilter = { status: null, kind: null };

/**
 * The filter in a URL query. An unknown status is ignored (all); a kind is taken as it is: a
 * kind the deployment does not run is refused by the server, and the page says so.
 */
export function parseListFilter(search: string): ListFilter {
  const params = new URLSearchParams(search);
  const status = params.get('status');
  const kind = params.get('kind');
  return {
    status: STATUSES.includes(status as TaskStatus) ? (status as TaskStatus) : null,
    kind: kind && kind.length <= 100 ? kind : null,
  };
}

/** The URL query for a filter ('' without one). */
export function listFilterQuery(filter: ListFilter): string {
  const params = new URLSearchParams();
  if (filter.status) params.set('status', filter.status);
  if (filter.kind) params.set('kind', filter.kind);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** `taskHistory`'s filter for it (always an object, so the cache key has one shape). */
export function historyFilter(filter: ListFilter): { status?: TaskStatus[]; kind?: string[] } {
  return { ...(filter.status ? { status: [filter.status] } : {}), ...(filter.kind ? { kind: [filter.kind] } : {}) };
}

/** The first page's variables. */
export function listVariables(filter: ListFilter) {
  return { filter: historyFilter(filter), first: LIST_PAGE_SIZE };
}

/** Whether a task (as it is now) belongs in the list under this filter. */
export function matchesFilter(task: { status: TaskStatus; kind: string }, filter: ListFilter): boolean {
  return (!filter.status || task.status === filter.status) && (!filter.kind || task.kind === filter.kind);
}
