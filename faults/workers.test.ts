/**
 * Worker faults: kill -9 mid-task (with a surviving worker, and with none until a restart), a
 * worker frozen past its lock (SIGSTOP / SIGCONT) next to a healthy one, and SIGTERM with active
 * tasks. Separate processes share one Redis and prefix: an API process and worker processes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitUntil } from '../testkit/index.js';
import { History } from './history.js';
import { allEnded, BackendCaller, FAST, planOf, startTasks, stuckBoundMs, verify, type Followed } from './stack.js';
import { workerStack } from './tiers.js';

const LONG = { TASK_MIN_DURATION_MS: '20000', TASK_MAX_DURATION_MS: '20000' };
/** A dead worker's task ends ERROR within lock + 2 stall intervals (docs/guarantees.md), plus slack. */
const LOST_BOUND_MS = FAST.lockMs + 2 * FAST.stalledMs + 6000;

const stack = workerStack();
const { workers } = stack;

const lastStatus = (f: Followed) => f.record.events.at(-1)?.task.status;
const allRunning = (subs: Followed[]) =>
  waitUntil(() => subs.every((f) => lastStatus(f) === 'IN_PROGRESS'), { timeoutMs: 20_000, what: 'every task IN_PROGRESS' });

test('worker kill -9 mid-task, another worker running: ERROR "Worker lost" within the bound, live', async () => {
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'killed');
  const victim = await workers.start('victim', LONG);
  const subs = await startTasks(history, caller, 10);
  await allRunning(subs);
  // The survivor starts only now, so the victim holds every job.
  await workers.start('survivor');
  const killedAt = Date.now();
  await workers.kill(victim);
  await allEnded(subs, LOST_BOUND_MS + 5000);
  const tookMs = Date.now() - killedAt;
  const stored = await verify('kill -9, survivor running', history, stack.redis.port, stack.env.prefix, {
    boundMs: LOST_BOUND_MS,
    plan: planOf(stack.env.shared),
  });
  for (const r of stored.values()) assert.match(r?.error ?? '', /Worker lost/, `${r?.id} ${r?.status}`);
  assert.ok(tookMs < LOST_BOUND_MS, `ERROR arrived ${tookMs} ms after the kill; bound ${LOST_BOUND_MS} ms`);
  for (const f of subs)
    assert.ok(
      f.record.events.some((e) => e.task.status === 'IN_PROGRESS'),
      'seen running first, then the ERROR live',
    );

  // Not run again, and the survivor keeps consuming.
  const more = await startTasks(history, caller, 5);
  await allEnded(more, 20_000);
  await verify('kill -9, survivor consumes afterwards', history, stack.redis.port, stack.env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(stack.env.shared),
  });
});

test('worker kill -9 with no other worker: ERROR "Worker lost" within the bound once one restarts', async () => {
  await workers.stopAll();
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'restarted');
  const victim = await workers.start('victim2', LONG);
  const subs = await startTasks(history, caller, 5);
  await allRunning(subs);
  await workers.kill(victim);
  // With no worker at all nothing can notice: the lock expires but no one checks.
  await sleep(FAST.lockMs + FAST.stalledMs);
  assert.ok(
    subs.every((f) => lastStatus(f) === 'IN_PROGRESS'),
    'still IN_PROGRESS while no worker runs',
  );
  const restartedAt = Date.now();
  await workers.start('victim2-restarted', LONG);
  await allEnded(subs, LOST_BOUND_MS + 5000);
  const tookMs = Date.now() - restartedAt;
  const stored = await verify('kill -9 then restart', history, stack.redis.port, stack.env.prefix, { boundMs: LOST_BOUND_MS, plan: planOf(stack.env.shared) });
  for (const r of stored.values()) assert.match(r?.error ?? '', /Worker lost/);
  assert.ok(tookMs < LOST_BOUND_MS, `ERROR ${tookMs} ms after the restart; bound ${LOST_BOUND_MS} ms`);
});

test('two workers, one frozen (SIGSTOP) past its lock then resumed: one final status per task', async () => {
  await workers.stopAll();
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'frozen');
  const slow = { TASK_MIN_DURATION_MS: '7000', TASK_MAX_DURATION_MS: '8000' };
  const frozen = await workers.start('frozen', slow);
  const subs = await startTasks(history, caller, 8);
  await allRunning(subs);
  await workers.start('healthy', slow);
  const second = await startTasks(history, caller, 8);
  await allRunning(second);
  subs.push(...second);

  frozen.kill('SIGSTOP');
  await sleep(FAST.lockMs + 2 * FAST.stalledMs + 2000);
  const frozenEnded = subs.filter((f) => f.record.ended).length;
  frozen.kill('SIGCONT');
  await allEnded(subs, 20_000);
  // Let the resumed worker try its late writes (progress, finish) before the second read.
  await sleep(4000);
  const stored = await verify('SIGSTOP past the lock, SIGCONT', history, stack.redis.port, stack.env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(stack.env.shared),
  });
  const lost = [...stored.values()].filter((r) => /Worker lost/.test(r?.error ?? '')).length;
  console.log(
    `[faults]   ${lost} task(s) of the frozen worker ended "Worker lost" (${frozenEnded} ended while it was frozen); its late writes changed nothing`,
  );
  assert.ok(lost >= 8, `the frozen worker's 8 tasks end "Worker lost" (got ${lost})`);
  assert.equal(frozen.process.exitCode, null, 'the resumed worker is still alive');
});

test('SIGTERM of a worker with active tasks: exits 0 within the bound, active tasks finish, queued ones are handed back', async () => {
  await workers.stopAll();
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'sigterm');
  const w = await workers.start('terminated', { WORKER_CONCURRENCY: '4', TASK_MIN_DURATION_MS: '1500', TASK_MAX_DURATION_MS: '2500' });
  const subs = await startTasks(history, caller, 12);
  await waitUntil(() => subs.filter((f) => lastStatus(f) === 'IN_PROGRESS').length === 4, { timeoutMs: 20_000, what: '4 active tasks' });
  const active = subs.filter((f) => lastStatus(f) === 'IN_PROGRESS').map((f) => f.record.taskId);
  const boundMs = 2500 + 5000; // TASK_MAX_DURATION_MS + 5 s (main.ts)
  const started = Date.now();
  const exit = await w.stop({ timeoutMs: boundMs + 5000 });
  const tookMs = Date.now() - started;
  assert.equal(exit.code, 0, `exit code ${exit.code} signal ${exit.signal}`);
  assert.ok(tookMs < boundMs, `took ${tookMs} ms; bound ${boundMs} ms`);
  workers.forget(w);
  const afterStop = await Promise.all(subs.map(async (f) => ({ id: f.record.taskId, status: lastStatus(f) })));
  for (const id of active) {
    const s = afterStop.find((x) => x.id === id)?.status;
    assert.ok(s === 'FINISHED' || s === 'ERROR', `active task ${id} ran to its end before the exit (saw ${s})`);
  }
  assert.ok(
    afterStop.some((x) => x.status === 'WAITING'),
    'some tasks were still queued',
  );
  // The queued ones are picked up by the next worker.
  await workers.start('next');
  await allEnded(subs, 30_000);
  const stored = await verify(`SIGTERM worker (exit 0 in ${tookMs} ms)`, history, stack.redis.port, stack.env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(stack.env.shared),
  });
  for (const r of stored.values()) assert.doesNotMatch(r?.error ?? '', /lost|Cancel/i, `${r?.id}: nothing lost or cancelled`);
});
