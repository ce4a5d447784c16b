/**
 * The checker itself, on hand-made histories: a clean history passes, and each kind of
 * violation is caught (a checker that cannot fail would make the whole suite meaningless).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planTask } from '../backend/src/tasks/kinds/simulated/plan.js';
import type { TaskRecord } from '../backend/src/tasks/task-state.js';
import { isFinal, type TaskStatus } from '../testkit/index.js';
import { check, History, type SeenTask, type Stored, type Violation } from './history.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
const FAIL_REASON = 'The task failed (a simulated failure, as configured by TASK_FAILURE_RATE)';

function rec(id: string, status: TaskStatus, version: number, extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    owner: 'session',
    kind: 'simulated',
    input: undefined,
    attempt: 1,
    maxAttempts: 1,
    retryDelayMs: 1000,
    nextAttemptAt: null,
    attempts: [],
    result: null,
    retryOf: null,
    retries: [],
    status,
    progress: status === 'FINISHED' ? 100 : 0,
    version,
    createdAt: T0,
    startedAt: null,
    finishedAt: isFinal(status) ? T1 : null,
    error: status === 'ERROR' ? FAIL_REASON : null,
    ...extra,
  };
}
const seen = (r: TaskRecord): SeenTask => ({ id: r.id, status: r.status, version: r.version, progress: r.progress, error: r.error, finishedAt: r.finishedAt });

/** One task `a` of user `u`, one subscription that saw WAITING, IN_PROGRESS, FINISHED and completed. */
function clean(): { h: History; stored: Stored; final: TaskRecord } {
  const h = new History();
  h.acknowledge('a', 'u');
  const final = rec('a', 'FINISHED', 3);
  const s = h.subscription('a', 'u');
  s.events.push({ task: seen(rec('a', 'WAITING', 1)), connection: 1 });
  s.events.push({ task: seen(rec('a', 'IN_PROGRESS', 2)), connection: 1 });
  s.events.push({ task: seen(final), connection: 1 });
  s.completed = true;
  s.ended = true;
  return { h, stored: new Map([['a', final]]), final };
}
const kinds = (v: Violation[]) => [...new Set(v.map((x) => x.kind))].sort();

test('a clean history passes', () => {
  const { h, stored } = clean();
  assert.deepEqual(check(h, stored), []);
});

test('a reconnect may repeat the last version identically, nothing else', () => {
  const { h, stored, final } = clean();
  const s = h.subscriptions[0];
  s.events.splice(2, 0, { task: seen(rec('a', 'IN_PROGRESS', 2)), connection: 2 });
  s.events[3].connection = 2;
  assert.deepEqual(check(h, stored), [], 'identical repeat after a reconnect is fine');
  s.events[2].connection = 1;
  assert.deepEqual(kinds(check(h, stored)), ['monotonic'], 'a repeat on one connection is not');
  s.events[2] = { task: { ...seen(rec('a', 'IN_PROGRESS', 2)), progress: 50 }, connection: 2 };
  assert.deepEqual(kinds(check(h, stored)), ['monotonic'], 'same version, different content');
  void final;
});

test('loss: an acknowledged task without a record', () => {
  const { h, stored } = clean();
  h.acknowledge('b', 'u');
  assert.deepEqual(kinds(check(h, stored)), ['loss']);
  stored.set('b', null);
  assert.deepEqual(kinds(check(h, stored)), ['loss']);
});

test('stuck: a task still live', () => {
  const { h, stored } = clean();
  h.acknowledge('b', 'u');
  stored.set('b', rec('b', 'IN_PROGRESS', 4));
  assert.deepEqual(kinds(check(h, stored)), ['stuck']);
});

test('delivery: no final event, two final events, not completed, never ended, unexpected error, transport error', () => {
  let c = clean();
  c.h.subscriptions[0].events.pop();
  assert.deepEqual(kinds(check(c.h, c.stored)), ['delivery']);

  c = clean();
  c.h.subscriptions[0].completed = false;
  assert.deepEqual(kinds(check(c.h, c.stored)), ['delivery']);

  c = clean();
  c.h.subscriptions[0].ended = false;
  c.h.subscriptions[0].completed = false;
  assert.deepEqual(kinds(check(c.h, c.stored)), ['delivery']);

  c = clean();
  c.h.subscriptions[0].errorCodes.push('SERVICE_UNAVAILABLE');
  assert.deepEqual(kinds(check(c.h, c.stored)), ['delivery']);

  c = clean();
  c.h.subscriptions[0].transportError = 'close 1006';
  c.h.subscriptions[0].completed = false;
  assert.deepEqual(kinds(check(c.h, c.stored)), ['delivery']);

  c = clean();
  c.h.subscriptions[0].errorCodes.push('NOT_FOUND');
  c.h.subscriptions[0].expectCodes = ['NOT_FOUND'];
  assert.deepEqual(check(c.h, c.stored), [], 'an expected code is fine');

  c = clean();
  const s = c.h.subscriptions[0];
  s.cut = true;
  s.events.pop();
  s.completed = false;
  assert.deepEqual(check(c.h, c.stored), [], 'a deliberately cut subscription needs no final event');
});

test('monotonic: versions going back', () => {
  const { h, stored } = clean();
  const s = h.subscriptions[0];
  [s.events[0], s.events[1]] = [s.events[1], s.events[0]];
  assert.ok(kinds(check(h, stored)).includes('monotonic'));
});

test('after-final: an event after the final one', () => {
  const { h, stored } = clean();
  const s = h.subscriptions[0];
  s.events.push({ task: seen(rec('a', 'ERROR', 4)), connection: 1 });
  assert.ok(kinds(check(h, stored)).includes('after-final'));
});

test('sticky: the final status seen differs from the store, or the store changed between reads', () => {
  const { h, stored } = clean();
  stored.set('a', rec('a', 'ERROR', 4));
  assert.deepEqual(kinds(check(h, stored)), ['sticky']);

  const c = clean();
  const later: Stored = new Map([['a', rec('a', 'ERROR', 4)]]);
  assert.deepEqual(kinds(check(c.h, c.stored, { later })), ['sticky']);
});

test('foreign: another task or another user on a subscription', () => {
  let c = clean();
  c.h.subscriptions[0].events.splice(1, 0, { task: seen(rec('zzz', 'WAITING', 1)), connection: 1 });
  assert.ok(kinds(check(c.h, c.stored)).includes('foreign'));

  c = clean();
  c.h.acknowledge('b', 'other');
  c.stored.set('b', rec('b', 'FINISHED', 3));
  const s = c.h.subscription('b', 'u');
  s.events.push({ task: seen(rec('b', 'FINISHED', 3)), connection: 1 });
  s.completed = s.ended = true;
  assert.deepEqual(kinds(check(c.h, c.stored)), ['foreign']);
});

test('cancel: the answer must agree with the record', () => {
  let c = clean();
  c.h.cancelled('a', { ok: seen(rec('a', 'CANCELLED', 3)) });
  assert.deepEqual(kinds(check(c.h, c.stored)), ['cancel'], 'answered CANCELLED but FINISHED');

  c = clean();
  c.stored.set('a', rec('a', 'CANCELLED', 3));
  c.h.subscriptions[0].events[2].task = seen(rec('a', 'CANCELLED', 3));
  c.h.cancelled('a', { code: 'TASK_NOT_CANCELLABLE' });
  assert.deepEqual(kinds(check(c.h, c.stored)), ['cancel'], 'refused but CANCELLED');

  c = clean();
  c.h.cancelled('a', { code: 'TASK_NOT_CANCELLABLE' });
  assert.deepEqual(check(c.h, c.stored), [], 'refused and FINISHED is right');
});

test('ratio: seeded outcomes must be the planned ones; unseeded within the binomial band', () => {
  const plan = { minDurationMs: 0, maxDurationMs: 0, failureRate: 0.5, seed: 'unit' };
  const h = new History();
  const stored: Stored = new Map();
  for (let i = 0; i < 40; i++) {
    const id = `t${i}`;
    h.acknowledge(id, 'u');
    stored.set(id, rec(id, planTask(id, plan).fails ? 'ERROR' : 'FINISHED', 3));
  }
  assert.deepEqual(check(h, stored, { plan }), []);
  const flip = [...stored.values()].find((r) => r!.status === 'FINISHED')!;
  stored.set(flip.id, rec(flip.id, 'ERROR', 3));
  assert.deepEqual(kinds(check(h, stored, { plan })), ['ratio']);
  // A fault's ERROR ("worker lost") is outside the plan.
  stored.set(flip.id, rec(flip.id, 'ERROR', 3, { error: 'Worker lost' }));
  assert.deepEqual(check(h, stored, { plan }), []);

  const u = new History();
  const s2: Stored = new Map();
  for (let i = 0; i < 400; i++) {
    u.acknowledge(`u${i}`, 'u');
    s2.set(`u${i}`, rec(`u${i}`, i < 40 ? 'ERROR' : 'FINISHED', 3));
  }
  assert.deepEqual(check(u, s2, { failureRate: 0.1 }), [], '40 of 400 at 10 %');
  assert.deepEqual(kinds(check(u, s2, { failureRate: 0.3 })), ['ratio'], '40 of 400 at 30 %');
});
