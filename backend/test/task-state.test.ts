import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FINAL_STATUSES, isFinal, recordFromHash, TASK_STATUSES, toPublic, TRANSITIONS, type TaskStatus } from '../src/tasks/task-state.js';

/** The contract's table (docs/architecture.md), written out independently of the code. */
const CONTRACT: Record<TaskStatus, TaskStatus[]> = {
  // WAITING → WAITING: a job lost before its attempt started counts as a failed attempt (retry).
  WAITING: ['IN_PROGRESS', 'WAITING', 'CANCELLED', 'ERROR'],
  // IN_PROGRESS → WAITING: the attempt failed and another one will run.
  IN_PROGRESS: ['IN_PROGRESS', 'WAITING', 'FINISHED', 'CANCELLED', 'ERROR'],
  FINISHED: [],
  CANCELLED: [],
  ERROR: [],
};

describe('task state machine', () => {
  test('the statuses are exactly the schema enum', () => {
    assert.deepEqual([...TASK_STATUSES], ['WAITING', 'IN_PROGRESS', 'FINISHED', 'CANCELLED', 'ERROR']);
  });

  test('the named transitions make exactly the moves of the contract, none from a final status', () => {
    const made = Object.values(TRANSITIONS).flatMap((t) => t.from.map((from) => `${from} → ${t.to}`));
    const contract = Object.entries(CONTRACT).flatMap(([from, tos]) => tos.map((to) => `${from} → ${to}`));
    assert.deepEqual([...new Set(made)].sort(), contract.sort());
    for (const [name, t] of Object.entries(TRANSITIONS)) {
      assert.ok(t.from.length > 0, `${name} has no source status`);
      for (const from of t.from) assert.equal(isFinal(from), false, `${name} starts from final ${from}`);
    }
  });

  test('final statuses are FINISHED, CANCELLED and ERROR', () => {
    assert.deepEqual([...FINAL_STATUSES].sort(), ['CANCELLED', 'ERROR', 'FINISHED']);
    for (const status of TASK_STATUSES) assert.equal(isFinal(status), FINAL_STATUSES.has(status), status);
  });

  test('the named transitions are the ones the system needs', () => {
    assert.deepEqual(TRANSITIONS.start, { from: ['WAITING'], to: 'IN_PROGRESS', attempt: 'open', event: 'ATTEMPT_STARTED' });
    assert.deepEqual(TRANSITIONS.progress, { from: ['IN_PROGRESS'], to: 'IN_PROGRESS', attempt: 'none', event: 'PROGRESS' });
    assert.deepEqual(TRANSITIONS.finish, { from: ['IN_PROGRESS'], to: 'FINISHED', attempt: 'close', event: 'ENDED' });
    assert.deepEqual(TRANSITIONS.retry, { from: ['WAITING', 'IN_PROGRESS'], to: 'WAITING', attempt: 'next', event: 'RETRY_SCHEDULED' });
    assert.deepEqual([...TRANSITIONS.fail.from].sort(), ['IN_PROGRESS', 'WAITING']);
    assert.equal(TRANSITIONS.fail.to, 'ERROR');
    assert.equal(TRANSITIONS.fail.attempt, 'fail');
    // Cancelling a WAITING task and a running one are distinct: only the worker confirms the latter.
    assert.deepEqual(TRANSITIONS.cancelWaiting, { from: ['WAITING'], to: 'CANCELLED', attempt: 'none', event: 'ENDED' });
    assert.deepEqual(TRANSITIONS.cancelRunning, { from: ['IN_PROGRESS'], to: 'CANCELLED', attempt: 'close', event: 'ENDED' });
  });

  test('every final status is reached with the ENDED event, every other change with an event of its own', () => {
    for (const [name, t] of Object.entries(TRANSITIONS)) assert.equal(t.event === 'ENDED', isFinal(t.to), name);
  });
});

describe('recordFromHash', () => {
  const created = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const full = {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    owner: 'user_abcdefgh',
    status: 'ERROR',
    progress: '40',
    version: '7',
    createdAt: String(created),
    startedAt: String(created + 1000),
    finishedAt: String(created + 5000),
    error: 'boom',
    updatedAt: String(created + 5000),
    kind: 'primes',
    input: '{"below":100}',
    attempt: '2',
    maxAttempts: '3',
    retryDelayMs: '500',
    priority: 'HIGH',
    scheduledFor: String(created + 500),
    attempts: JSON.stringify([
      { number: 1, startedAt: created + 100, endedAt: created + 900, error: 'first' },
      { number: 2, startedAt: created + 1000, endedAt: created + 5000, error: 'boom' },
    ]),
    retryOf: '1f8fad5b-d9cb-469f-a165-70867728950e',
    retries: '["2f8fad5b-d9cb-469f-a165-70867728950e"]',
  };

  test('reads every field, times as ISO strings', () => {
    assert.deepEqual(recordFromHash(full), {
      id: full.id,
      owner: 'user_abcdefgh',
      status: 'ERROR',
      progress: 40,
      version: 7,
      createdAt: '2026-01-02T03:04:05.678Z',
      startedAt: '2026-01-02T03:04:06.678Z',
      finishedAt: '2026-01-02T03:04:10.678Z',
      error: 'boom',
      updatedAt: created + 5000,
      kind: 'primes',
      input: { below: 100 },
      attempt: 2,
      maxAttempts: 3,
      retryDelayMs: 500,
      nextAttemptAt: null,
      scheduledFor: '2026-01-02T03:04:06.178Z',
      priority: 'HIGH',
      attempts: [
        { number: 1, startedAt: created + 100, endedAt: created + 900, error: 'first' },
        { number: 2, startedAt: created + 1000, endedAt: created + 5000, error: 'boom' },
      ],
      result: null,
      retryOf: '1f8fad5b-d9cb-469f-a165-70867728950e',
      retries: ['2f8fad5b-d9cb-469f-a165-70867728950e'],
    });
  });

  test('a record written before kinds is the simulated task with one attempt; cjson writes an empty array as `{}` reads as []', () => {
    const record = recordFromHash({ id: full.id, owner: full.owner, status: 'WAITING', createdAt: String(created), retries: '{}', attempts: '{}' });
    assert.equal(record?.kind, 'simulated');
    assert.equal(record?.attempt, 1);
    assert.equal(record?.maxAttempts, 1);
    assert.deepEqual(record?.retries, []);
    assert.deepEqual(record?.attempts, []);
  });

  test('a fresh WAITING hash gets nulls for the optional fields', () => {
    const record = recordFromHash({ id: full.id, owner: full.owner, status: 'WAITING', progress: '0', version: '1', createdAt: String(created) });
    assert.deepEqual(record, {
      id: full.id,
      owner: full.owner,
      status: 'WAITING',
      progress: 0,
      version: 1,
      createdAt: '2026-01-02T03:04:05.678Z',
      startedAt: null,
      finishedAt: null,
      error: null,
      updatedAt: undefined,
      kind: 'simulated',
      input: undefined,
      attempt: 1,
      maxAttempts: 1,
      retryDelayMs: 0,
      nextAttemptAt: null,
      scheduledFor: null,
      priority: 'NORMAL',
      attempts: [],
      result: null,
      retryOf: null,
      retries: [],
    });
  });

  test('missing progress and version default to 0 and 1', () => {
    const record = recordFromHash({ id: full.id, owner: full.owner, status: 'WAITING', createdAt: String(created) });
    assert.equal(record?.progress, 0);
    assert.equal(record?.version, 1);
  });

  test('an empty (expired) or malformed hash is null', () => {
    assert.equal(recordFromHash({}), null);
    for (const key of ['id', 'owner', 'status', 'createdAt'] as const) {
      const { [key]: _dropped, ...rest } = full;
      assert.equal(recordFromHash(rest), null, `without ${key}`);
    }
    assert.equal(recordFromHash({ ...full, status: 'DONE' }), null);
    assert.equal(recordFromHash({ ...full, status: 'waiting' }), null);
    assert.equal(recordFromHash({ ...full, id: '' }), null);
  });

  test('toPublic drops the owner, the input and the internal fields; attempt times become ISO strings', () => {
    const record = recordFromHash(full)!;
    const pub = toPublic(record);
    assert.equal('owner' in pub, false);
    const { owner: _owner, updatedAt: _updatedAt, input: _input, retryDelayMs: _delay, attempts: _attempts, ...rest } = record;
    assert.deepEqual(pub, {
      ...rest,
      attempts: [
        { number: 1, startedAt: '2026-01-02T03:04:05.778Z', endedAt: '2026-01-02T03:04:06.578Z', error: 'first' },
        { number: 2, startedAt: '2026-01-02T03:04:06.678Z', endedAt: '2026-01-02T03:04:10.678Z', error: 'boom' },
      ],
    });
  });
});
