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

/** What a bulk action did (or, with `dryRun`, would do). */
export type BulkResult = {
  __typename?: 'BulkResult';
  /** Tasks changed (cancelled, or retried as a new task); with `dryRun`, the ones that would be. */
  applied: Scalars['Int']['output'];
  /**
   * The call stopped at a bound (500 changes, 10,000 tasks read, or the createTask budget) before the
   * end of the history: run it again for the rest.
   */
  hasMore: Scalars['Boolean']['output'];
  /** Tasks matching the filter that this call looked at: `applied` + `skipped`. */
  matched: Scalars['Int']['output'];
  /** Set when `retryTasks` stopped because the createTask budget ran out: when to run it again. */
  retryAfterSeconds?: Maybe<Scalars['Int']['output']>;
  /**
   * Matching tasks left alone: not in a state the action applies to (cancel: already final; retry:
   * still live, or already retried), or they changed first (a task that finished before its cancel
   * was applied).
   */
  skipped: Scalars['Int']['output'];
};

/**
 * What to run: exactly one field, named after the kind. `createTask` without an input runs
 * `simulated` with the server's defaults.
 */
export type CreateTaskInput =
  { export: ExportInput; primes?: never; simulated?: never; }
  |  { export?: never; primes: PrimesInput; simulated?: never; }
  |  { export?: never; primes?: never; simulated: SimulatedInput; };

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
/** The caller's own task history, each task with its timeline, as a file to download. */
export type ExportInput = {
  format: ExportFormat;
};

export type ExportResult = {
  __typename?: 'ExportResult';
  bytes: Scalars['Int']['output'];
  format: ExportFormat;
  /** Tasks in the file. */
  rows: Scalars['Int']['output'];
  /** Where its owner downloads the file (a path on this site; the owner's session is required). */
  url: Scalars['String']['output'];
};

export const LogLevel = {
  DEBUG: 'DEBUG',
  ERROR: 'ERROR',
  INFO: 'INFO',
  WARN: 'WARN'
} as const;

export type LogLevel = typeof LogLevel[keyof typeof LogLevel];
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Cancels one of the caller's tasks and answers with it, CANCELLED. A WAITING task never runs;
   * a running task is stopped in whichever worker holds it. `TASK_NOT_CANCELLABLE` if it already ended.
   */
  cancelTask: Task;
  /**
   * Cancels the caller's live tasks (WAITING or IN_PROGRESS) that match `filter`, newest first,
   * each exactly as `cancelTask` does: at most 500 per call, reading at most 10,000 tasks (`hasMore`
   * says when to call again). Final tasks are skipped. With `dryRun`, changes nothing and says what
   * it would do. One bulk action per user at a time (a second one meanwhile is RATE_LIMITED).
   */
  cancelTasks: BulkResult;
  /**
   * Queues a new task and returns it at once, WAITING. Without `input`, the simulated task with
   * the server's defaults; without `retry`, the kind's retry policy. Bad input is BAD_USER_INPUT
   * (naming the field) and queues nothing.
   *
   * `idempotencyKey` (1 to 200 characters): the same key from the same user while its task is
   * retained answers that same task and queues nothing more, even for concurrent calls; the key
   * with a different request is IDEMPOTENCY_CONFLICT. `delayMs` (0 to 604800000, 7 days) or
   * `runAt` (now to 7 days ahead; not both): the task waits until then, cancellable meanwhile, and
   * its `scheduledFor` says when. `priority` (default NORMAL) orders the queue. Each user runs at
   * most `MAX_RUNNING_PER_USER` tasks at once; the rest wait (see `Task.queuePosition`) while other
   * users' tasks start.
   */
  createTask: Task;
  /**
   * Runs a final task (ERROR, CANCELLED or FINISHED) again: a new task of the same kind, input and
   * retry policy, whose `retryOf` is this one. `TASK_NOT_RETRYABLE` while the task is live.
   */
  retryTask: Task;
  /**
   * Runs again, each exactly as `retryTask` does, the caller's final tasks that match `filter` and
   * have not been retried yet, newest first: at most 500 per call, reading at most 10,000 tasks.
   * Every task it creates spends one unit of the caller's createTask budget; when the budget runs
   * out the call stops (`hasMore`, `retryAfterSeconds`), and if it could create none it is
   * RATE_LIMITED. With `dryRun`, changes nothing (and spends nothing) and says what it would do.
   * One bulk action per user at a time.
   */
  retryTasks: BulkResult;
  /**
   * Stops every link made so far for one of the caller's tasks (links made later work again):
   * they are refused at once, and views open on them stop within a few seconds. True once done,
   * whether or not there were any. NOT_FOUND for another user's task.
   */
  revokeTaskShare: Scalars['Boolean']['output'];
  /**
   * A link to a read-only live view of one of the caller's tasks, for anyone who has it, valid for
   * `expiresInSeconds` (60 to 604800, i.e. 7 days; BAD_USER_INPUT naming `expiresInSeconds`
   * otherwise). Each call makes a new link; they all work until they expire or are revoked.
   * NOT_FOUND for another user's task.
   */
  shareTask: TaskShare;
};


export type MutationCancelTaskArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCancelTasksArgs = {
  dryRun?: InputMaybe<Scalars['Boolean']['input']>;
  filter: TaskFilter;
};


export type MutationCreateTaskArgs = {
  delayMs?: InputMaybe<Scalars['Int']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input?: InputMaybe<CreateTaskInput>;
  priority?: InputMaybe<TaskPriority>;
  retry?: InputMaybe<RetryPolicyInput>;
  runAt?: InputMaybe<Scalars['DateTime']['input']>;
};


export type MutationRetryTaskArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRetryTasksArgs = {
  dryRun?: InputMaybe<Scalars['Boolean']['input']>;
  filter: TaskFilter;
};


export type MutationRevokeTaskShareArgs = {
  id: Scalars['ID']['input'];
};


export type MutationShareTaskArgs = {
  expiresInSeconds?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  /**
   * Where the next page starts: the last edge's cursor, or, when this page stopped at the bound
   * on tasks read per call before it was full, the last task read (then `edges` may be short or
   * empty while `hasNextPage` is true). Null only when nothing was read.
   */
  endCursor?: Maybe<Scalars['String']['output']>;
  /**
   * True when the history goes on past this page. With a `status` or `kind` filter the next page
   * may turn out empty (the tasks past this one may not match).
   */
  hasNextPage: Scalars['Boolean']['output'];
};

/** Counts the primes below `below` (2 to 50000000), on a CPU thread of its own. */
export type PrimesInput = {
  below: Scalars['Int']['input'];
};

export type PrimesResult = {
  __typename?: 'PrimesResult';
  below: Scalars['Int']['output'];
  /** How many primes are below `below`. */
  count: Scalars['Int']['output'];
  /** The largest of them; null when there is none (`below` ≤ 2). */
  largest?: Maybe<Scalars['Int']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /**
   * The task a share link shows (`TaskShare.token`), to anyone who has the link: read-only, and
   * scoped to that task (`retryOf` is null and `retries` empty, so it leads to no other task). A
   * token that does not verify, or whose task is gone, is NOT_FOUND; SHARE_EXPIRED and
   * SHARE_REVOKED say why a genuine link no longer works. Rate-limited per caller (RATE_LIMITED).
   */
  sharedTask: Task;
  /** One of the caller's tasks; `NOT_FOUND` if it does not exist or belongs to someone else. */
  task?: Maybe<Task>;
  /**
   * Every retained task of the caller's, newest first, a page at a time: at most `first` (1 to 100)
   * tasks matching `filter`, after the cursor `after` (an `endCursor` or edge `cursor` from an
   * earlier page). One call reads at most 1,000 tasks: with a `status` or `kind` filter a page may
   * come back short, with `hasNextPage` true and an `endCursor` to go on from. A malformed
   * cursor is BAD_USER_INPUT.
   */
  taskHistory: TaskConnection;
  /** The kinds of task this deployment runs. */
  taskKinds: Array<TaskKind>;
  /** The caller's own tasks, newest first (at most 100). Records expire after the retention window. */
  tasks: Array<Task>;
};


export type QuerySharedTaskArgs = {
  token: Scalars['String']['input'];
};


export type QueryTaskArgs = {
  id: Scalars['ID']['input'];
};


export type QueryTaskHistoryArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<TaskFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryTasksArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A task's own retry policy, instead of its kind's. */
export type RetryPolicyInput = {
  /** Delay before the second attempt, 0 to 300000 ms (default: the kind's); doubled for each later one, with jitter. */
  delayMs?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 10 (1: no automatic retry). */
  maxAttempts: Scalars['Int']['input'];
};

/** The seed's simulated work. Each field is optional; the server's configured value is the default. */
export type SimulatedInput = {
  /** The chance, 0 to 1, that an attempt fails at its end. */
  failureRate?: InputMaybe<Scalars['Float']['input']>;
  /** 0 to 600000. */
  maxDurationMs?: InputMaybe<Scalars['Int']['input']>;
  /** 0 to 600000, at most `maxDurationMs`. */
  minDurationMs?: InputMaybe<Scalars['Int']['input']>;
};

/** The simulated task did nothing but wait; it reports how long. */
export type SimulatedResult = {
  __typename?: 'SimulatedResult';
  durationMs: Scalars['Int']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /** `taskEvents` for a share link: the shared task's timeline, then each new event; ends like `sharedTaskStatus`. */
  sharedTaskEvents: TaskEvent;
  /**
   * `taskStatus` for a share link (`TaskShare.token`): the shared task's current state, then every
   * change; completes after a final state. Refused like `sharedTask`; if the link is revoked or
   * expires while open, it ends with SHARE_REVOKED or SHARE_EXPIRED (checked every 2 seconds).
   */
  sharedTaskStatus: Task;
  /**
   * The task's timeline: every event with `seq` greater than `after` (default 0: all of it), then
   * each new one live; completes after the ENDED event. Resuming with the last `seq` seen misses
   * nothing and repeats nothing.
   */
  taskEvents: TaskEvent;
  /** The task's current state at once, then every change; completes after a final state. */
  taskStatus: Task;
  /**
   * Every change of any of the caller's tasks, wherever it was made (another tab, another device,
   * a worker): a new task, each status and progress change. First, the current state of each task
   * that changed in the last 30 seconds (at most 100, found among the caller's 200 newest tasks),
   * so a resubscription within that time misses nothing; then each change live. Never completes.
   * Versions only rise per task; a task's events may repeat a version already sent on an earlier
   * subscription, so keep the highest version per id. After a longer gap (or at start), read
   * `taskHistory` once the subscription is open.
   */
  taskUpdates: Task;
};


export type SubscriptionSharedTaskEventsArgs = {
  after?: InputMaybe<Scalars['Int']['input']>;
  token: Scalars['String']['input'];
};


export type SubscriptionSharedTaskStatusArgs = {
  token: Scalars['String']['input'];
};


export type SubscriptionTaskEventsArgs = {
  after?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
};


export type SubscriptionTaskStatusArgs = {
  id: Scalars['ID']['input'];
};

/** A long background task, as its owner sees it. */
export type Task = {
  __typename?: 'Task';
  /** The attempt running or next to run, from 1; never above `maxAttempts`. */
  attempt: Scalars['Int']['output'];
  /** Every attempt that started, oldest first. */
  attempts: Array<TaskAttempt>;
  createdAt: Scalars['DateTime']['output'];
  /**
   * Why the task ended in ERROR (or CANCELLED); null otherwise. While WAITING for a retry, the
   * previous attempt's error.
   */
  error?: Maybe<Scalars['String']['output']>;
  /**
   * The task's timeline, oldest first: the events with `seq` greater than `after`, at most `first`
   * (1 to 500).
   */
  events: Array<TaskEvent>;
  /** When it reached a final status; null until then. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** A random UUID. */
  id: Scalars['ID']['output'];
  /** The kind of work (`TaskKind.name`): `simulated`, `primes`, `export`. */
  kind: Scalars['String']['output'];
  /** How many attempts the task may make in all (1: never retried automatically). */
  maxAttempts: Scalars['Int']['output'];
  /** While WAITING for a retry: when the next attempt becomes due. Null otherwise. */
  nextAttemptAt?: Maybe<Scalars['DateTime']['output']>;
  /** How the queue orders it against the owner's and everyone's other waiting tasks. */
  priority: TaskPriority;
  /** Percent done, 0 to 100, of the current attempt. */
  progress: Scalars['Int']['output'];
  /**
   * While WAITING: its place in its owner's line, from 1: one more than the number of the owner's
   * WAITING tasks served before it (higher priority, or the same priority and due earlier; due is
   * `scheduledFor` or else `createdAt`). Null when not WAITING, or when it cannot be read at that
   * moment (Redis briefly unreachable): a hint, never an error beside the status. Over
   * `MAX_RUNNING_PER_USER` running tasks, this is how many of the owner's tasks must start before
   * this one can.
   */
  queuePosition?: Maybe<Scalars['Int']['output']>;
  /** What the work produced; null until FINISHED. */
  result?: Maybe<TaskResult>;
  /** Ids of the tasks `retryTask` created from this one, oldest first. */
  retries: Array<Scalars['ID']['output']>;
  /** The task this one was created from by `retryTask`; null for a task created by `createTask`. */
  retryOf?: Maybe<Scalars['ID']['output']>;
  /** When `createTask` asked it to start (`delayMs` or `runAt`); null if it was to start at once. */
  scheduledFor?: Maybe<Scalars['DateTime']['output']>;
  /** When a worker started its first attempt; null while it has never run. */
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: TaskStatus;
  /** Rises by one with every change of this task. */
  version: Scalars['Int']['output'];
};


/** A long background task, as its owner sees it. */
export type TaskEventsArgs = {
  after?: InputMaybe<Scalars['Int']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** One run of a task's work by a worker. */
export type TaskAttempt = {
  __typename?: 'TaskAttempt';
  /** Null while it runs. */
  endedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Why it failed; null while it runs or if it succeeded. */
  error?: Maybe<Scalars['String']['output']>;
  /** 1 for the first attempt. */
  number: Scalars['Int']['output'];
  startedAt: Scalars['DateTime']['output'];
};

/**
 * One page of the caller's tasks, newest first (by `createdAt`, then `id`), Relay style. A page
 * starts right after the cursor it was asked for, so tasks created while paging never shift it:
 * paging to the end reaches every task that existed at the start exactly once.
 */
export type TaskConnection = {
  __typename?: 'TaskConnection';
  /**
   * For each of the five statuses (in the enum's order, zeros included), how many of the caller's
   * tasks match the filter's other fields (kind, created range): the counts for a status selector.
   */
  countsByStatus: Array<TaskStatusCount>;
  edges: Array<TaskEdge>;
  pageInfo: PageInfo;
  /** How many of the caller's tasks match the whole filter (all pages), as they are now. */
  totalCount: Scalars['Int']['output'];
};

export type TaskEdge = {
  __typename?: 'TaskEdge';
  /** Opaque; pass it as `after` to continue after this task. */
  cursor: Scalars['String']['output'];
  node: Task;
};

/** One entry of a task's timeline. */
export type TaskEvent = {
  __typename?: 'TaskEvent';
  at: Scalars['DateTime']['output'];
  attempt?: Maybe<Scalars['Int']['output']>;
  level?: Maybe<LogLevel>;
  message?: Maybe<Scalars['String']['output']>;
  progress?: Maybe<Scalars['Int']['output']>;
  /** ENDED with FINISHED: the task's result. */
  result?: Maybe<TaskResult>;
  /** 1 for the first event of the task, then rising by one: no gaps, no repeats. */
  seq: Scalars['Int']['output'];
  /** The task's status after this event. */
  status?: Maybe<TaskStatus>;
  type: TaskEventType;
};

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
/**
 * Which of the caller's tasks a list or a bulk action is about. Every field is optional and they
 * combine with AND; an absent field does not filter, an empty list matches nothing.
 */
export type TaskFilter = {
  /** Created strictly after this instant. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created strictly before this instant. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** Any of these kinds (`TaskKind.name`); a name the deployment does not run is BAD_USER_INPUT. */
  kind?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Any of these statuses (as the task is when it is read). */
  status?: InputMaybe<Array<TaskStatus>>;
};

/** A kind of work this deployment runs. */
export type TaskKind = {
  __typename?: 'TaskKind';
  description: Scalars['String']['output'];
  /** Attempts a task of this kind makes unless `createTask` asks for its own `retry`. */
  maxAttempts: Scalars['Int']['output'];
  /** The key in `CreateTaskInput` and the value of `Task.kind`. */
  name: Scalars['String']['output'];
  /** Base delay before the second attempt; later ones back off exponentially, with jitter. */
  retryDelayMs: Scalars['Int']['output'];
  title: Scalars['String']['output'];
};

/** How the queue orders waiting tasks: every HIGH one due starts before any NORMAL, every NORMAL before any LOW. */
export const TaskPriority = {
  HIGH: 'HIGH',
  LOW: 'LOW',
  NORMAL: 'NORMAL'
} as const;

export type TaskPriority = typeof TaskPriority[keyof typeof TaskPriority];
/** The result of a FINISHED task: one type per kind. */
export type TaskResult = ExportResult | PrimesResult | SimulatedResult;

/**
 * A link that shows one task, read-only and live, to whoever has it: no session of the owner's is
 * needed, and it gives nothing else (see `sharedTask`).
 */
export type TaskShare = {
  __typename?: 'TaskShare';
  /** When the link stops working (unless revoked before). */
  expiresAt: Scalars['DateTime']['output'];
  /** The signed token in the link: what `sharedTask`, `sharedTaskStatus` and `sharedTaskEvents` take. */
  token: Scalars['String']['output'];
  /** Where the link opens, as a path on this site: `/watch/<token>`. */
  url: Scalars['String']['output'];
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
export type TaskStatusCount = {
  __typename?: 'TaskStatusCount';
  count: Scalars['Int']['output'];
  status: TaskStatus;
};


/** A task in a final status never changes again (see TaskStatus). */
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['FINISHED', 'CANCELLED', 'ERROR']);

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.has(status);
}
