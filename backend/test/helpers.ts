/**
 * Shared pieces of the backend e2e suites: the GraphQL documents, a typed caller acting as one
 * user, and the assertions every task stream must satisfy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  backendHeaders,
  CANCEL,
  CREATE,
  gqlHttp,
  isFinal,
  moveProblems,
  snapshotProblems,
  TASK,
  TASKS,
  type Backend,
  type CollectResult,
  type GqlResult,
  type Task,
} from '../../testkit/index.js';

export { CANCEL, CREATE, STATUS, TASK, TASKS, type Task } from '../../testkit/index.js';

/** A fresh user id (8-64 chars of [A-Za-z0-9_-]), unique per call. */
export function newUser(label = 'user'): string {
  return `${label}_${randomBytes(6).toString('hex')}`;
}

/** The backend's HTTP API as one user sees it. Methods throw on GraphQL errors; `raw` does not. */
export class Api {
  constructor(
    readonly backend: Pick<Backend, 'url' | 'token'>,
    readonly user: string,
  ) {}

  raw<D = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<D>> {
    return gqlHttp<D>(this.backend.url, query, variables, backendHeaders(this.backend.token, this.user));
  }

  private async ok<D>(query: string, variables: Record<string, unknown> | undefined, field: string): Promise<any> {
    const result = await this.raw<D>(query, variables);
    assert.equal(result.errors, undefined, `${field} failed: ${JSON.stringify(result.errors)}`);
    return (result.data as Record<string, unknown>)[field];
  }

  create(): Promise<Task> {
    return this.ok(CREATE, undefined, 'createTask');
  }
  get(id: string): Promise<Task> {
    return this.ok(TASK, { id }, 'task');
  }
  list(first?: number): Promise<Task[]> {
    // Without `first` the variable is absent, so the argument's default applies.
    return this.ok(TASKS, { first }, 'tasks');
  }
  cancel(id: string): Promise<Task> {
    return this.ok(CANCEL, { id }, 'cancelTask');
  }
}

/** The tasks a `taskStatus` subscription delivered. */
export function events(result: CollectResult<{ taskStatus: Task }> | { data: { taskStatus: Task }[] }): Task[] {
  return result.data.map((d) => d.taskStatus);
}

/**
 * What every taskStatus stream must look like (docs/reliability.md, invariants 3 and 4):
 * completed without error; versions rise by exactly one per event (nothing is skipped, since
 * every change is published after the subscription was confirmed); each snapshot is a sound
 * task and each move one of the product's transitions, attempts included (testkit's
 * task-rules, shared with the fault suite's checker); exactly one final event, and it is the
 * last. Returns the final event.
 */
export function assertCleanStream(result: CollectResult<{ taskStatus: Task }>, taskId: string): Task {
  assert.equal(result.error, undefined, `stream for ${taskId} ended in error: ${JSON.stringify(result.error)}`);
  assert.deepEqual(result.errors, [], `stream for ${taskId} carried errors`);
  assert.equal(result.completed, true, `stream for ${taskId} did not complete`);
  const list = events(result);
  assert.ok(list.length >= 1, 'a stream starts with a snapshot');
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    assert.equal(e.id, taskId, 'a stream carries only its own task');
    assert.deepEqual(snapshotProblems(e), [], `v${e.version} ${e.status}: ${JSON.stringify(e)}`);
    if (i > 0) {
      const prev = list[i - 1];
      assert.equal(e.version, prev.version + 1, `versions must rise by one: ${prev.version} then ${e.version}`);
      assert.deepEqual(moveProblems(prev, e), [], 'every move is a transition of the state machine');
    }
    assert.equal(isFinal(e.status), i === list.length - 1, `only the last event may be final: ${JSON.stringify(list)}`);
  }
  const last = list[list.length - 1];
  assert.ok(last.finishedAt, 'a final task has finishedAt');
  return last;
}

/** The error a result carries, without the parts that depend on the query's text. */
export function errorShape(result: GqlResult | undefined): unknown {
  assert.ok(result?.errors?.length, `expected an error, got ${JSON.stringify(result)}`);
  return result!.errors!.map(({ message, extensions, path }) => ({ message, extensions, path }));
}

/** Milliseconds between two ISO timestamps. */
export function msBetween(a: string, b: string): number {
  return Date.parse(b) - Date.parse(a);
}
