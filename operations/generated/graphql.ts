/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/**
 * What to run: exactly one field, named after the kind. `createTask` without an input runs
 * `simulated` with the server's defaults.
 */
export type CreateTaskInput =
  {   export: ExportInput; primes?: never; simulated?: never; }
  |  { export?: never;   primes: PrimesInput; simulated?: never; }
  |  { export?: never; primes?: never;   simulated: SimulatedInput; };

export type ExportFormat =
  /** One line per task; its timeline in the `events` column as JSON. */
  | 'CSV'
  /** One JSON object per line: a task with its `events`. */
  | 'NDJSON';

/** The caller's own task history, each task with its timeline, as a file to download. */
export type ExportInput = {
  format: ExportFormat;
};

export type LogLevel =
  | 'DEBUG'
  | 'ERROR'
  | 'INFO'
  | 'WARN';

/** Counts the primes below `below` (2 to 50000000), on a CPU thread of its own. */
export type PrimesInput = {
  below: number;
};

/** A task's own retry policy, instead of its kind's. */
export type RetryPolicyInput = {
  /** Delay before the second attempt, 0 to 300000 ms (default: the kind's); doubled for each later one, with jitter. */
  delayMs?: number | null | undefined;
  /** 1 to 10 (1: no automatic retry). */
  maxAttempts: number;
};

/** The seed's simulated work. Each field is optional; the server's configured value is the default. */
export type SimulatedInput = {
  /** The chance, 0 to 1, that an attempt fails at its end. */
  failureRate?: number | null | undefined;
  /** 0 to 600000. */
  maxDurationMs?: number | null | undefined;
  /** 0 to 600000, at most `maxDurationMs`. */
  minDurationMs?: number | null | undefined;
};

export type TaskEventType =
  /** An attempt failed (`attempt`, `message`: why). */
  | 'ATTEMPT_FAILED'
  /** An attempt began (`attempt`). */
  | 'ATTEMPT_STARTED'
  /** The owner asked to cancel the running task. */
  | 'CANCEL_REQUESTED'
  /** The task was queued. */
  | 'CREATED'
  /** The task reached its final status (`status`; `message`: the error, `result` when FINISHED). Always the last event. */
  | 'ENDED'
  /** A line the work logged (`message`, `level`). */
  | 'LOG'
  /** The work reported progress (`progress`); thinned to every 10 %. */
  | 'PROGRESS'
  /** Another attempt will run (`attempt`: its number, `message`: when). */
  | 'RETRY_SCHEDULED';

/**
 * Which of the caller's tasks a list or a bulk action is about. Every field is optional and they
 * combine with AND; an absent field does not filter, an empty list matches nothing.
 */
export type TaskFilter = {
  /** Created strictly after this instant. */
  createdAfter?: string | null | undefined;
  /** Created strictly before this instant. */
  createdBefore?: string | null | undefined;
  /** Any of these kinds (`TaskKind.name`); a name the deployment does not run is BAD_USER_INPUT. */
  kind?: Array<string> | null | undefined;
  /** Any of these statuses (as the task is when it is read). */
  status?: Array<TaskStatus> | null | undefined;
};

/** How the queue orders waiting tasks: every HIGH one due starts before any NORMAL, every NORMAL before any LOW. */
export type TaskPriority =
  | 'HIGH'
  | 'LOW'
  | 'NORMAL';

/** Where a task is in its life. FINISHED, CANCELLED and ERROR are final. */
export type TaskStatus =
  /** Stopped at the user's request; its worker slot is free. Final. */
  | 'CANCELLED'
  /** Failed; `error` says why. Final. */
  | 'ERROR'
  /** Ran to the end. Final. */
  | 'FINISHED'
  /** A worker is running it; `progress` rises from 0 to 100. */
  | 'IN_PROGRESS'
  /** Queued; no worker has started it yet. */
  | 'WAITING';

export type BenchWatchSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type BenchWatchSubscription = { taskStatus: { id: string, status: TaskStatus, progress: number, version: number } };

export type BenchCreateMutationVariables = Exact<{ [key: string]: never; }>;


export type BenchCreateMutation = { createTask: { id: string, status: TaskStatus, version: number } };

export type BenchListQueryVariables = Exact<{ [key: string]: never; }>;


export type BenchListQuery = { tasks: Array<{ id: string, status: TaskStatus, version: number }> };

export type BenchCancelMutationVariables = Exact<{
  id: string | number;
}>;


export type BenchCancelMutation = { cancelTask: { status: TaskStatus } };

export type BenchEventsSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type BenchEventsSubscription = { taskEvents: { seq: number, type: TaskEventType } };

export type BenchUpdatesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type BenchUpdatesSubscription = { taskUpdates: { id: string, status: TaskStatus, progress: number, version: number } };

export type BenchSharedWatchSubscriptionVariables = Exact<{
  token: string;
}>;


export type BenchSharedWatchSubscription = { sharedTaskStatus: { id: string, status: TaskStatus, progress: number, version: number } };

export type BenchShareMutationVariables = Exact<{
  id: string | number;
}>;


export type BenchShareMutation = { shareTask: { token: string } };

export type AllTaskFieldsFragment = { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
    | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
    | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
    | { __typename: 'SimulatedResult', durationMs: number }
   | null };

export type TaskEventFieldsFragment = { seq: number, at: string, type: TaskEventType, status: TaskStatus | null, progress: number | null, attempt: number | null, message: string | null, level: LogLevel | null, result:
    | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
    | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
    | { __typename: 'SimulatedResult', durationMs: number }
   | null };

export type TaskQueryVariables = Exact<{
  id: string | number;
}>;


export type TaskQuery = { task: { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null } | null };

export type TasksQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type TasksQuery = { tasks: Array<{ id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null }> };

export type TaskKindsQueryVariables = Exact<{ [key: string]: never; }>;


export type TaskKindsQuery = { taskKinds: Array<{ name: string, title: string, description: string, maxAttempts: number, retryDelayMs: number }> };

export type CreateTaskMutationVariables = Exact<{
  input?: CreateTaskInput | null | undefined;
  retry?: RetryPolicyInput | null | undefined;
  idempotencyKey?: string | null | undefined;
  delayMs?: number | null | undefined;
  runAt?: string | null | undefined;
  priority?: TaskPriority | null | undefined;
}>;


export type CreateTaskMutation = { createTask: { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null } };

export type RetryTaskMutationVariables = Exact<{
  id: string | number;
}>;


export type RetryTaskMutation = { retryTask: { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null } };

export type CancelTaskMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelTaskMutation = { cancelTask: { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null } };

export type TaskStatusSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type TaskStatusSubscription = { taskStatus: { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null } };

export type TaskEventsSubscriptionVariables = Exact<{
  id: string | number;
  after?: number | null | undefined;
}>;


export type TaskEventsSubscription = { taskEvents: { seq: number, at: string, type: TaskEventType, status: TaskStatus | null, progress: number | null, attempt: number | null, message: string | null, level: LogLevel | null, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null } };

export type TaskTimelineQueryVariables = Exact<{
  id: string | number;
  after?: number | null | undefined;
  first?: number | null | undefined;
}>;


export type TaskTimelineQuery = { task: { id: string, status: TaskStatus, events: Array<{ seq: number, at: string, type: TaskEventType, status: TaskStatus | null, progress: number | null, attempt: number | null, message: string | null, level: LogLevel | null, result:
        | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
        | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
        | { __typename: 'SimulatedResult', durationMs: number }
       | null }> } | null };

export type TaskListFieldsFragment = { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, retryOf: string | null };

export type TaskHistoryQueryVariables = Exact<{
  filter?: TaskFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type TaskHistoryQuery = { taskHistory: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, retryOf: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null }, countsByStatus: Array<{ status: TaskStatus, count: number }> } };

export type BulkResultFieldsFragment = { matched: number, applied: number, skipped: number, hasMore: boolean, retryAfterSeconds: number | null };

export type CancelTasksMutationVariables = Exact<{
  filter: TaskFilter;
  dryRun?: boolean | null | undefined;
}>;


export type CancelTasksMutation = { cancelTasks: { matched: number, applied: number, skipped: number, hasMore: boolean, retryAfterSeconds: number | null } };

export type RetryTasksMutationVariables = Exact<{
  filter: TaskFilter;
  dryRun?: boolean | null | undefined;
}>;


export type RetryTasksMutation = { retryTasks: { matched: number, applied: number, skipped: number, hasMore: boolean, retryAfterSeconds: number | null } };

export type TaskUpdatesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type TaskUpdatesSubscription = { taskUpdates: { id: string, kind: string, status: TaskStatus, progress: number, version: number, createdAt: string, startedAt: string | null, finishedAt: string | null, error: string | null, attempt: number, maxAttempts: number, nextAttemptAt: string | null, scheduledFor: string | null, priority: TaskPriority, queuePosition: number | null, retryOf: string | null, retries: Array<string>, attempts: Array<{ number: number, startedAt: string, endedAt: string | null, error: string | null }>, result:
      | { __typename: 'ExportResult', url: string, bytes: number, rows: number, format: ExportFormat }
      | { __typename: 'PrimesResult', count: number, largest: number | null, below: number }
      | { __typename: 'SimulatedResult', durationMs: number }
     | null } };

export type ShareTaskMutationVariables = Exact<{
  id: string | number;
  expiresInSeconds?: number | null | undefined;
}>;


export type ShareTaskMutation = { shareTask: { url: string, expiresAt: string } };

export type RevokeTaskShareMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeTaskShareMutation = { revokeTaskShare: boolean };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const AllTaskFieldsFragmentDoc = new TypedDocumentString(`
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}
    `, {"fragmentName":"AllTaskFields"}) as unknown as TypedDocumentString<AllTaskFieldsFragment, unknown>;
export const TaskEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment TaskEventFields on TaskEvent {
  seq
  at
  type
  status
  progress
  attempt
  message
  level
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
}
    `, {"fragmentName":"TaskEventFields"}) as unknown as TypedDocumentString<TaskEventFieldsFragment, unknown>;
export const TaskListFieldsFragmentDoc = new TypedDocumentString(`
    fragment TaskListFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  retryOf
}
    `, {"fragmentName":"TaskListFields"}) as unknown as TypedDocumentString<TaskListFieldsFragment, unknown>;
export const BulkResultFieldsFragmentDoc = new TypedDocumentString(`
    fragment BulkResultFields on BulkResult {
  matched
  applied
  skipped
  hasMore
  retryAfterSeconds
}
    `, {"fragmentName":"BulkResultFields"}) as unknown as TypedDocumentString<BulkResultFieldsFragment, unknown>;
export const BenchWatchDocument = new TypedDocumentString(`
    subscription BenchWatch($id: ID!) {
  taskStatus(id: $id) {
    id
    status
    progress
    version
  }
}
    `, {"hash":"sha256:35ad39f26f9756eb2ebf1d2ff55dcebaaad3e6bba055f9137eb793639c014467"}) as unknown as TypedDocumentString<BenchWatchSubscription, BenchWatchSubscriptionVariables>;
export const BenchCreateDocument = new TypedDocumentString(`
    mutation BenchCreate {
  createTask {
    id
    status
    version
  }
}
    `, {"hash":"sha256:56a6664061e70930d20089f4443dd2ccbdb10151f3dfe1a6d5247ef19e389e22"}) as unknown as TypedDocumentString<BenchCreateMutation, BenchCreateMutationVariables>;
export const BenchListDocument = new TypedDocumentString(`
    query BenchList {
  tasks(first: 1) {
    id
    status
    version
  }
}
    `, {"hash":"sha256:58f8660250c92a42ee2f97d472901b2157eaed4d59be30d1197b6295ef9f0b11"}) as unknown as TypedDocumentString<BenchListQuery, BenchListQueryVariables>;
export const BenchCancelDocument = new TypedDocumentString(`
    mutation BenchCancel($id: ID!) {
  cancelTask(id: $id) {
    status
  }
}
    `, {"hash":"sha256:0b26af2e5cec8212204bd7bf89310b8a02e611bb2ab4585a8cfb99895aa3e2ec"}) as unknown as TypedDocumentString<BenchCancelMutation, BenchCancelMutationVariables>;
export const BenchEventsDocument = new TypedDocumentString(`
    subscription BenchEvents($id: ID!) {
  taskEvents(id: $id) {
    seq
    type
  }
}
    `, {"hash":"sha256:cf2c5f91b83f117ee1d30fbe879ea537ce167e23e6f0371ecb149ad77ac8951f"}) as unknown as TypedDocumentString<BenchEventsSubscription, BenchEventsSubscriptionVariables>;
export const BenchUpdatesDocument = new TypedDocumentString(`
    subscription BenchUpdates {
  taskUpdates {
    id
    status
    progress
    version
  }
}
    `, {"hash":"sha256:0686730685f4299ae16b24f07d6e37bfbb492a9bfd6c167908f9525f505dd367"}) as unknown as TypedDocumentString<BenchUpdatesSubscription, BenchUpdatesSubscriptionVariables>;
export const BenchSharedWatchDocument = new TypedDocumentString(`
    subscription BenchSharedWatch($token: String!) {
  sharedTaskStatus(token: $token) {
    id
    status
    progress
    version
  }
}
    `, {"hash":"sha256:3dd3bd718832b7badd5413c866ca4c9253edceab89652f53ac2ebf506dc4e6cb"}) as unknown as TypedDocumentString<BenchSharedWatchSubscription, BenchSharedWatchSubscriptionVariables>;
export const BenchShareDocument = new TypedDocumentString(`
    mutation BenchShare($id: ID!) {
  shareTask(id: $id) {
    token
  }
}
    `, {"hash":"sha256:44435ce6d370e62c62b9221da8533c68d625b0087f8550c849b7e8ad8b7ad1c3"}) as unknown as TypedDocumentString<BenchShareMutation, BenchShareMutationVariables>;
export const TaskDocument = new TypedDocumentString(`
    query Task($id: ID!) {
  task(id: $id) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}`, {"hash":"sha256:ab77bb73a345e202294e9dedb0ba6b788284974a1b0887ef73f38da2c646dcb0"}) as unknown as TypedDocumentString<TaskQuery, TaskQueryVariables>;
export const TasksDocument = new TypedDocumentString(`
    query Tasks($first: Int) {
  tasks(first: $first) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}`, {"hash":"sha256:22d7fa7bb2b8837abc6fbe370b8b0a43cf9336b5dc3eb68a7f91f565b0d2b2c7"}) as unknown as TypedDocumentString<TasksQuery, TasksQueryVariables>;
export const TaskKindsDocument = new TypedDocumentString(`
    query TaskKinds {
  taskKinds {
    name
    title
    description
    maxAttempts
    retryDelayMs
  }
}
    `, {"hash":"sha256:aee4701306e65b289eef2cd100e5db158e02e858cfbb57b7eab934f0fd24234a"}) as unknown as TypedDocumentString<TaskKindsQuery, TaskKindsQueryVariables>;
export const CreateTaskDocument = new TypedDocumentString(`
    mutation CreateTask($input: CreateTaskInput, $retry: RetryPolicyInput, $idempotencyKey: String, $delayMs: Int, $runAt: DateTime, $priority: TaskPriority) {
  createTask(
    input: $input
    retry: $retry
    idempotencyKey: $idempotencyKey
    delayMs: $delayMs
    runAt: $runAt
    priority: $priority
  ) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}`, {"hash":"sha256:1f396f048ac1f8b038ad830e5a08571c7824f1286d0a4860a4fff2de1879d4cd"}) as unknown as TypedDocumentString<CreateTaskMutation, CreateTaskMutationVariables>;
export const RetryTaskDocument = new TypedDocumentString(`
    mutation RetryTask($id: ID!) {
  retryTask(id: $id) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}`, {"hash":"sha256:bebf89945e57edcc9b64519fe69abfb71ef927c04634438f85f083f15ebe83b9"}) as unknown as TypedDocumentString<RetryTaskMutation, RetryTaskMutationVariables>;
export const CancelTaskDocument = new TypedDocumentString(`
    mutation CancelTask($id: ID!) {
  cancelTask(id: $id) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}`, {"hash":"sha256:8c504444d354d7d00fd2f5ffec7560428d379801654cb435984f59b2a90641fa"}) as unknown as TypedDocumentString<CancelTaskMutation, CancelTaskMutationVariables>;
export const TaskStatusDocument = new TypedDocumentString(`
    subscription TaskStatus($id: ID!) {
  taskStatus(id: $id) {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}`, {"hash":"sha256:a0d72b3df507adb432221db75246ed5c8ac3b65264db118b7dbd004940a9b2d8"}) as unknown as TypedDocumentString<TaskStatusSubscription, TaskStatusSubscriptionVariables>;
export const TaskEventsDocument = new TypedDocumentString(`
    subscription TaskEvents($id: ID!, $after: Int = 0) {
  taskEvents(id: $id, after: $after) {
    ...TaskEventFields
  }
}
    fragment TaskEventFields on TaskEvent {
  seq
  at
  type
  status
  progress
  attempt
  message
  level
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
}`, {"hash":"sha256:66725b309367c139f2e6fc036f6a55790af5991f67a04f9a34d45e34e1672e35"}) as unknown as TypedDocumentString<TaskEventsSubscription, TaskEventsSubscriptionVariables>;
export const TaskTimelineDocument = new TypedDocumentString(`
    query TaskTimeline($id: ID!, $after: Int = 0, $first: Int = 100) {
  task(id: $id) {
    id
    status
    events(after: $after, first: $first) {
      seq
      at
      type
      status
      progress
      attempt
      message
      level
      result {
        __typename
        ... on SimulatedResult {
          durationMs
        }
        ... on PrimesResult {
          count
          largest
          below
        }
        ... on ExportResult {
          url
          bytes
          rows
          format
        }
      }
    }
  }
}
    `, {"hash":"sha256:0f17840af8c94439548629ccdb7ea7856b895514500a311462d1e14ba8f34beb"}) as unknown as TypedDocumentString<TaskTimelineQuery, TaskTimelineQueryVariables>;
export const TaskHistoryDocument = new TypedDocumentString(`
    query TaskHistory($filter: TaskFilter, $first: Int = 20, $after: String) {
  taskHistory(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node {
        ...TaskListFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
    totalCount
    countsByStatus {
      status
      count
    }
  }
}
    fragment TaskListFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  retryOf
}`, {"hash":"sha256:618ee7207863c1438ec943445816b6b390bf642ed616d55da98e8f49871dca66"}) as unknown as TypedDocumentString<TaskHistoryQuery, TaskHistoryQueryVariables>;
export const CancelTasksDocument = new TypedDocumentString(`
    mutation CancelTasks($filter: TaskFilter!, $dryRun: Boolean = false) {
  cancelTasks(filter: $filter, dryRun: $dryRun) {
    ...BulkResultFields
  }
}
    fragment BulkResultFields on BulkResult {
  matched
  applied
  skipped
  hasMore
  retryAfterSeconds
}`, {"hash":"sha256:e171746af77077fc94d7b6ea1d1bf9ef3330f6c8df33cef0adecd9c6a133c188"}) as unknown as TypedDocumentString<CancelTasksMutation, CancelTasksMutationVariables>;
export const RetryTasksDocument = new TypedDocumentString(`
    mutation RetryTasks($filter: TaskFilter!, $dryRun: Boolean = false) {
  retryTasks(filter: $filter, dryRun: $dryRun) {
    ...BulkResultFields
  }
}
    fragment BulkResultFields on BulkResult {
  matched
  applied
  skipped
  hasMore
  retryAfterSeconds
}`, {"hash":"sha256:fce6d24f8dfa6fe4aa36d8d71c687d8124636e201e908bb93fd50e4d549c50c1"}) as unknown as TypedDocumentString<RetryTasksMutation, RetryTasksMutationVariables>;
export const TaskUpdatesDocument = new TypedDocumentString(`
    subscription TaskUpdates {
  taskUpdates {
    ...AllTaskFields
  }
}
    fragment AllTaskFields on Task {
  id
  kind
  status
  progress
  version
  createdAt
  startedAt
  finishedAt
  error
  attempt
  maxAttempts
  nextAttemptAt
  scheduledFor
  priority
  queuePosition
  attempts {
    number
    startedAt
    endedAt
    error
  }
  result {
    __typename
    ... on SimulatedResult {
      durationMs
    }
    ... on PrimesResult {
      count
      largest
      below
    }
    ... on ExportResult {
      url
      bytes
      rows
      format
    }
  }
  retryOf
  retries
}`, {"hash":"sha256:207633a6bb43962e06c5c75d915aa47441f08a54897f9518c680fc3970126c26"}) as unknown as TypedDocumentString<TaskUpdatesSubscription, TaskUpdatesSubscriptionVariables>;
export const ShareTaskDocument = new TypedDocumentString(`
    mutation ShareTask($id: ID!, $expiresInSeconds: Int = 3600) {
  shareTask(id: $id, expiresInSeconds: $expiresInSeconds) {
    url
    expiresAt
  }
}
    `, {"hash":"sha256:c2d355afe6b9441a9a20a1e50b7a6a1edf4d49cabd5efd227c683c5381c2d96d"}) as unknown as TypedDocumentString<ShareTaskMutation, ShareTaskMutationVariables>;
export const RevokeTaskShareDocument = new TypedDocumentString(`
    mutation RevokeTaskShare($id: ID!) {
  revokeTaskShare(id: $id)
}
    `, {"hash":"sha256:536675d9c36d2501d8cafbbf498cc558bdcab22b4587c13c1037e07e3a7690d7"}) as unknown as TypedDocumentString<RevokeTaskShareMutation, RevokeTaskShareMutationVariables>;