/**
 * How the page's cache keeps the list (`taskHistory`) and its tasks: pure functions over the
 * cache's stored values, used by the type policies in apollo.ts and unit-tested without Apollo.
 * (No imports.)
 */

/** A stored `TaskConnection`: edges hold the task (a cache reference) and its cursor. */
export interface StoredPage<E> {
  edges: readonly E[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  [field: string]: unknown;
}

/** A task's place in the list: newest first, by `createdAt`, then by `id` (as the server orders it). */
export interface ListPosition {
  id: string;
  createdAt: string;
}

/** Negative when `a` goes above `b`. ISO 8601 instants in UTC compare as strings. */
export function comparePositions(a: ListPosition, b: ListPosition): number {
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt ? -1 : 1;
  return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
}

/**
 * A page the server sent, into what the cache holds for the same filter. Without `after` it is
 * the first page, read afresh (at start, after a reconnect): it replaces the list, since the
 * tasks between it and pages read before may have changed unseen. With `after` it is the next
 * page ("Load more"): appended, each task once, and its `pageInfo` is where to go on from. A
 * page for a cursor the list no longer ends at (the list was read afresh meanwhile) is dropped,
 * so the list never has a gap.
 */
export function mergeHistoryPage<E>(
  existing: StoredPage<E> | undefined,
  incoming: StoredPage<E>,
  after: string | null | undefined,
  idOf: (edge: E) => string,
): StoredPage<E> {
  if (!after || !existing) return incoming;
  if (existing.pageInfo.endCursor !== after) return existing;
  const seen = new Set(existing.edges.map(idOf));
  return { ...existing, ...incoming, edges: [...existing.edges, ...incoming.edges.filter((e) => !seen.has(idOf(e)))], pageInfo: incoming.pageInfo };
}

/**
 * A task that appeared live (created in this tab or elsewhere, or changed into the filter), into
 * the list at its place. Only within the part of the history the list covers: a task older than
 * its last edge, while more pages remain, is left to "Load more" (where it would come again).
 * Unchanged (the same object) when the task is already listed or falls outside.
 */
export function insertLive<E, P extends StoredPage<E>>(page: P, edge: E, positionOf: (edge: E) => ListPosition): P {
  const at = positionOf(edge);
  if (page.edges.some((e) => positionOf(e).id === at.id)) return page;
  const last = page.edges.at(-1);
  if (page.pageInfo.hasNextPage && (!last || comparePositions(at, positionOf(last)) > 0)) return page;
  const index = page.edges.findIndex((e) => comparePositions(at, positionOf(e)) < 0);
  const edges = [...page.edges];
  edges.splice(index < 0 ? edges.length : index, 0, edge);
  return { ...page, edges };
}

/**
 * Which of two snapshots of one task to keep: the higher `version` (a task's versions only rise,
 * but a list read and a live event can arrive in either order). Equal versions: the incoming one
 * (the same state; it may carry fields set outside the version, like `retries`).
 */
export function keepIncoming(existingVersion: number | undefined, incomingVersion: number | undefined): boolean {
  return existingVersion === undefined || incomingVersion === undefined || incomingVersion >= existingVersion;
}

type Json = unknown;
type Snapshot = { __typename: 'Task'; id: string; version: number };

const isTask = (value: Json): value is Snapshot =>
  typeof value === 'object' && value !== null && (value as { __typename?: unknown }).__typename === 'Task' && typeof (value as Snapshot).version === 'number';

/**
 * A result with every task in it that is older than the one held (`held(id)`: the snapshot the
 * cache has) replaced by the held one, so that writing the result never takes a task back to an
 * older version. The same object when nothing was older.
 */
export function withNewestTasks<T extends Json>(data: T, held: (id: string) => Snapshot | null | undefined): T {
  if (Array.isArray(data)) {
    let changed = false;
    const items = data.map((item) => {
      const next = withNewestTasks(item, held);
      if (next !== item) changed = true;
      return next;
    });
    return (changed ? items : data) as T;
  }
  if (typeof data !== 'object' || data === null) return data;
  if (isTask(data)) {
    const current = held(data.id);
    if (current && !keepIncoming(current.version, data.version)) return current as T;
  }
  let changed = false;
  const copy: Record<string, Json> = {};
  for (const [key, value] of Object.entries(data)) {
    copy[key] = withNewestTasks(value, held);
    if (copy[key] !== value) changed = true;
  }
  return (changed ? copy : data) as T;
}
