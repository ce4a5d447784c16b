/**
 * The values of `extensions.code` on the errors either tier answers with: every deliberate error
 * carries one, and anything unexpected is masked as `INTERNAL_SERVER_ERROR`. No field returns this
 * type; it is here so that clients and both tiers share one list.
 */
export const ErrorCode = {
  /**
   * The HTTP request itself is refused: malformed JSON, batching, a "simple" cross-site request
   * without JSON or the CSRF header, or (with trusted documents) an operation the app does not ship.
   */
  BAD_REQUEST: 'BAD_REQUEST',
  /**
   * An argument is malformed or out of range (an id that is not a UUID, two kinds in one
   * `CreateTaskInput`, `below` too large, a variable of the wrong type); `extensions.field` names it
   * as a path from the argument (`input.primes.below`).
   */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /**
   * The operation is not valid GraphQL. An operation over the limits (depth, aliases, tokens,
   * directives, cost) gets this code or the next, depending on when the limit is checked.
   */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The operation, or its variables, are invalid against this schema; or it is over the limits. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /**
   * `createTask` with an `idempotencyKey` the caller already used, within its retention, for a
   * different request (other input, retry policy, priority or schedule). The same request gets
   * the original task back instead.
   */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /** Anything unexpected, masked; `extensions.correlationId` matches the server log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** No such task for this caller. Another user's task gets exactly this answer too. */
  NOT_FOUND: 'NOT_FOUND',
  /** Too many requests; `extensions.retryAfterSeconds` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A dependency (Redis, the backend) is unreachable; retry later. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /**
   * A share link's time is up (`shareTask`'s `expiresInSeconds`): the shared view refuses it, and a
   * shared subscription open on it ends with this error. Ask the owner for a new link.
   */
  SHARE_EXPIRED: 'SHARE_EXPIRED',
  /**
   * The owner stopped sharing the task (`revokeTaskShare`): the link is refused, and a shared
   * subscription open on it ends with this error within a few seconds.
   */
  SHARE_REVOKED: 'SHARE_REVOKED',
  /** The task is already FINISHED, CANCELLED or ERROR. */
  TASK_NOT_CANCELLABLE: 'TASK_NOT_CANCELLABLE',
  /** `retryTask` on a task that is still WAITING or IN_PROGRESS: only a final task can be run again. */
  TASK_NOT_RETRYABLE: 'TASK_NOT_RETRYABLE',
  /** The caller lacks the internal credential (backend) or a session (gateway). */
  UNAUTHENTICATED: 'UNAUTHENTICATED'
} as const;

export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];
export const ExportFormat = {
  /** One line per task; its timeline in the `events` column as JSON. */
  CSV: 'CSV',
  /** One JSON object per line: a task with its `events`. */
  NDJSON: 'NDJSON'
} as const;

export type ExportFormat = typeof ExportFormat[keyof typeof ExportFormat];
export const LogLevel = {
  DEBUG: 'DEBUG',
  ERROR: 'ERROR',
  INFO: 'INFO',
  WARN: 'WARN'
} as const;

export type LogLevel = typeof LogLevel[keyof typeof LogLevel];
export const TaskEventType = {
  /** An attempt failed (`attempt`, `message`: why). */
  ATTEMPT_FAILED: 'ATTEMPT_FAILED',
  /** An attempt began (`attempt`). */
  ATTEMPT_STARTED: 'ATTEMPT_STARTED',
  /** The owner asked to cancel the running task. */
  CANCEL_REQUESTED: 'CANCEL_REQUESTED',
  /** The task was queued. */
  CREATED: 'CREATED',
  /** The task reached its final status (`status`; `message`: the error, `result` when FINISHED). Always the last event. */
  ENDED: 'ENDED',
  /** A line the work logged (`message`, `level`). */
  LOG: 'LOG',
  /** The work reported progress (`progress`); thinned to every 10 %. */
  PROGRESS: 'PROGRESS',
  /** Another attempt will run (`attempt`: its number, `message`: when). */
  RETRY_SCHEDULED: 'RETRY_SCHEDULED'
} as const;

export type TaskEventType = typeof TaskEventType[keyof typeof TaskEventType];
/** How the queue orders waiting tasks: every HIGH one due starts before any NORMAL, every NORMAL before any LOW. */
export const TaskPriority = {
  HIGH: 'HIGH',
  LOW: 'LOW',
  NORMAL: 'NORMAL'
} as const;

export type TaskPriority = typeof TaskPriority[keyof typeof TaskPriority];
/** Where a task is in its life. FINISHED, CANCELLED and ERROR are final. */
export const TaskStatus = {
  /** Stopped at the user's request; its worker slot is free. Final. */
  CANCELLED: 'CANCELLED',
  /** Failed; `error` says why. Final. */
  ERROR: 'ERROR',
  /** Ran to the end. Final. */
  FINISHED: 'FINISHED',
  /** A worker is running it; `progress` rises from 0 to 100. */
  IN_PROGRESS: 'IN_PROGRESS',
  /** Queued; no worker has started it yet. */
  WAITING: 'WAITING'
} as const;

export type TaskStatus = typeof TaskStatus[keyof typeof TaskStatus];

/** A task in a final status never changes again (see TaskStatus). */
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['FINISHED', 'CANCELLED', 'ERROR']);

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.has(status);
}
