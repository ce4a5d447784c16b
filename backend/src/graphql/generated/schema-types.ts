export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time string in UTC, for example `2026-11-24T10:15:30.123Z`. */
  DateTime: { input: string; output: string; }
};

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
  /** An argument is malformed (for example an id that is not a UUID); `extensions.field` names it. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /**
   * The operation is not valid GraphQL. An operation over the limits (depth, aliases, tokens,
   * directives, cost) gets this code or the next, depending on when the limit is checked.
   */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The operation, or its variables, are invalid against this schema; or it is over the limits. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** Anything unexpected, masked; `extensions.correlationId` matches the server log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** No such task for this caller. Another user's task gets exactly this answer too. */
  NOT_FOUND: 'NOT_FOUND',
  /** Too many requests; `extensions.retryAfterSeconds` says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A dependency (Redis, the backend) is unreachable; retry later. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** The task is already FINISHED, CANCELLED or ERROR. */
  TASK_NOT_CANCELLABLE: 'TASK_NOT_CANCELLABLE',
  /** The caller lacks the internal credential (backend) or a session (gateway). */
  UNAUTHENTICATED: 'UNAUTHENTICATED'
} as const;

export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Cancels one of the caller's tasks and answers with it, CANCELLED. A WAITING task never runs;
   * a running task is stopped in whichever worker holds it. `TASK_NOT_CANCELLABLE` if it already ended.
   */
  cancelTask: Task;
  /** Queues a new task and returns it at once, WAITING. */
  createTask: Task;
};


export type MutationCancelTaskArgs = {
  id: Scalars['ID']['input'];
};

export type Query = {
  __typename?: 'Query';
  /** One of the caller's tasks; `NOT_FOUND` if it does not exist or belongs to someone else. */
  task?: Maybe<Task>;
  /** The caller's own tasks, newest first (at most 100). Records expire after the retention window. */
  tasks: Array<Task>;
};


export type QueryTaskArgs = {
  id: Scalars['ID']['input'];
};


export type QueryTasksArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** The task's current state at once, then every change; completes after a final state. */
  taskStatus: Task;
};


export type SubscriptionTaskStatusArgs = {
  id: Scalars['ID']['input'];
};

/** A long background task, as its owner sees it. */
export type Task = {
  __typename?: 'Task';
  createdAt: Scalars['DateTime']['output'];
  /** Why the task ended in ERROR (or CANCELLED); null otherwise. */
  error?: Maybe<Scalars['String']['output']>;
  /** When it reached a final status; null until then. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** A random UUID. */
  id: Scalars['ID']['output'];
  /** Percent done, 0 to 100. */
  progress: Scalars['Int']['output'];
  /** When a worker started it; null while WAITING, or if it never ran. */
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: TaskStatus;
  /** Rises by one with every change of this task. */
  version: Scalars['Int']['output'];
};

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
