import type { Config } from '../config/config.js';
import type { LogLevel } from '../graphql/generated/schema-types.js';
import type { PublicTask } from './task-state.js';
import type { StoredEvent } from './task-events.js';

/**
 * The contract between the core and a kind of task. A kind is one folder under `kinds/`
 * whose `index.ts` default-exports `defineKind(...)`; the core finds it there (see
 * `kind-registry.ts`), so adding a kind touches that folder and the SDL only. The kind's
 * `name` is its field in `CreateTaskInput` and its `Task.kind`.
 */
export interface KindDefinition<Input = unknown, Result extends KindResult = KindResult> {
  name: string;
  title: string;
  description: string;
  /** The kind's retry policy: attempts in all, and the base delay before the second one. */
  retry: { maxAttempts: number; delayMs: number };
  /**
   * Checks the kind's GraphQL input (already shaped by the schema; `undefined` when
   * `createTask` had no input) against the server's limits and returns what `run` gets.
   * Throws `BadUserInputError` naming the field as `input.<kind>.<field>`.
   */
  parse(input: Input | null | undefined): Input;
  /**
   * Does the work of one attempt. Resolve with the result; throw to fail the attempt (retried
   * while attempts remain, unless the error is a `PermanentError`). Must stop soon after
   * `ctx.signal` aborts (cancel, lock lost, stuck).
   */
  run(ctx: TaskContext, input: Input): Promise<Result>;
}

/** A result is one of the schema's `TaskResult` types, naming itself. */
export interface KindResult {
  __typename: string;
}

/** What a kind's module exports: built once per process from the parsed configuration. */
export type KindFactory = (config: Config, services: KindServices) => KindDefinition<never, KindResult>;

/** Declares a kind (typed for its own input and result). */
export function defineKind<Input, Result extends KindResult>(factory: (config: Config, services: KindServices) => KindDefinition<Input, Result>): KindFactory {
  return factory as unknown as KindFactory;
}

/** What one attempt of a task sees. */
export interface TaskContext {
  readonly taskId: string;
  /** The task's owner (an opaque user id): for kinds that act on the owner's own data. */
  readonly owner: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the work must stop: cancelled, its job lock lost, or silent for too long. */
  readonly signal: AbortSignal;
  /**
   * Reports progress (0–100, rising). Also tells the core the work is alive: a task that
   * reports nothing for TASK_STALL_TIMEOUT_MS is stopped as stuck. Best-effort; never throws.
   */
  progress(percent: number): Promise<void>;
  /** Adds a line to the task's timeline (bounded in length, count and rate; see docs/kinds.md). */
  log(message: string, level?: LogLevel): void;
}

/** Services of the core a kind may use (besides its context). */
export interface KindServices {
  /** The owner's tasks, newest first (every retained one, up to `limit`), each with its timeline. */
  history(owner: string, limit: number): AsyncIterable<{ task: PublicTask; events: StoredEvent[] }>;
  /**
   * Stores `content` as the task's download, kept as long as the task's record. Answers the
   * path its owner downloads it from. Over `maxBytes` (FILE_MAX_BYTES) it throws a PermanentError.
   */
  saveFile(taskId: string, content: string, meta: { contentType: string; filename: string }): Promise<{ url: string; bytes: number }>;
  /** The largest file `saveFile` accepts, in bytes. */
  readonly maxFileBytes: number;
}

/** An error that retrying cannot fix (bad data, a cap exceeded): the task ends ERROR at once. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}
