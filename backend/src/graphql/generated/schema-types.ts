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
