/**
 * The checker itself, on hand-made histories: a clean history passes, and each kind of
 * violation is caught (a checker that cannot fail would make the whole suite meaningless).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planTask } from '../backend/src/tasks/kinds/simulated/plan.js';
import { type StoredAttempt, type TaskRecord, toPublic } from '../backend/src/tasks/task-state.js';
import { isFinal, type TaskStatus } from '../testkit/index.js';
import { check, History, type SeenTask, type Stored, type TimelineRecord, type Violation } from './history.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
/** Epoch ms from T0, for attempt windows. */
const at = (s: number) => Date.parse(T0) + s * 1000;
const FAIL_REASON = 'The task failed (a simulated failure, as configured by TASK_FAILURE_RATE)';
const LOST = 'Worker lost: the task stopped reporting and was abandoned';

/** A record in `status` at attempt 1, its attempt entry as the store would write it. */
function rec(id: string, status: TaskStatus, version: number, extra: Partial<TaskRecord> = {}): TaskRecord {
  const error = extra.error !== undefined ? extra.error : status === 'ERROR' ? FAIL_REASON : status === 'CANCELLED' ? 'Cancelled by the user' : null;
  const attempts: StoredAttempt[] =
    status === 'WAITING' ? [] : [{ number: 1, startedAt: at(0), ...(isFinal(status) ? { endedAt: at(1) } : {}), ...(error ? { error } : {}) }];
  return {
    id,
    owner: 'session',
    kind: 'simulated',
    input: undefined,
    attempt: 1,
    maxAttempts: 1,
    retryDelayMs: 1000,
    nextAttemptAt: null,
    scheduledFor: null,
    priority: 'NORMAL',
    attempts,
    result: null,
    retryOf: null,
    retries: [],
    status,
    progress: status === 'FINISHED' ? 100 : 0,
    version,
    createdAt: T0,
    startedAt: status === 'WAITING' ? null : T0,
    finishedAt: isFinal(status) ? T1 : null,
    error,
    ...extra,
  };
}
/** What a taskStatus subscription selecting these fields delivers for the record. */
function seen(r: TaskRecord): SeenTask {
  const p = toPublic(r);
  return {
    id: p.id,
    status: p.status,
    version: p.version,
    progress: p.progress,
    error: p.error,
    finishedAt: p.finishedAt,
    attempt: p.attempt,
    maxAttempts: p.maxAttempts,
    nextAttemptAt: p.nextAttemptAt,
    attempts: p.attempts,
  };
}

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
  assert.deepEqual(kinds(check(h, stored)), ['diverged', 'monotonic'], 'same version, different content');
  void final;
});

test('the final event resent on a new connection (resubscribed before complete) counts once; twice on one connection does not', () => {
  const { h, stored, final } = clean();
  const s = h.subscriptions[0];
  s.events.push({ task: seen(final), connection: 2 });
  assert.deepEqual(check(h, stored), []);
  s.events[3].connection = 1;
  assert.deepEqual(kinds(check(h, stored)), ['after-final', 'delivery']);
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
  // ...which is also a move out of the final status the subscriber saw.
  assert.deepEqual(kinds(check(h, stored)), ['move', 'sticky']);

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
  // The answer's v3 is not the stored v3 either.
  assert.deepEqual(kinds(check(c.h, c.stored)), ['cancel', 'diverged'], 'answered CANCELLED but FINISHED');

  c = clean();
  c.stored.set('a', rec('a', 'CANCELLED', 3));
  c.h.subscriptions[0].events[2].task = seen(rec('a', 'CANCELLED', 3));
  c.h.cancelled('a', { code: 'TASK_NOT_CANCELLABLE' });
  assert.deepEqual(kinds(check(c.h, c.stored)), ['cancel'], 'refused but CANCELLED');

  c = clean();
  c.h.cancelled('a', { code: 'TASK_NOT_CANCELLABLE' });
  assert.deepEqual(check(c.h, c.stored), [], 'refused and FINISHED is right');

  // Asked twice: the second finds it CANCELLED by the first (answered ok, or lost on the way).
  for (const first of [{ ok: seen(rec('a', 'CANCELLED', 3)) }, { unknown: 'SERVICE_UNAVAILABLE' }]) {
    c = clean();
    c.stored.set('a', rec('a', 'CANCELLED', 3));
    c.h.subscriptions[0].events[2].task = seen(rec('a', 'CANCELLED', 3));
    c.h.cancelled('a', first);
    c.h.cancelled('a', { code: 'TASK_NOT_CANCELLABLE' });
    assert.deepEqual(check(c.h, c.stored), [], `refused after ${Object.keys(first)[0]} and CANCELLED is right`);
  }
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

// ---- Attempts, moves and timelines (retries) ----

/**
 * Task `r` (3 attempts allowed) as the store writes it: attempt 1 runs and is lost, the task
 * waits, attempt 2 runs and finishes. `edit` changes every version alike (a consistent lie).
 */
function retriedRecords(edit: (r: TaskRecord) => TaskRecord = (r) => r): TaskRecord[] {
  const a1 = { number: 1, startedAt: at(0) };
  const a1lost = { ...a1, endedAt: at(2), error: LOST };
  const a2 = { number: 2, startedAt: at(3) };
  const base = { maxAttempts: 3, startedAt: T0 };
  return [
    rec('r', 'WAITING', 1, { ...base, startedAt: null }),
    rec('r', 'IN_PROGRESS', 2, { ...base, attempts: [a1] }),
    rec('r', 'IN_PROGRESS', 3, { ...base, attempts: [a1], progress: 50 }),
    rec('r', 'WAITING', 4, { ...base, attempt: 2, attempts: [a1lost], error: LOST, nextAttemptAt: new Date(at(3)).toISOString() }),
    rec('r', 'IN_PROGRESS', 5, { ...base, attempt: 2, attempts: [a1lost, a2] }),
    rec('r', 'FINISHED', 6, { ...base, attempt: 2, attempts: [a1lost, { ...a2, endedAt: at(4) }], finishedAt: new Date(at(4)).toISOString() }),
  ].map(edit);
}

const WHOLE_TIMELINE = [
  { seq: 1, type: 'CREATED', status: 'WAITING', attempt: 1 },
  { seq: 2, type: 'ATTEMPT_STARTED', status: 'IN_PROGRESS', attempt: 1 },
  { seq: 3, type: 'PROGRESS', status: 'IN_PROGRESS' },
  { seq: 4, type: 'ATTEMPT_FAILED', status: 'WAITING', attempt: 1 },
  { seq: 5, type: 'RETRY_SCHEDULED', status: 'WAITING', attempt: 2 },
  { seq: 6, type: 'ATTEMPT_STARTED', status: 'IN_PROGRESS', attempt: 2 },
  { seq: 7, type: 'ENDED', status: 'FINISHED' },
] satisfies TimelineRecord['events'];

/** One subscription that saw every version of `records` and completed; the last is stored; optionally the timeline read whole. */
function retried(records = retriedRecords(), timeline?: TimelineRecord['events']): { h: History; stored: Stored } {
  const id = records[0].id;
  const h = new History();
  h.acknowledge(id, 'u');
  const s = h.subscription(id, 'u');
  for (const r of records) s.events.push({ task: seen(r), connection: 1 });
  s.completed = s.ended = true;
  const final = records.at(-1)!;
  if (timeline) h.timeline({ taskId: id, after: 0, events: timeline, status: final.status });
  return { h, stored: new Map([[id, final]]) };
}

test('a retried task passes, its timeline read whole; so does an attempt lost before it started, which only the timeline accounts for', () => {
  const c = retried(retriedRecords(), WHOLE_TIMELINE);
  assert.deepEqual(check(c.h, c.stored), []);

  // Attempt 2's job is lost before its worker's first write: the task moves on from WAITING to
  // attempt 3; `attempts` lists the attempts that started, #1 and #3.
  const records = retriedRecords().slice(0, 4);
  const a1lost = records[3].attempts[0];
  const a3 = { number: 3, startedAt: at(5) };
  const next = { maxAttempts: 3, startedAt: T0, attempt: 3 };
  records.push(
    rec('r', 'WAITING', 5, { ...next, attempts: [a1lost], error: LOST, nextAttemptAt: new Date(at(5)).toISOString() }),
    rec('r', 'IN_PROGRESS', 6, { ...next, attempts: [a1lost, a3] }),
    rec('r', 'FINISHED', 7, { ...next, attempts: [a1lost, { ...a3, endedAt: at(6) }], finishedAt: new Date(at(6)).toISOString() }),
  );
  const timeline: TimelineRecord['events'] = [
    ...WHOLE_TIMELINE.slice(0, 5),
    { seq: 6, type: 'ATTEMPT_FAILED', status: 'WAITING', attempt: 2 },
    { seq: 7, type: 'RETRY_SCHEDULED', status: 'WAITING', attempt: 3 },
    { seq: 8, type: 'ATTEMPT_STARTED', status: 'IN_PROGRESS', attempt: 3 },
    { seq: 9, type: 'ENDED', status: 'FINISHED' },
  ];
  const gap = retried(records, timeline);
  assert.deepEqual(check(gap.h, gap.stored), []);
  // Without its ATTEMPT_FAILED, attempt 2 is lost.
  const unexplained = retried(
    records,
    timeline.filter((e) => !(e.type === 'ATTEMPT_FAILED' && e.attempt === 2)).map((e, i) => ({ ...e, seq: i + 1 })),
  );
  assert.deepEqual(kinds(check(unexplained.h, unexplained.stored)), ['timeline']);
});

test('attempt: snapshots whose attempts do not add up', () => {
  const bad = (what: string, edit: (r: TaskRecord) => TaskRecord) => {
    const c = retried(retriedRecords(edit));
    assert.ok(kinds(check(c.h, c.stored)).includes('attempt'), what);
  };
  bad('past maxAttempts', (r) => ({ ...r, maxAttempts: 1 }));
  bad('two attempt windows overlapping (attempt 1 ends after attempt 2 started)', (r) => ({
    ...r,
    attempts: r.attempts.map((a) => (a.number === 1 && a.endedAt ? { ...a, endedAt: at(3.5) } : a)),
  }));
  bad('an earlier attempt without its error', (r) => ({ ...r, attempts: r.attempts.map((a) => (a.number === 1 ? { ...a, error: undefined } : a)) }));
  bad('an earlier attempt never ended', (r) => ({ ...r, attempts: r.attempts.map((a) => (a.number === 1 ? { number: 1, startedAt: a.startedAt } : a)) }));
  bad('WAITING for attempt 2 without nextAttemptAt', (r) => ({ ...r, nextAttemptAt: null }));
  bad('IN_PROGRESS with no attempt running', (r) => (r.status === 'IN_PROGRESS' ? { ...r, attempts: r.attempts.slice(0, r.attempt - 1) } : r));
  bad('FINISHED with the attempt still open', (r) => (r.status === 'FINISHED' ? { ...r, attempts: retriedRecords()[4].attempts } : r));
});

test('move: only the transitions of the state machine; attempts never go back, skip or vanish; progress never goes back within an attempt', () => {
  const bad = (what: string, records: TaskRecord[]) => {
    const c = retried(records);
    assert.ok(kinds(check(c.h, c.stored)).includes('move'), `${what}: ${JSON.stringify(check(c.h, c.stored))}`);
  };
  const r = retriedRecords();
  bad('WAITING → FINISHED', [r[0], { ...r[5], version: 2, attempt: 1, attempts: [{ number: 1, startedAt: at(0), endedAt: at(1) }] }]);
  bad('IN_PROGRESS → WAITING without moving to the next attempt', [r[0], r[1], { ...r[3], version: 3, attempt: 1, attempts: [r[3].attempts[0]] }]);
  // A stale worker's write of attempt 1 after attempt 2 started: another client sees it later.
  const c = retried(r.slice(0, 5));
  const late = c.h.subscription('r', 'u');
  late.events.push({ task: seen({ ...r[2], version: 6, progress: 60 }), connection: 1 });
  c.stored.set('r', { ...r[5], version: 7 });
  assert.ok(kinds(check(c.h, c.stored)).includes('move'), 'an IN_PROGRESS of attempt 1 after attempt 2');
  bad('the attempt rising by two in one change', [r[0], r[1], { ...r[3], version: 3, attempt: 3 }]);
  bad('a listed attempt dropped', [...r.slice(0, 5), { ...r[5], attempts: r[5].attempts.slice(1) }]);
  bad('a start that opens no attempt', [r[0], { ...r[1], attempts: [] }, ...r.slice(2)]);
  bad('progress back within one attempt (two writers)', [
    ...r.slice(0, 3),
    { ...r[2], version: 4, progress: 20 },
    ...r.slice(3).map((x) => ({ ...x, version: x.version + 1 })),
  ]);
  bad('anything after a final version', [...r, { ...r[5], version: 7, status: 'ERROR', error: LOST }]);
});

test('diverged: two clients see one version differently; monotonic: the store behind what a client saw', () => {
  const c = retried();
  const other = c.h.subscription('r', 'u');
  other.events.push({ task: { ...seen(retriedRecords()[4]), progress: 30 }, connection: 1 }, { task: seen(retriedRecords()[5]), connection: 1 });
  other.completed = other.ended = true;
  assert.deepEqual(kinds(check(c.h, c.stored)), ['diverged']);

  const d = retried();
  d.stored.set('r', retriedRecords()[4]);
  assert.ok(kinds(check(d.h, d.stored)).includes('monotonic'));
});

test('timeline: seq without gaps or repeats, nothing after ENDED, one attempt at a time, every attempt accounted for', () => {
  const bad = (what: string, events: TimelineRecord['events']) => {
    const c = retried(retriedRecords(), events);
    assert.deepEqual(kinds(check(c.h, c.stored)), ['timeline'], what);
  };
  const renumber = (events: TimelineRecord['events']) => events.map((e, i) => ({ ...e, seq: i + 1 }));
  bad(
    'a gap',
    WHOLE_TIMELINE.filter((e) => e.seq !== 3),
  );
  bad('a repeat', [...WHOLE_TIMELINE.slice(0, 3), WHOLE_TIMELINE[2], ...WHOLE_TIMELINE.slice(3)]);
  bad('not from CREATED', WHOLE_TIMELINE.slice(1));
  bad('an event after ENDED', [...WHOLE_TIMELINE, { seq: 8, type: 'LOG', status: 'FINISHED' }]);
  bad('attempt 2 started while attempt 1 ran', renumber(WHOLE_TIMELINE.filter((e) => e.type !== 'ATTEMPT_FAILED')));
  bad('an illegal status move', renumber([WHOLE_TIMELINE[0], WHOLE_TIMELINE[6]]));
  bad('an attempt listed by the record that never started', renumber(WHOLE_TIMELINE.filter((e) => !(e.type === 'ATTEMPT_STARTED' && e.attempt === 2))));
  bad('read after the end without ENDED', WHOLE_TIMELINE.slice(0, 6));
  // Read while the task ran, it need not be whole.
  const live = retried(retriedRecords());
  live.h.timeline({ taskId: 'r', after: 2, events: WHOLE_TIMELINE.slice(2, 5), status: 'WAITING' });
  assert.deepEqual(check(live.h, live.stored), []);
});

test('ratio per attempt: an earlier attempt failed as simulated only where planned', () => {
  const plan = { minDurationMs: 0, maxDurationMs: 0, failureRate: 0.5, seed: 'attempts' };
  const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
  /** Task `id` retried once after a simulated failure of attempt 1, then FINISHED. */
  const failedOnce = (id: string) =>
    retriedRecords((r) => ({
      ...r,
      id,
      error: r.error === LOST ? FAIL_REASON : r.error,
      attempts: r.attempts.map((a) => (a.error === LOST ? { ...a, error: FAIL_REASON } : a)),
    }));
  const planned = ids.find((x) => planTask(x, plan, 1).fails && !planTask(x, plan, 2).fails)!;
  const ok = retried(failedOnce(planned));
  assert.deepEqual(check(ok.h, ok.stored, { plan }), [], 'attempt 1 planned to fail, attempt 2 to finish');

  const unplanned = ids.find((x) => !planTask(x, plan, 1).fails && !planTask(x, plan, 2).fails)!;
  const bad = retried(failedOnce(unplanned));
  assert.deepEqual(kinds(check(bad.h, bad.stored, { plan })), ['ratio'], 'attempt 1 planned to finish, yet failed as simulated');
});
