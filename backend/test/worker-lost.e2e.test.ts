/**
 * A worker process killed with SIGKILL mid-task. Separate processes share one Redis and prefix:
 * an API process (no worker), the victim worker (long tasks), and a surviving worker whose
 * stalled-job check finds the dead worker's job once its lock expires. The task must end ERROR
 * ("Worker lost") within lock + 2 × stall interval (plus slack), and a subscriber on the API
 * process sees it live.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  backendWsClient,
  disposeAllClients,
  killAllChildren,
  randomToken,
  settle,
  startBackend,
  startRedis,
  uniquePrefix,
  watch,
  type Backend,
  type RedisServer,
} from '../../testkit/index.js';
import { Api, assertCleanStream, events, newUser, STATUS, type Task } from './helpers.js';

const LOCK_MS = 1000;
const STALLED_MS = 500;
/** The documented bound for a lost worker's task, with slack for a busy 2-core machine. */
const BOUND_MS = LOCK_MS + 2 * STALLED_MS + 5000;

let redis: RedisServer;
let api: Backend;
let victim: Backend;
let survivor: Backend | undefined;
let shared: Record<string, string>;

before(async () => {
  redis = await startRedis();
  shared = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: uniquePrefix('lost'),
    INTERNAL_API_TOKEN: randomToken(),
    WORKER_LOCK_DURATION_MS: String(LOCK_MS),
    WORKER_STALLED_INTERVAL_MS: String(STALLED_MS),
    TASK_FAILURE_RATE: '0',
  };
  [api, victim] = await Promise.all([
    startBackend({ ...shared, BACKEND_ROLE: 'api' }, { name: 'api' }),
    // Long tasks: it is surely mid-task when it dies.
    startBackend({ ...shared, BACKEND_ROLE: 'worker', TASK_MIN_DURATION_MS: '30000', TASK_MAX_DURATION_MS: '30000' }, { name: 'victim' }),
  ]);
});

after(async () => {
  await disposeAllClients();
  await Promise.all([api?.stop(), victim?.stop(), survivor?.stop()]);
  await redis?.stop();
  await killAllChildren();
});

test('a worker killed mid-task: the task ends ERROR "Worker lost" within the bound, seen live', async (t) => {
  const user = new Api(api, newUser('lost'));
  const ws = backendWsClient(api.wsUrl, api.token);

  const task = await user.create();
  const live = watch<{ taskStatus: Task }>(ws, STATUS, { id: task.id }, { user: user.user });
  await live.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS', 10_000);

  // The survivor starts only now, so the victim (the only worker until here) holds the job.
  survivor = await startBackend(
    { ...shared, BACKEND_ROLE: 'worker', TASK_MIN_DURATION_MS: '200', TASK_MAX_DURATION_MS: '400' },
    { name: 'survivor' },
  );
  assert.equal((await user.get(task.id)).status, 'IN_PROGRESS', 'still running when its worker dies');

  const killedAt = Date.now();
  victim.kill('SIGKILL');
  const exit = await victim.exited;
  assert.equal(exit.signal, 'SIGKILL');

  const stream = await settle(live, BOUND_MS + 10_000);
  const tookMs = Date.now() - killedAt;
  t.diagnostic(`ERROR seen ${tookMs} ms after SIGKILL (bound ${BOUND_MS} ms)`);
  const last = assertCleanStream(stream, task.id);
  assert.equal(last.status, 'ERROR');
  assert.match(last.error ?? '', /Worker lost/);
  assert.ok(tookMs < BOUND_MS, `ERROR arrived ${tookMs} ms after the kill; bound ${BOUND_MS} ms`);
  assert.ok(events(stream).some((e) => e.status === 'IN_PROGRESS'), 'the subscriber saw it running first');
  assert.deepEqual(await user.get(task.id), last, 'the stored record agrees');
  assert.ok(survivor.logs.lines(new RegExp(task.id)).length > 0, 'the surviving worker recorded the failure');

  // It stays ERROR (the job is failed, never run a second time), and the survivor keeps working.
  const next = await user.create();
  const nextStream = await settle(watch<{ taskStatus: Task }>(ws, STATUS, { id: next.id }, { user: user.user }), 15_000);
  assert.equal(assertCleanStream(nextStream, next.id).status, 'FINISHED');
  assert.deepEqual(await user.get(task.id), last, 'the lost task was not run again');
});

test('a worker killed while no other runs: the task ends ERROR once a worker comes back', async (t) => {
  const user = new Api(api, newUser('restart'));
  const ws = backendWsClient(api.wsUrl, api.token);
  // Only a long-task worker runs.
  await survivor?.stop();
  const doomed = await startBackend(
    { ...shared, BACKEND_ROLE: 'worker', TASK_MIN_DURATION_MS: '30000', TASK_MAX_DURATION_MS: '30000' },
    { name: 'doomed' },
  );
  const task = await user.create();
  const live = watch<{ taskStatus: Task }>(ws, STATUS, { id: task.id }, { user: user.user });
  await live.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS', 10_000);

  doomed.kill('SIGKILL');
  await doomed.exited;
  // With no worker at all, nothing can notice yet: the lock expires but no one checks.
  await new Promise((r) => setTimeout(r, LOCK_MS + STALLED_MS));
  assert.equal((await user.get(task.id)).status, 'IN_PROGRESS');

  survivor = await startBackend({ ...shared, BACKEND_ROLE: 'worker', TASK_MIN_DURATION_MS: '200', TASK_MAX_DURATION_MS: '400' }, { name: 'restarted' });
  const restartedAt = Date.now();
  const stream = await settle(live, BOUND_MS + 10_000);
  const tookMs = Date.now() - restartedAt;
  t.diagnostic(`ERROR seen ${tookMs} ms after a worker came back`);
  const last = assertCleanStream(stream, task.id);
  assert.equal(last.status, 'ERROR');
  assert.match(last.error ?? '', /Worker lost/);
  assert.ok(tookMs < 2 * STALLED_MS + 5000, `took ${tookMs} ms after the restart`);
  assert.deepEqual(await user.get(task.id), last);
});
