/**
 * A job must never stay active with nobody working on it (issue 12). Each way out, provoked for
 * real: the job's lock taken away under a running task (what a freeze past the lock or another
 * worker's stall check does), work that falls silent past TASK_STALL_TIMEOUT_MS, and a silent
 * task seen by another process's reconciler. Each time the task ends, the worker slot is free
 * again, and nothing writes to the task afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redisCall, sleep, waitUntil } from '../testkit/index.js';
import { History } from './history.js';
import { activeJobIds, allEnded, BackendCaller, FAST, queueKey, startTasks, stuckBoundMs, verify, type Followed } from './stack.js';
import { workerStack } from './tiers.js';

/** 20 s tasks report every second: long enough to act on one while it runs. */
const SLOW = { TASK_MIN_DURATION_MS: '20000', TASK_MAX_DURATION_MS: '20000', TASK_FAILURE_RATE: '0' };

const stack = workerStack(SLOW);
const { workers } = stack;

const last = (f: Followed) => f.record.events.at(-1)?.task;
const running = (f: Followed) => waitUntil(() => last(f)?.status === 'IN_PROGRESS', { timeoutMs: 20_000, what: `${f.record.taskId} IN_PROGRESS` });

test('a running job whose lock is taken away: its work stops at once, it ends "Worker lost", the slot runs the next task', async () => {
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'locklost');
  const w = await workers.start('locklost', { WORKER_CONCURRENCY: '1' });
  const [first, next] = await startTasks(history, caller, 2);
  await running(first);
  await waitUntil(() => last(next) !== undefined, { timeoutMs: 10_000, what: "the second task's snapshot" });
  assert.equal(last(next)?.status, 'WAITING', 'one slot: the second task waits');

  await redisCall(stack.redis.port, 'DEL', queueKey(stack.env.prefix, first.record.taskId, 'lock'));
  await w.logs.waitFor(new RegExp(`task ${first.record.taskId}: job lock lost`), FAST.lockMs * 2);
  const versionAtAbort = last(first)!.version;
  await allEnded([first], stuckBoundMs());
  assert.equal(last(first)?.status, 'ERROR');
  assert.match(last(first)?.error ?? '', /Worker lost/);
  // After the abort at most a write already in flight and the final ERROR: the work stopped.
  assert.ok(last(first)!.version <= versionAtAbort + 2, `versions after the abort: ${versionAtAbort} → ${last(first)!.version}`);
  await running(next);
  next.cut();
  await w.stop();
  workers.forget(w);
});

test('work silent past TASK_STALL_TIMEOUT_MS is stopped by its own worker: ERROR "Stuck", slot free', async () => {
  await workers.stopAll();
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'silent');
  // These tasks report once a second, so a 500 ms timeout finds each of them silent.
  const w = await workers.start('silent', { WORKER_CONCURRENCY: '2', TASK_STALL_TIMEOUT_MS: '500' });
  const subs = await startTasks(history, caller, 6);
  await allEnded(subs, 30_000);
  const stored = await verify('silent work stopped by its worker', history, stack.redis.port, stack.env.prefix, { boundMs: stuckBoundMs() });
  for (const r of stored.values()) {
    assert.equal(r?.status, 'ERROR');
    assert.match(r?.error ?? '', /Stuck/);
  }
  for (const f of subs)
    assert.equal(w.logs.lines(new RegExp(`task ${f.record.taskId}: stuck \\(no progress within TASK_STALL_TIMEOUT_MS\\), its work is stopped`)).length, 1);
  assert.deepEqual(await activeJobIds(stack.redis.port, stack.env.prefix), [], 'every slot is free');
});

test("a silent task is ended by another process's reconciler, and its holder stops the work", async () => {
  await workers.stopAll();
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'backstop');
  // The holder would wait a minute and leaves reconciling to the other worker, whose reconciler
  // calls a task stuck after 500 ms + one lock duration (2 s) of silence: these tasks report
  // every 5 s, so each gap holds 3 s in which a round (every 1.5 s) finds one silent.
  const holder = await workers.start('holder', {
    WORKER_CONCURRENCY: '2',
    TASK_STALL_TIMEOUT_MS: '60000',
    RECONCILE_INTERVAL_MS: '600000',
    TASK_MIN_DURATION_MS: '100000',
    TASK_MAX_DURATION_MS: '100000',
  });
  const subs = await startTasks(history, caller, 2);
  await Promise.all(subs.map(running));
  const watcher = await workers.start('watcher', { TASK_STALL_TIMEOUT_MS: '500' });
  await allEnded(subs, stuckBoundMs());
  const stored = await verify('silent task ended by the reconciler', history, stack.redis.port, stack.env.prefix, { boundMs: stuckBoundMs() });
  for (const r of stored.values()) assert.match(r?.error ?? '', /Stuck/);
  assert.ok(watcher.logs.lines(/reconciled task .*: stuck/).length >= 1, 'the watcher reconciled it');
  for (const f of subs) await holder.logs.waitFor(new RegExp(`task ${f.record.taskId}: stuck, aborting it`), 5000);
  await waitUntil(async () => (await activeJobIds(stack.redis.port, stack.env.prefix)).length === 0, {
    timeoutMs: 10_000,
    what: "the holder's slots freed",
  });
  await sleep(500);
});
