import type { Task, TaskEventType, TaskPriority, TaskStatus as SchemaTaskStatus } from '../graphql/generated/schema-types.js';
import type { KindResult } from './task-kind.js';

/**
 * The task state machine, as data. `task-store.ts` is the only code that changes a task, and it
 * only applies the transitions named here, each as one atomic compare-and-set in Redis.
 */
/** The statuses, as the schema declares them (the generated type keeps the two in step). */
export type TaskStatus = SchemaTaskStatus;
export const TASK_STATUSES = ['WAITING', 'IN_PROGRESS', 'FINISHED', 'CANCELLED', 'ERROR'] as const satisfies readonly TaskStatus[];

/** The final statuses, as codegen.ts defines them for every tier. */
export { FINAL_STATUSES, isFinal } from '../graphql/generated/schema-types.js';

/** What a transition does to the task's attempts (see CAS_SCRIPT in task-store.ts). */
export type AttemptStep =
  /** Nothing. */
  | 'none'
  /** A new attempt (the record's `attempt`) starts. */
  | 'open'
  /** The open attempt, if any, ends (with the change's `error`, if any). */
  | 'close'
  /** The open attempt, if any, ends with the change's `error`, and an ATTEMPT_FAILED event says so. */
  | 'fail'
  /** As `fail`, then the record moves on to the next attempt. */
  | 'next';

export interface Transition {
  /** The statuses this transition applies from; from any other status it is refused. */
  readonly from: readonly TaskStatus[];
  readonly to: TaskStatus;
  readonly attempt: AttemptStep;
  /** The timeline event the change appends (PROGRESS only at each 10 % step). */
  readonly event: TaskEventType;
}

/**
 * The named transitions the system performs: together they are every legal move, and a final
 * status is the source of none (a final status never changes). Each also names what it does to
 * the attempts and which event it appends to the timeline, in the same atomic step.
 */
export const TRANSITIONS = {
  /** A worker picked up the job of the task's current attempt. */
  start: { from: ['WAITING'], to: 'IN_PROGRESS', attempt: 'open', event: 'ATTEMPT_STARTED' },
  /** The running attempt reports progress. */
  progress: { from: ['IN_PROGRESS'], to: 'IN_PROGRESS', attempt: 'none', event: 'PROGRESS' },
  /** The attempt ran to its end. */
  finish: { from: ['IN_PROGRESS'], to: 'FINISHED', attempt: 'close', event: 'ENDED' },
  /**
   * The attempt failed (or its worker was lost) and attempts remain: the task waits for the
   * next one. From WAITING too: a job lost before its attempt could start counts as failed.
   */
  retry: { from: ['WAITING', 'IN_PROGRESS'], to: 'WAITING', attempt: 'next', event: 'RETRY_SCHEDULED' },
  /** The last attempt failed, the failure is permanent, its worker was lost, or it could not be queued. */
  fail: { from: ['WAITING', 'IN_PROGRESS'], to: 'ERROR', attempt: 'fail', event: 'ENDED' },
  /** Cancel while no attempt runs (before the first, or between two): it will never run again. */
  cancelWaiting: { from: ['WAITING'], to: 'CANCELLED', attempt: 'none', event: 'ENDED' },
  /** Cancel confirmed by the worker that held it: the work has stopped. */
  cancelRunning: { from: ['IN_PROGRESS'], to: 'CANCELLED', attempt: 'close', event: 'ENDED' },
} as const satisfies Record<string, Transition>;

export type TransitionName = keyof typeof TRANSITIONS;

/** One attempt as stored (times in epoch ms). */
export interface StoredAttempt {
  number: number;
  startedAt: number;
  endedAt?: number;
  error?: string;
}

/** A task as stored and as served (the `owner`, `input` and `retryDelayMs` never leave the backend). */
export interface TaskRecord {
  id: string;
  owner: string;
  kind: string;
  /** The kind's input as its `parse` returned it (JSON in Redis). */
  input: unknown;
  status: TaskStatus;
  progress: number;
  version: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  attempt: number;
  maxAttempts: number;
  /** Base backoff delay of this task's retries. */
  retryDelayMs: number;
  nextAttemptAt: string | null;
  /** When createTask asked it to start; null: at once. */
  scheduledFor: string | null;
  priority: TaskPriority;
  attempts: StoredAttempt[];
  result: KindResult | null;
  retryOf: string | null;
  retries: string[];
  /** When the record last changed (epoch ms; internal, not served): how the reconciler sees a silent task. */
  updatedAt?: number;
}

/** What clients see: the schema's `Task` (checked against the generated type), less the field resolvers (timeline, queue position). */
export type PublicTask = Omit<Task, 'events' | 'queuePosition'>;

export const TASK_PRIORITIES = ['LOW', 'NORMAL', 'HIGH'] as const satisfies readonly TaskPriority[];

/**
 * A priority as BullMQ's job priority (lower runs first). Every job gets one, NORMAL included:
 * BullMQ serves its plain wait list (jobs without a priority) before all prioritized jobs.
 */
export const BULL_PRIORITY: Record<TaskPriority, number> = { HIGH: 1, NORMAL: 2, LOW: 3 };

export function toPublic(r: TaskRecord): PublicTask {
  // Field by field (not a rest spread, which is slower per status event): every public field
  // must be named here, and the type says so when one is added.
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    progress: r.progress,
    version: r.version,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    error: r.error,
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    nextAttemptAt: r.nextAttemptAt,
    scheduledFor: r.scheduledFor,
    priority: r.priority,
    attempts: r.attempts.map((a) => ({
      number: a.number,
      startedAt: isoFromMs(a.startedAt),
      endedAt: a.endedAt === undefined ? null : isoFromMs(a.endedAt),
      error: a.error ?? null,
    })),
    result: r.result as PublicTask['result'],
    retryOf: r.retryOf,
    retries: r.retries,
  };
}

/** A JSON field of the hash; Lua's cjson writes an empty array as `{}`, so arrays are checked. */
function json<T>(text: string | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    const value = JSON.parse(text) as T;
    return Array.isArray(fallback) && !Array.isArray(value) ? fallback : value;
  } catch {
    return fallback;
  }
}

/** Reads a Redis hash (all values strings) into a record; `null` if it is empty or malformed. */
export function recordFromHash(hash: Record<string, string | undefined>): TaskRecord | null {
  const { id, owner, status, progress, version, createdAt } = hash;
  if (!id || !owner || !status || !createdAt || !(TASK_STATUSES as readonly string[]).includes(status)) return null;
  return {
    id,
    owner,
    // A record written before kinds existed is the simulated task with one attempt.
    kind: hash.kind ?? 'simulated',
    input: json<unknown>(hash.input, undefined),
    status: status as TaskStatus,
    progress: Number(progress ?? 0),
    version: Number(version ?? 1),
    createdAt: isoFromMs(createdAt),
    startedAt: hash.startedAt ? isoFromMs(hash.startedAt) : null,
    finishedAt: hash.finishedAt ? isoFromMs(hash.finishedAt) : null,
    error: hash.error || null,
    attempt: Number(hash.attempt ?? 1),
    maxAttempts: Number(hash.maxAttempts ?? 1),
    retryDelayMs: Number(hash.retryDelayMs ?? 0),
    nextAttemptAt: hash.nextAttemptAt && status === 'WAITING' ? isoFromMs(hash.nextAttemptAt) : null,
    scheduledFor: hash.scheduledFor ? isoFromMs(hash.scheduledFor) : null,
    priority: (TASK_PRIORITIES as readonly string[]).includes(hash.priority ?? '') ? (hash.priority as TaskPriority) : 'NORMAL',
    attempts: json<StoredAttempt[]>(hash.attempts, []),
    result: status === 'FINISHED' ? json<KindResult | null>(hash.result, null) : null,
    retryOf: hash.retryOf ?? null,
    retries: json<string[]>(hash.retries, []),
    updatedAt: hash.updatedAt ? Number(hash.updatedAt) : undefined,
  };
}

/**
 * Epoch milliseconds (as Redis keeps them) to ISO 8601. Every status event of a task carries the
 * same createdAt and startedAt, so conversions are remembered (bounded: cleared when full).
 */
const isoCache = new Map<string, string>();
export function isoFromMs(ms: string | number): string {
  let iso = isoCache.get(String(ms));
  if (iso === undefined) {
    iso = new Date(Number(ms)).toISOString();
    if (isoCache.size >= 10_000) isoCache.clear();
    isoCache.set(String(ms), iso);
  }
  return iso;
}
