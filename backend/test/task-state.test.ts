import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FINAL_STATUSES, isFinal, recordFromHash, TASK_STATUSES, toPublic, TRANSITIONS, type TaskStatus } from '../src/tasks/task-state.js';

/** The contract's table (docs/architecture.md), written out independently of the code. */
const CONTRACT: Record<TaskStatus, TaskStatus[]> = {
  WAITING: ['IN_PROGRESS', 'CANCELLED', 'ERROR'],
  IN_PROGRESS: ['IN_PROGRESS', 'FINISHED', 'CANCELLED', 'ERROR'],
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
    assert.deepEqual(TRANSITIONS.start, { from: ['WAITING'], to: 'IN_PROGRESS' });
    assert.deepEqual(TRANSITIONS.progress, { from: ['IN_PROGRESS'], to: 'IN_PROGRESS' });
    assert.deepEqual(TRANSITIONS.finish, { from: ['IN_PROGRESS'], to: 'FINISHED' });
    assert.deepEqual([...TRANSITIONS.fail.from].sort(), ['IN_PROGRESS', 'WAITING']);
    assert.equal(TRANSITIONS.fail.to, 'ERROR');
    // Cancelling a WAITING task and a running one are distinct: only the worker confirms the latter.
    assert.deepEqual(TRANSITIONS.cancelWaiting, { from: ['WAITING'], to: 'CANCELLED' });
    assert.deepEqual(TRANSITIONS.cancelRunning, { from: ['IN_PROGRESS'], to: 'CANCELLED' });
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
    });
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

  test('toPublic drops the owner and the internal updatedAt, nothing else', () => {
    const record = recordFromHash(full)!;
    const pub = toPublic(record);
    assert.equal('owner' in pub, false);
    const { owner: _owner, updatedAt: _updatedAt, ...rest } = record;
    assert.deepEqual(pub, rest);
  });
});
