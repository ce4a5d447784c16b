import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcileAction } from '../src/tasks/reconcile-action.js';
import type { TaskRecord, TaskStatus } from '../src/tasks/task-state.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const GRACE = 2000;
const STUCK = 5000;
const BOUNDS = { graceMs: GRACE, stuckAfterMs: STUCK };

function record(status: TaskStatus, createdAgoMs = 10_000, startedAgoMs: number | null = null, updatedAgoMs?: number, attempt = 1): TaskRecord {
  return {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    owner: 'user_abcdefgh',
    kind: 'simulated',
    input: undefined,
    attempt,
    maxAttempts: 3,
    retryDelayMs: 1000,
    nextAttemptAt: null,
    scheduledFor: null,
    priority: 'NORMAL',
    attempts: [],
    result: null,
    retryOf: null,
    retries: [],
    status,
    progress: 0,
    version: 1,
    createdAt: new Date(NOW - createdAgoMs).toISOString(),
    startedAt: startedAgoMs === null ? null : new Date(NOW - startedAgoMs).toISOString(),
    finishedAt: null,
    error: null,
    updatedAt: updatedAgoMs === undefined ? undefined : NOW - updatedAgoMs,
  };
}

test('gone or final records are forgotten, whatever the job says', () => {
  for (const state of ['completed', 'failed', 'active', 'waiting', 'unknown']) {
    assert.equal(reconcileAction(null, state, NOW, BOUNDS), 'forget');
    for (const s of ['FINISHED', 'CANCELLED', 'ERROR'] as const) assert.equal(reconcileAction(record(s), state, NOW, BOUNDS), 'forget');
  }
});

test('a live record whose job ended is brought in line with the job', () => {
  for (const s of ['WAITING', 'IN_PROGRESS'] as const) {
    assert.equal(reconcileAction(record(s, 10_000, 5000), 'completed', NOW, BOUNDS), 'finish');
    assert.equal(reconcileAction(record(s, 10_000, 5000), 'failed', NOW, BOUNDS), 'fail');
  }
});

test('a job still queued, or running with a record that keeps changing, is left alone', () => {
  for (const state of ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']) {
    assert.equal(reconcileAction(record('WAITING', 10 * 60_000), state, NOW, BOUNDS), 'none', state);
    assert.equal(reconcileAction(record('IN_PROGRESS', 10 * 60_000, 5 * 60_000, STUCK - 1), state, NOW, BOUNDS), 'none', state);
  }
});

test('a running job whose record stayed silent past the bound is stuck', () => {
  assert.equal(reconcileAction(record('IN_PROGRESS', 60_000, 30_000, STUCK + 1), 'active', NOW, BOUNDS), 'stuck');
  // Without updatedAt (a record written before it existed) the start counts.
  assert.equal(reconcileAction(record('IN_PROGRESS', 60_000, STUCK + 1), 'active', NOW, BOUNDS), 'stuck');
  assert.equal(reconcileAction(record('IN_PROGRESS', 60_000, STUCK - 1), 'active', NOW, BOUNDS), 'none');
  // A job that sits in another state is not running: stuck applies to active jobs only.
  assert.equal(reconcileAction(record('IN_PROGRESS', 60_000, 30_000, STUCK + 1), 'waiting', NOW, BOUNDS), 'none');
  assert.equal(reconcileAction(record('WAITING', 60_000, null, STUCK + 1), 'active', NOW, BOUNDS), 'none');
});

test('a retry whose job never appeared is queued again, after the grace period', () => {
  assert.equal(reconcileAction(record('WAITING', 60_000, 50_000, GRACE - 1, 2), 'unknown', NOW, BOUNDS), 'none');
  assert.equal(reconcileAction(record('WAITING', 60_000, 50_000, GRACE + 1, 2), 'unknown', NOW, BOUNDS), 'requeue');
  assert.equal(reconcileAction(record('IN_PROGRESS', 60_000, 50_000, GRACE + 1, 2), 'unknown', NOW, BOUNDS), 'lost');
});

test('a vanished job means lost, but only after the grace period', () => {
  assert.equal(reconcileAction(record('WAITING', GRACE - 1), 'unknown', NOW, BOUNDS), 'none', 'just created: its job may not be queued yet');
  assert.equal(reconcileAction(record('WAITING', GRACE + 1), 'unknown', NOW, BOUNDS), 'lost');
  // For a started task the grace runs from its start, not its creation.
  assert.equal(reconcileAction(record('IN_PROGRESS', 60_000, GRACE - 1), 'unknown', NOW, BOUNDS), 'none');
  assert.equal(reconcileAction(record('IN_PROGRESS', 60_000, GRACE + 1), 'unknown', NOW, BOUNDS), 'lost');
});
