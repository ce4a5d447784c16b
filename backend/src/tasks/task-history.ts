import { Inject, Injectable } from '@nestjs/common';
import type { TaskFilter, TaskStatusCount } from '../graphql/generated/schema-types.js';
import { KINDS, type Kinds } from './kind-registry.js';
import { TASK_STATUSES, toPublic, type PublicTask, type TaskRecord, type TaskStatus } from './task-state.js';
import { TaskStore, type IndexEntry, type IndexRange, type TaskPeek } from './task-store.js';
import { BadUserInputError, isTaskId } from './tasks.errors.js';

/**
 * Reading an owner's history through its index (a sorted set by createdAt, see TaskStore):
 * `taskHistory` pages, their counts, the tasks a bulk action looks at, and the recent changes a
 * `taskUpdates` subscription starts with. Every read is bounded; the bounds are the contract's
 * (schema/schema.graphql, docs/contract.md).
 */

/** `taskHistory(first)`: 1 to this. */
export const HISTORY_MAX_FIRST = 100;
/** The most tasks one `taskHistory` call reads looking for `first` matches. */
export const HISTORY_MAX_READ = 1000;
/** The most tasks one count (`totalCount`, `countsByStatus`) reads: the newest ones. */
export const COUNT_MAX_READ = 100_000;
/** `taskUpdates` starts with the tasks changed this recently... */
export const UPDATES_REPLAY_MS = 30_000;
/** ...looked for among this many of the owner's newest tasks... */
export const UPDATES_REPLAY_SCAN = 200;
/** ...at most this many of them. */
export const UPDATES_REPLAY_MAX = 100;

/** Index entries read per round trip (with a status or kind filter, or when counting). */
const CHUNK = 200;

/** A TaskFilter, checked: sets for the lists (null: no filter), epoch ms for the range (exclusive). */
export interface FilterSpec {
  statuses: ReadonlySet<TaskStatus> | null;
  kinds: ReadonlySet<string> | null;
  createdAfter?: number;
  createdBefore?: number;
}

export interface HistoryEdge {
  cursor: string;
  node: PublicTask;
}

export interface HistoryPage {
  edges: HistoryEdge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface HistoryCounts {
  total: number;
  byStatus: TaskStatusCount[];
}

/** What a bulk action looks at: the matching tasks, newest first, and whether the history went on past them. */
export interface BulkSelection {
  /** Matching tasks in index order, up to and including the `maxEligible`-th eligible one. */
  matched: { peek: TaskPeek; eligible: boolean }[];
  /** The selection stopped at a bound with more of the history unread. */
  more: boolean;
}

/** An ISO 8601 date-time with a zone (`Z` or `±hh:mm`), as the DateTime scalar documents it. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** A DateTime argument as epoch ms (undefined if absent), or BAD_USER_INPUT naming `field`. */
export function instant(value: unknown, field: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new BadUserInputError(field, `${field} must be an ISO 8601 date-time such as 2026-11-24T10:15:30.123Z`);
  return ms;
}

/**
 * Checks a TaskFilter (its statuses are checked by GraphQL already) against the kinds this
 * deployment runs; `path` is the argument's name, for `extensions.field`.
 */
export function parseFilter(filter: TaskFilter | null | undefined, kinds: Kinds, path = 'filter'): FilterSpec {
  const f = filter ?? {};
  if (f.kind) {
    const unknown = f.kind.find((k) => !kinds.has(k));
    if (unknown !== undefined)
      throw new BadUserInputError(`${path}.kind`, `This deployment has no kind "${unknown}" (it runs ${[...kinds.keys()].join(', ')})`);
  }
  return {
    statuses: f.status ? new Set(f.status) : null,
    kinds: f.kind ? new Set(f.kind) : null,
    createdAfter: instant(f.createdAfter, `${path}.createdAfter`),
    createdBefore: instant(f.createdBefore, `${path}.createdBefore`),
  };
}

const range = (spec: FilterSpec, after?: IndexEntry): IndexRange => ({ after, createdAfter: spec.createdAfter, createdBefore: spec.createdBefore });
const kindMatches = (spec: FilterSpec, kind: string) => spec.kinds === null || spec.kinds.has(kind);
const matches = (spec: FilterSpec, task: { status: TaskStatus; kind: string }) =>
  kindMatches(spec, task.kind) && (spec.statuses === null || spec.statuses.has(task.status));

/** A cursor is a position in the index, (createdAt, id), in an encoding clients must not rely on. */
export function encodeCursor(entry: IndexEntry): string {
  return Buffer.from(`v1:${entry.createdAt}:${entry.id}`).toString('base64url');
}

export function decodeCursor(cursor: unknown, field = 'after'): IndexEntry {
  const text = typeof cursor === 'string' && cursor.length <= 100 ? Buffer.from(cursor, 'base64url').toString() : '';
  const m = /^v1:(\d{1,15}):(.+)$/.exec(text);
  if (!m || !isTaskId(m[2])) throw new BadUserInputError(field, `${field} is not a cursor from this API (use an endCursor or an edge's cursor)`);
  return { createdAt: Number(m[1]), id: m[2] };
}

@Injectable()
export class TaskHistory {
  constructor(
    private readonly store: TaskStore,
    @Inject(KINDS) private readonly kinds: Kinds,
  ) {}

  parseFilter(filter: TaskFilter | null | undefined): FilterSpec {
    return parseFilter(filter, this.kinds);
  }

  /**
   * Up to `first` tasks matching `spec`, after `after`, newest first. The status and kind are
   * checked on the records as read (a status changes at any time), so the page reads on until it
   * has `first` of them, the history ends, or it has read HISTORY_MAX_READ tasks.
   */
  async page(owner: string, spec: FilterSpec, first: number, after?: IndexEntry): Promise<HistoryPage> {
    const filtered = spec.statuses !== null || spec.kinds !== null;
    const edges: HistoryEdge[] = [];
    let position: IndexEntry | undefined;
    let read = 0;
    let ended = false;
    let leftover = false;
    while (edges.length < first && read < HISTORY_MAX_READ) {
      // Unfiltered, one entry more than needed tells whether there is a next page.
      const want = Math.min(filtered ? CHUNK : first - edges.length + 1, HISTORY_MAX_READ - read);
      const entries = await this.store.ownerIndexPage(owner, range(spec, position ?? after), want);
      const records = await this.store.readOwned(
        owner,
        entries.map((e) => e.id),
      );
      for (let i = 0; i < entries.length; i++) {
        if (edges.length === first) {
          leftover = true;
          break;
        }
        read++;
        position = entries[i];
        const record = records[i];
        if (record && matches(spec, record)) edges.push({ cursor: encodeCursor(entries[i]), node: toPublic(record) });
      }
      if (leftover) break;
      if (entries.length < want) {
        ended = true;
        break;
      }
    }
    const hasNextPage = !ended && (leftover || (position !== undefined && (await this.store.ownerIndexPage(owner, range(spec, position), 1)).length > 0));
    return { edges, pageInfo: { hasNextPage, endCursor: position ? encodeCursor(position) : null } };
  }

  /**
   * Counts per status of the owner's tasks matching the filter's kind and range, and the total
   * matching the whole filter: one read of each task's status and kind, the newest
   * COUNT_MAX_READ at most.
   */
  async counts(owner: string, spec: FilterSpec): Promise<HistoryCounts> {
    const tally = new Map<TaskStatus, number>(TASK_STATUSES.map((s) => [s, 0]));
    let position: IndexEntry | undefined;
    for (let read = 0; read < COUNT_MAX_READ; ) {
      const entries = await this.store.ownerIndexPage(owner, range(spec, position), Math.min(CHUNK * 5, COUNT_MAX_READ - read));
      const peeks = await this.store.peekOwned(
        owner,
        entries.map((e) => e.id),
      );
      for (const p of peeks) if (p && kindMatches(spec, p.kind)) tally.set(p.status, (tally.get(p.status) ?? 0) + 1);
      read += entries.length;
      if (entries.length < CHUNK * 5) break;
      position = entries.at(-1);
    }
    const byStatus = TASK_STATUSES.map((status) => ({ status, count: tally.get(status) ?? 0 }));
    const total = byStatus.reduce((n, c) => n + (spec.statuses === null || spec.statuses.has(c.status) ? c.count : 0), 0);
    return { total, byStatus };
  }

  /**
   * The tasks a bulk action looks at: those matching `spec`, newest first, until `maxEligible`
   * of them are `eligible` (the action applies to them), or `maxRead` tasks were read.
   */
  async select(owner: string, spec: FilterSpec, eligible: (p: TaskPeek) => boolean, maxEligible: number, maxRead: number): Promise<BulkSelection> {
    const matched: BulkSelection['matched'] = [];
    let count = 0;
    let position: IndexEntry | undefined;
    let read = 0;
    while (read < maxRead) {
      const want = Math.min(CHUNK, maxRead - read);
      const entries = await this.store.ownerIndexPage(owner, range(spec, position), want);
      const peeks = await this.store.peekOwned(
        owner,
        entries.map((e) => e.id),
      );
      for (let i = 0; i < entries.length; i++) {
        if (count === maxEligible) return { matched, more: true };
        read++;
        position = entries[i];
        const p = peeks[i];
        if (!p || !matches(spec, p)) continue;
        const ok = eligible(p);
        if (ok) count++;
        matched.push({ peek: p, eligible: ok });
      }
      if (entries.length < want) return { matched, more: false };
    }
    return { matched, more: position !== undefined && (await this.store.ownerIndexPage(owner, range(spec, position), 1)).length > 0 };
  }

  /**
   * The owner's tasks that changed at or after `since` (epoch ms, by the writers' clocks), among
   * its UPDATES_REPLAY_SCAN newest, at most UPDATES_REPLAY_MAX of them (the latest changes),
   * oldest change first: what `taskUpdates` sends before going live.
   */
  async changedSince(owner: string, since: number): Promise<TaskRecord[]> {
    const entries = await this.store.ownerIndexPage(owner, {}, UPDATES_REPLAY_SCAN);
    const peeks = await this.store.peekOwned(
      owner,
      entries.map((e) => e.id),
    );
    const changed = peeks
      .filter((p): p is TaskPeek => p !== null && p.changedAt >= since)
      .sort((a, b) => b.changedAt - a.changedAt)
      .slice(0, UPDATES_REPLAY_MAX);
    const records = await this.store.readOwned(
      owner,
      changed.map((p) => p.id),
    );
    return records
      .filter((r): r is TaskRecord => r !== null)
      .sort((a, b) => (a.updatedAt ?? Date.parse(a.createdAt)) - (b.updatedAt ?? Date.parse(b.createdAt)));
  }
}
