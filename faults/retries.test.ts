/**
 * Worker faults with retries (issue 14): tasks that may make 3 attempts, each attempt its own
 * job. A worker lost mid-attempt (kill -9, or frozen past its lock) fails that attempt only: the
 * task waits for the next ("Worker lost" on the failed attempt) and runs it on another worker
 * (or a restarted one); only the loss of the last attempt ends it ERROR "Worker lost". A frozen
 * worker that resumes while the next attempt runs elsewhere must change nothing: its writes
 * name an attempt that is over. The checker holds every history to the attempt rules, and each
 * task's timeline, read whole, must account for every attempt.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitUntil, type CreateVariables } from '../testkit/index.js';
import { History, type SeenEvent } from './history.js';
import { activeJobIds, allEnded, BackendCaller, FAST, planOf, readTimeline, startTasks, stuckBoundMs, verify, type Followed } from './stack.js';
import { workerStack } from './tiers.js';

/** A lost worker's attempt fails within lock + 2 stall intervals (docs/guarantees.md), plus slack for this machine. */
const LOST_BOUND_MS = FAST.lockMs + 2 * FAST.stalledMs + 6000;
/** The retry's own wait: at most the base delay (equal jitter), kept small so the bound above dominates. */
const DELAY_MS = 200;

/** Simulated work of exactly `ms` in every attempt, up to 3 attempts. Outcomes come from faults only (TASK_FAILURE_RATE 0). */
const retried = (ms: number): CreateVariables => ({
  input: { simulated: { minDurationMs: ms, maxDurationMs: ms } },
  retry: { maxAttempts: 3, delayMs: DELAY_MS },
});

const stack = workerStack({ TASK_FAILURE_RATE: '0' });
const { workers } = stack;

const last = (f: Followed) => f.record.events.at(-1)?.task;
/** Every task seen running attempt `n`. */
const allRunning = (subs: Followed[], n: number, timeoutMs: number) =>
  waitUntil(() => subs.every((f) => last(f)?.status === 'IN_PROGRESS' && last(f)?.attempt === n), { timeoutMs, what: `every task running attempt ${n}` });

/** The first event of each subscription matching `when`, as ms after `since` (the slowest task's). */
function slowest(subs: Followed[], since: number, when: (e: SeenEvent) => boolean): number {
  return Math.max(...subs.map((f) => (f.record.events.find(when)?.at ?? Number.POSITIVE_INFINITY) - since));
}
const waitingFor = (n: number) => (e: SeenEvent) => e.task.status === 'WAITING' && e.task.attempt === n;
const running = (n: number) => (e: SeenEvent) => e.task.status === 'IN_PROGRESS' && e.task.attempt === n;

/** Reads every task's timeline (the checker verifies them), then the usual end of a scenario. */
async function finish(what: string, history: History, caller: BackendCaller, boundMs: number) {
  for (const id of history.taskIds) await readTimeline(history, caller, id);
  return verify(what, history, stack.redis.port, stack.env.prefix, { boundMs, plan: planOf(stack.env.shared) });
}

test('kill -9 during attempt 1, another worker running: the task waits for attempt 2 ("Worker lost" on attempt 1), which runs to FINISHED', async () => {
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'retrykill');
  const victim = await workers.start('victim');
  const subs = await startTasks(history, caller, 8, retried(6000));
  await allRunning(subs, 1, 20_000);
  // The survivor starts only now, so the victim holds every attempt 1.
  await workers.start('survivor');
  const killedAt = await workers.kill(victim);
  await allEnded(subs, LOST_BOUND_MS + DELAY_MS + 6000 + 10_000);
  const retryMs = slowest(subs, killedAt, waitingFor(2));
  const runningMs = slowest(subs, killedAt, running(2));
  const stored = await finish(
    `kill -9 in attempt 1, survivor: retry seen ≤ ${retryMs} ms after the kill, attempt 2 running ≤ ${runningMs} ms`,
    history,
    caller,
    stuckBoundMs(),
  );
  for (const r of stored.values()) {
    assert.equal(r?.status, 'FINISHED', `${r?.id}: ${r?.status} ${r?.error}`);
    assert.equal(r.attempt, 2);
    assert.match(r.attempts[0]?.error ?? '', /Worker lost/);
    assert.equal(r.attempts[1]?.error, undefined);
  }
  for (const f of subs) {
    const w = f.record.events.find(waitingFor(2))?.task;
    assert.ok(w?.nextAttemptAt && /Worker lost/.test(w.error ?? ''), `${f.record.taskId}: the wait for attempt 2 seen live with its time and reason`);
  }
  assert.ok(retryMs < LOST_BOUND_MS, `the retry came ${retryMs} ms after the kill; bound ${LOST_BOUND_MS} ms`);
  assert.ok(runningMs < LOST_BOUND_MS + DELAY_MS, `attempt 2 ran ${runningMs} ms after the kill; bound ${LOST_BOUND_MS + DELAY_MS} ms`);
});

test('kill -9 in every attempt: attempt 2 runs on a restarted worker, attempt 3 on a survivor, and the loss of the last ends ERROR "Worker lost"', async () => {
  await workers.stopAll();
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'retrylast');
  // Attempts far longer than the scenario: each ends only by its worker's death.
  const subs = await startTasks(history, caller, 4, retried(30_000));
  const first = await workers.start('first');
  await allRunning(subs, 1, 20_000);

  // No worker at all: nobody can notice, the attempt stays IN_PROGRESS.
  await workers.kill(first);
  await sleep(FAST.lockMs + FAST.stalledMs);
  assert.ok(
    subs.every((f) => last(f)?.status === 'IN_PROGRESS' && last(f)?.attempt === 1),
    'attempt 1 still IN_PROGRESS while no worker runs',
  );
  const restartedAt = Date.now();
  const restarted = await workers.start('restarted');
  await allRunning(subs, 2, LOST_BOUND_MS + 10_000);
  const secondMs = slowest(subs, restartedAt, running(2));

  // Attempt 2's worker dies with a survivor running.
  const survivor = await workers.start('survivor');
  const killed2At = await workers.kill(restarted);
  await allRunning(subs, 3, LOST_BOUND_MS + 5000);
  const thirdMs = slowest(subs, killed2At, running(3));

  // The last attempt's worker dies: no attempt remains.
  await workers.start('last');
  const killed3At = await workers.kill(survivor);
  await allEnded(subs, LOST_BOUND_MS + 5000);
  const errorMs = slowest(subs, killed3At, (e) => e.task.status === 'ERROR');
  const stored = await finish(
    `kill -9 in each of 3 attempts: attempt 2 ≤ ${secondMs} ms after the restart, attempt 3 ≤ ${thirdMs} ms after the 2nd kill, ERROR ≤ ${errorMs} ms after the 3rd`,
    history,
    caller,
    stuckBoundMs(),
  );
  for (const r of stored.values()) {
    assert.equal(r?.status, 'ERROR');
    assert.match(r.error ?? '', /Worker lost/);
    assert.equal(r.attempt, 3);
    assert.deepEqual(
      r.attempts.map((a) => [a.number, /Worker lost/.test(a.error ?? '')]),
      [
        [1, true],
        [2, true],
        [3, true],
      ],
    );
  }
  assert.ok(secondMs < LOST_BOUND_MS + DELAY_MS, `attempt 2 ran ${secondMs} ms after the restart`);
  assert.ok(thirdMs < LOST_BOUND_MS + DELAY_MS, `attempt 3 ran ${thirdMs} ms after the kill`);
  assert.ok(errorMs < LOST_BOUND_MS, `ERROR ${errorMs} ms after the last kill; bound ${LOST_BOUND_MS} ms`);
});

test('a worker frozen (SIGSTOP) in attempt 1 past its lock: attempt 2 runs on the healthy worker; resumed (SIGCONT) meanwhile, it changes nothing and its slots are free at once', async () => {
  await workers.stopAll();
  const history = new History();
  const caller = new BackendCaller(() => stack.api, 'retryfrozen');
  // Six slots each: the healthy worker is full with the six attempts 2, so tasks created after
  // SIGCONT can only run in the slots the resumed worker's attempt-1 work must give up.
  const slots = { WORKER_CONCURRENCY: '6' };
  const frozen = await workers.start('frozen', slots);
  const subs = await startTasks(history, caller, 6, retried(8000));
  await allRunning(subs, 1, 20_000);
  await workers.start('healthy', slots);
  frozen.kill('SIGSTOP');
  const frozenAt = Date.now();
  await allRunning(subs, 2, LOST_BOUND_MS + 10_000);
  const retryMs = slowest(subs, frozenAt, running(2));
  // Resumed while attempt 2 runs elsewhere: its attempt-1 work wakes up overdue and tries to
  // report progress and finish, each write naming attempt 1, which is over.
  frozen.kill('SIGCONT');
  const resumedAt = Date.now();
  const after = await startTasks(history, caller, 6, { input: { simulated: { minDurationMs: 500, maxDurationMs: 500 } } });
  await waitUntil(() => after.every((f) => f.record.events.some((e) => e.task.status === 'IN_PROGRESS')), {
    timeoutMs: 10_000,
    what: "the resumed worker's six slots running new tasks",
  });
  const slotsFreeMs = slowest(after, resumedAt, (e) => e.task.status === 'IN_PROGRESS');
  await allEnded([...subs, ...after], 20_000);
  // Let any late write of the resumed worker land before the records are read (twice).
  await sleep(2000);
  const stored = await finish(
    `SIGSTOP in attempt 1 past the lock, SIGCONT during attempt 2 (attempt 2 running ≤ ${retryMs} ms after the freeze; the resumed worker's 6 slots ran new tasks ≤ ${slotsFreeMs} ms after SIGCONT)`,
    history,
    caller,
    stuckBoundMs(),
  );
  for (const f of subs) {
    const r = stored.get(f.record.taskId);
    assert.equal(r?.status, 'FINISHED', `${r?.id}: ${r?.status} ${r?.error}`);
    assert.equal(r.attempt, 2);
    assert.match(r.attempts[0]?.error ?? '', /Worker lost/);
  }
  for (const f of after) assert.equal(stored.get(f.record.taskId)?.status, 'FINISHED');
  // Nothing of attempt 1 after attempt 2 started: the checker saw progress rise within attempt 2
  // and the attempt never go back; the timelines carry no line of attempt 1 after it.
  let late = 0;
  for (const t of history.timelines) {
    const second = t.events.findIndex((e) => e.type === 'ATTEMPT_STARTED' && e.attempt === 2);
    if (second >= 0) late += t.events.slice(second).filter((e) => e.attempt === 1).length;
  }
  assert.equal(late, 0, 'events of attempt 1 after attempt 2 started');
  // Its attempt-1 work would have run ~4 s more had it not stopped.
  assert.ok(slotsFreeMs < 3000, `the resumed worker's slots were free ${slotsFreeMs} ms after SIGCONT`);
  assert.equal(frozen.process.exitCode, null, 'the resumed worker is still alive');
  assert.deepEqual(await activeJobIds(stack.redis.port, stack.env.prefix), [], 'no job left active');
});
