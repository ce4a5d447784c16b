import type { Task, TaskStatus as SchemaTaskStatus } from '../graphql/generated/schema-types.js';

/**
 * The task state machine, as data. `task-store.ts` is the only code that changes a task, and it
 * only applies the transitions named here, each as one atomic compare-and-set in Redis.
 */
/** The statuses, as the schema declares them (the generated type keeps the two in step). */
export type TaskStatus = SchemaTaskStatus;
export const TASK_STATUSES = ['WAITING', 'IN_PROGRESS', 'FINISHED', 'CANCELLED', 'ERROR'] as const satisfies readonly TaskStatus[];

/** The final statuses, as codegen.ts defines them for every tier. */
export { FINAL_STATUSES, isFinal } from '../graphql/generated/schema-types.js';

export interface Transition {
  /** The statuses this transition applies from; from any other status it is refused. */
  readonly from: readonly TaskStatus[];
  readonly to: TaskStatus;
}

/**
 * The named transitions the system performs: together they are every legal move, and a final
 * status is the source of none (a final status never changes).
 */
export const TRANSITIONS = {
  /** A worker picked the job up. */
  start: { from: ['WAITING'], to: 'IN_PROGRESS' },
  /** The running job reports progress. */
  progress: { from: ['IN_PROGRESS'], to: 'IN_PROGRESS' },
  /** The job ran to its end. */
  finish: { from: ['IN_PROGRESS'], to: 'FINISHED' },
  /** The job failed, its worker was lost, or it could not be queued. */
  fail: { from: ['WAITING', 'IN_PROGRESS'], to: 'ERROR' },
  /** Cancel before any worker started it: it will never run. */
  cancelWaiting: { from: ['WAITING'], to: 'CANCELLED' },
  /** Cancel confirmed by the worker that held it: the work has stopped. */
  cancelRunning: { from: ['IN_PROGRESS'], to: 'CANCELLED' },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof TRANSITIONS;

/** A task as stored and as served (the `owner` never leaves the backend). */
export interface TaskRecord {
  id: string;
  owner: string;
  status: TaskStatus;
  progress: number;
  version: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /** When the record last changed (epoch ms; internal, not served): how the reconciler sees a silent task. */
  updatedAt?: number;
}

/** What clients see: the schema's `Task` (checked against the generated type). */
export type PublicTask = Omit<TaskRecord, 'owner'> & Task;

export function toPublic(r: TaskRecord): PublicTask {
  // Field by field (not a rest spread, which is slower per status event): every public field
  // must be named here, and the type says so when one is added.
  return {
    id: r.id,
    status: r.status,
    progress: r.progress,
    version: r.version,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    error: r.error,
  };
}

/** Reads a Redis hash (all values strings) into a record; `null` if it is empty or malformed. */
export function recordFromHash(hash: Record<string, string | undefined>): TaskRecord | null {
  const { id, owner, status, progress, version, createdAt } = hash;
  if (!id || !owner || !status || !createdAt || !(TASK_STATUSES as readonly string[]).includes(status)) return null;
  return {
    id,
    owner,
    status: status as TaskStatus,
    progress: Number(progress ?? 0),
    version: Number(version ?? 1),
    createdAt: isoFromMs(createdAt),
    startedAt: hash.startedAt ? isoFromMs(hash.startedAt) : null,
    finishedAt: hash.finishedAt ? isoFromMs(hash.finishedAt) : null,
    error: hash.error ?? null,
    updatedAt: hash.updatedAt ? Number(hash.updatedAt) : undefined,
  };
}

/**
 * Epoch milliseconds (as Redis keeps them) to ISO 8601. Every status event of a task carries the
 * same createdAt and startedAt, so conversions are remembered (bounded: cleared when full).
 */
const isoCache = new Map<string, string>();
function isoFromMs(ms: string): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    iso = new Date(Number(ms)).toISOString();
    if (isoCache.size >= 10_000) isoCache.clear();
    isoCache.set(ms, iso);
  }
  return iso;
}
