/**
 * The product on a Redis Cluster (REDIS_MODE=cluster): three masters started from redis-server
 * binaries, an API process and a worker process (BACKEND_ROLE=api / worker) given the seed list,
 * and the core flow through them: create → live stream → FINISHED or ERROR, cancel WAITING and
 * running, a late subscriber, the shared rate limit. One worker slot and 1.5 s tasks, so a
 * second task stays WAITING while the first runs. Outcomes are seeded: the test knows from a
 * task's id whether it must end FINISHED or ERROR.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  backendWsClient,
  collect,
  disposeAllClients,
  errorCode,
  killAllChildren,
  redisCall,
  settle,
  startBackend,
  startRedisCluster,
  uniquePrefix,
  randomToken,
  watch,
  type Backend,
  type RedisCluster,
  type WsClient,
} from '../../testkit/index.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { planTask } from '../src/tasks/kinds/simulated/plan.js';
import { Api, assertCleanStream, CREATE, events, newUser, STATUS, type Task } from './helpers.js';

const TASK_MS = 1500;
const SEED = 'cluster-e2e';
const FAILURE_RATE = 0.5;
const CREATE_LIMIT = 6;
const plan = { minDurationMs: TASK_MS, maxDurationMs: TASK_MS, failureRate: FAILURE_RATE, seed: SEED };

let cluster: RedisCluster;
let api: Backend;
let worker: Backend;
let ws: WsClient;

before(async () => {
  cluster = await startRedisCluster();
  const shared = {
    REDIS_MODE: 'cluster',
    REDIS_URL: cluster.url,
    REDIS_PREFIX: uniquePrefix('cl'),
    INTERNAL_API_TOKEN: randomToken(),
    WORKER_CONCURRENCY: '1',
    TASK_MIN_DURATION_MS: String(TASK_MS),
    TASK_MAX_DURATION_MS: String(TASK_MS),
    TASK_FAILURE_RATE: String(FAILURE_RATE),
    TASK_RANDOM_SEED: SEED,
    TASK_CREATE_LIMIT: String(CREATE_LIMIT),
    TASK_CREATE_WINDOW_S: '60',
  };
  [api, worker] = await Promise.all([
    startBackend({ ...shared, BACKEND_ROLE: 'api' }, { name: 'api' }),
    startBackend({ ...shared, BACKEND_ROLE: 'worker' }, { name: 'worker' }),
  ]);
  ws = backendWsClient(api.wsUrl, api.token);
});

after(async () => {
  await disposeAllClients();
  await Promise.all([api?.stop(), worker?.stop()]);
  await cluster?.stop();
  await killAllChildren();
});

type StatusData = { taskStatus: Task };
const subscribe = (user: string, id: string, timeoutMs = 30_000) => collect<StatusData>(ws, STATUS, { id }, { user }, timeoutMs);

describe('on a 3-master Redis Cluster', { concurrency: false }, () => {
  test('the cluster is real: three masters share the slots; every app key sits in one slot with the queue', async () => {
    const info = String(await redisCall(cluster.nodes[0].port, 'CLUSTER', 'INFO'));
    assert.match(info, /cluster_state:ok/);
    assert.match(info, /cluster_size:3/);
    const user = new Api(api, newUser('slots'));
    const task = await user.create();
    const keys = redisKeys(api.prefix);
    const slotOf = async (key: string) => Number(await redisCall(cluster.nodes[0].port, 'CLUSTER', 'KEYSLOT', key));
    const slot = await slotOf(keys.task(task.id));
    for (const key of [keys.liveTasks, keys.ownerTasks(user.user), `${keys.bullPrefix}:tasks:${task.id}`, keys.reconcilerLock]) {
      assert.equal(await slotOf(key), slot, `${key} must share the task's slot`);
    }
    // The record is where the cluster says; the other masters hold none of it.
    const home = await cluster.nodeFor(keys.task(task.id));
    assert.equal(await redisCall(home.port, 'EXISTS', keys.task(task.id)), 1);
    assertCleanStream(await subscribe(user.user, task.id), task.id);
  });

  test('create → live stream → FINISHED or ERROR, as each task was planned', async () => {
    const user = new Api(api, newUser('life'));
    const tasks: Task[] = [];
    // Until both outcomes are covered (bounded: with p = 0.5 five tasks miss one with p = 1/16).
    while (tasks.length < 5) {
      tasks.push(await user.create());
      const fails = tasks.map((t) => planTask(t.id, plan).fails);
      if (fails.includes(true) && fails.includes(false)) break;
    }
    const streams = await Promise.all(tasks.map((t) => subscribe(user.user, t.id, 60_000)));
    for (const [i, task] of tasks.entries()) {
      assert.equal(task.status, 'WAITING');
      const last = assertCleanStream(streams[i], task.id);
      const expected = planTask(task.id, plan).fails ? 'ERROR' : 'FINISHED';
      assert.equal(last.status, expected, `task ${i} of ${tasks.length}`);
      assert.ok(
        events(streams[i]).some((e) => e.status === 'IN_PROGRESS'),
        'it was seen running',
      );
      assert.deepEqual(await user.get(task.id), last, 'the final event equals the stored task');
    }
  });

  test('cancel a WAITING task (it never runs) and a running one (its worker stops it)', async () => {
    const user = new Api(api, newUser('cancel'));
    const running = await user.create();
    const runningWatch = watch<StatusData>(ws, STATUS, { id: running.id }, { user: user.user });
    await runningWatch.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS', 20_000);
    const waiting = await user.create();
    const waitingWatch = watch<StatusData>(ws, STATUS, { id: waiting.id }, { user: user.user });

    const cancelledWaiting = await user.cancel(waiting.id);
    assert.equal(cancelledWaiting.status, 'CANCELLED');
    assert.equal(cancelledWaiting.startedAt, null, 'it never started');
    const cancelledRunning = await user.cancel(running.id);
    assert.equal(cancelledRunning.status, 'CANCELLED');
    assert.ok(cancelledRunning.startedAt, 'it had started');

    assert.equal(assertCleanStream(await settle(waitingWatch, 15_000), waiting.id).status, 'CANCELLED');
    assert.equal(assertCleanStream(await settle(runningWatch, 15_000), running.id).status, 'CANCELLED');
    assert.match(worker.logs.text(), new RegExp(`task ${running.id}: cancel requested, aborting`), 'the worker aborted it itself');
  });

  test('a subscriber arriving after the end gets the final state, then complete', async () => {
    const user = new Api(api, newUser('late'));
    const task = await user.create();
    const first = assertCleanStream(await subscribe(user.user, task.id), task.id);
    const late = await subscribe(user.user, task.id);
    assert.deepEqual(events(late), [first]);
    assert.equal(late.completed, true);
  });

  test('the createTask rate limit is counted in the cluster', async () => {
    const user = new Api(api, newUser('limit'));
    const made: Task[] = [];
    for (let i = 0; i < CREATE_LIMIT; i++) made.push(await user.create());
    const refused = await user.raw(CREATE);
    assert.equal(errorCode(refused), 'RATE_LIMITED', JSON.stringify(refused));
    assert.ok(Number(refused.errors![0].extensions!.retryAfterSeconds) >= 1);
    // Leave nothing running behind.
    await Promise.all(made.map((t) => user.cancel(t.id).catch(() => undefined)));
  });

  test('SIGTERM: both processes close their cluster connections and exit 0', async () => {
    const [apiExit, workerExit] = await Promise.all([api.stop({ timeoutMs: 20_000 }), worker.stop({ timeoutMs: 20_000 })]);
    assert.deepEqual(apiExit, { code: 0, signal: null, forced: false }, api.logs.tail(20));
    assert.deepEqual(workerExit, { code: 0, signal: null, forced: false }, worker.logs.tail(20));
  });
});
