import type { TaskHistoryQuery, TaskKindsQuery } from '../graphql/generated/graphql.js';
import type { ListFilter } from '../graphql/task-list.js';

/**
 * The page's server-rendered data, handed from the custom server to the page's server
 * component in a request header: Next's own way to pass request data to server components (the
 * custom server and Next's bundle each load their own copy of modules, so they share no
 * object). The custom server drops a header of this name that came from outside.
 */
export const PAGE_DATA_HEADER = 'x-longrun-page-data';

/** What the server read for the first view; null where it could not (the browser reads it then). */
export interface PageData {
  /** The list's filter, from the page's URL query. */
  filter: ListFilter;
  /** The list's first page under that filter. */
  history: TaskHistoryQuery['taskHistory'] | null;
  taskKinds: TaskKindsQuery['taskKinds'] | null;
}

/** A header value (base64url of the JSON: header values must be plain ASCII). */
export function encodePageData(data: unknown): string {
  return Buffer.from(JSON.stringify(data)).toString('base64url');
}

/** What the custom server put in the header, or null when it could not read it (or sent none). */
export function decodePageData<T>(value: string | null | undefined): T | null {
  if (!value) return null;
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}
