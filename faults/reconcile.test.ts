/**
 * Crash consistency and retention.
 * - A worker crashes between its job's end and the status write: the job is completed (or
 *   failed) in Redis with bullmq's own API and the worker's lock token while the worker is
 *   frozen, then the worker is killed, so the record stays IN_PROGRESS and no `failed` event is
 *   heard by anyone. The reconciler of the next worker must make the record final within
 *   RECONCILE_INTERVAL_MS (+ slack), and the subscriber sees it live.
 * - Final records expire after TASK_RETENTION_S together with their jobs; a subscriber after
 *   expiry gets NOT_FOUND promptly.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Job, Queue } from 'bullmq';
import { disposeAllClients, killAllChildren, redisCall, startRedis, waitUntil, type Backend, type RedisServer } from '../testkit/index.js';
import { redisKeys } from '../backend/src/redis/redis-keys.js';
import { planTask } from '../backend/src/tasks/kinds/simulated/plan.js';
import { History } from './history.js';
import { allEnded, backend, BackendCaller, create, follow, planOf, sharedEnv, stuckBoundMs, TASK, taskOrCode, verify, type Followed } from './stack.js';

const RECONCILE_MS = 1500;
let redis: RedisServer;
const running: Backend[] = [];
let queue: Queue | undefined;

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await disposeAllClients();
  await queue?.close();
  for (const b of running) await b.stop();
  await redis?.stop();
  await killAllChildren();
});

test("a crash between the job's end and the status write: the reconciler makes the record final", async () => {
  // A lock long enough to act on the frozen worker's job with its token; no simulated failures,
  // so the only outcomes are the ones this test forces.
  const timing = { lockMs: 8000, stalledMs: 1000, reconcileMs: RECONCILE_MS, stallTimeoutMs: 20_000 };
  const env = sharedEnv(redis.url, { TASK_FAILURE_RATE: '0', WORKER_LOCK_DURATION_MS: String(timing.lockMs) }, timing);
  const api = await backend(env, 'api');
  const victim = await backend(env, 'worker', { TASK_MIN_DURATION_MS: '30000', TASK_MAX_DURATION_MS: '30000' }, 'victim');
  running.push(api, victim);
  const history = new History();
  const caller = new BackendCaller(() => api, 'reconcile');
  const ws = caller.ws();
  const subs: Followed[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await create(history, caller);
    assert.ok(r.task, r.code);
    subs.push(follow(history, caller, ws, r.task.id));
  }
  await waitUntil(() => subs.every((f) => f.record.events.at(-1)?.task.status === 'IN_PROGRESS'), { timeoutMs: 20_000, what: 'both running' });
  const [completed, failed] = subs.map((f) => f.record.taskId);

  queue = new Queue('tasks', { connection: { host: '127.0.0.1', port: redis.port }, prefix: redisKeys(env.prefix).bullPrefix });
  const lockOf = async (id: string) => String(await redisCall(redis.port, 'GET', `${redisKeys(env.prefix).bullPrefix}:tasks:${id}:lock`));
  const tokens = { completed: await lockOf(completed), failed: await lockOf(failed) };
  victim.kill('SIGSTOP');
  // The job ends (as if the processor returned / threw), then the process dies before the write.
  const jobA = await Job.fromId(queue, completed);
  const jobB = await Job.fromId(queue, failed);
  assert.ok(jobA && jobB, 'jobs exist');
  await jobA.moveToCompleted('done', tokens.completed, false);
  await jobB.moveToFailed(new Error('Crashed right after failing its job'), tokens.failed, false);
  victim.kill('SIGKILL');
  await victim.exited;
  assert.equal(await jobA.getState(), 'completed');
  assert.equal(await jobB.getState(), 'failed');
  for (const id of [completed, failed]) {
    assert.equal(taskOrCode(await caller.http(TASK, { id }), 'task').task?.status, 'IN_PROGRESS', 'the status write was lost');
  }

  // Nothing else can fix it: no failed event was heard, and the jobs are not active any more.
  const fixer = await backend(env, 'worker', {}, 'fixer');
  running.push(fixer);
  const startedAt = Date.now();
  await allEnded(subs, RECONCILE_MS + 10_000);
  const tookMs = Date.now() - startedAt;
  const stored = await verify(`crash between job end and write (reconciled ${tookMs} ms after a worker came up)`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(timing),
    plan: planOf(env.shared),
  });
  assert.equal(stored.get(completed)?.status, 'FINISHED');
  assert.equal(stored.get(failed)?.status, 'ERROR');
  assert.match(stored.get(failed)?.error ?? '', /Crashed right after failing its job/);
  assert.ok(tookMs < RECONCILE_MS + 5000, `reconciled in ${tookMs} ms; bound RECONCILE_INTERVAL_MS + 5 s`);
  assert.ok(fixer.logs.lines(/reconciled task/).length >= 2, 'the reconciler did it');
  const live = (await redisCall(redis.port, 'SMEMBERS', redisKeys(env.prefix).liveTasks)) as string[];
  assert.deepEqual(live, [], 'the live index is empty once everything is final');
});

test('retention: final records expire after TASK_RETENTION_S with their jobs; a later subscriber gets NOT_FOUND promptly', async () => {
  const retentionS = 2;
  const env = sharedEnv(redis.url, {
    TASK_RETENTION_S: String(retentionS),
    TASK_MIN_DURATION_MS: '100',
    TASK_MAX_DURATION_MS: '300',
    TASK_FAILURE_RATE: '0.5',
  });
  const b = await backend(env, 'all');
  running.push(b);
  const history = new History();
  const caller = new BackendCaller(() => b, 'retention');
  const ws = caller.ws();
  const subs: Followed[] = [];
  // Until both a completed and a failed job exist (the two sets are cleaned separately).
  const outcomes = new Set<boolean>();
  for (let i = 0; i < 20 && (i < 3 || outcomes.size < 2); i++) {
    const r = await create(history, caller);
    assert.ok(r.task, r.code);
    outcomes.add(planTask(r.task.id, planOf(env.shared)).fails);
    subs.push(follow(history, caller, ws, r.task.id));
  }
  assert.equal(outcomes.size, 2, 'both a finishing and a failing task');
  await allEnded(subs, 20_000);
  await verify('retention: before expiry', history, redis.port, env.prefix, { boundMs: stuckBoundMs(), plan: planOf(env.shared) });
  const ids = history.taskIds;
  const ttl = Number(await redisCall(redis.port, 'PTTL', redisKeys(env.prefix).task(ids[0])));
  assert.ok(ttl > 0 && ttl <= retentionS * 1000, `a final record has the retention TTL (${ttl} ms)`);

  const finishedAt = Date.now();
  await waitUntil(async () => Number(await redisCall(redis.port, 'EXISTS', ...ids.map((id) => redisKeys(env.prefix).task(id)))) === 0, {
    timeoutMs: retentionS * 1000 + 5000,
    what: 'records expired',
  });
  const expiredMs = Date.now() - finishedAt;
  // ...and their jobs within a reconcile round of that.
  await waitUntil(async () => Number(await redisCall(redis.port, 'EXISTS', ...ids.map((id) => `${redisKeys(env.prefix).bullPrefix}:tasks:${id}`))) === 0, {
    timeoutMs: RECONCILE_MS + 10_000,
    what: 'their jobs removed',
  });
  const jobsGoneMs = Date.now() - finishedAt;

  const t0 = Date.now();
  const late = follow(history, caller, ws, ids[0], { expectCodes: ['NOT_FOUND'] });
  await allEnded([late], 5000);
  const lateMs = Date.now() - t0;
  assert.deepEqual(late.record.errorCodes, ['NOT_FOUND'], JSON.stringify(late.record));
  assert.ok(lateMs < 2000, `NOT_FOUND in ${lateMs} ms`);
  assert.equal(taskOrCode(await caller.http(TASK, { id: ids[0] }), 'task').code, 'NOT_FOUND');
  console.log(
    `[faults] retention ${retentionS} s: records gone ${expiredMs} ms after their end, their jobs ${jobsGoneMs} ms; ` +
      `a late subscriber got NOT_FOUND in ${lateMs} ms`,
  );
});
