/**
 * Cancel, end to end. One worker slot (WORKER_CONCURRENCY=1) and tasks of a fixed 3 s, so a
 * second task stays WAITING while the first runs, and a third can only start once the first's
 * slot is really free.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  backendWsClient,
  disposeAllClients,
  killAllChildren,
  redisCall,
  redisHash,
  settle,
  sleep,
  startBackend,
  startRedis,
  watch,
  within,
  type Backend,
  type RedisServer,
  type Watch,
  type WsClient,
} from '../../testkit/index.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { Api, assertCleanStream, CANCEL, events, newUser, STATUS, type Task } from './helpers.js';

const TASK_MS = 3000;

let redis: RedisServer;
let backend: Backend;
let ws: WsClient;
let api: Api;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    WORKER_CONCURRENCY: '1',
    TASK_MIN_DURATION_MS: String(TASK_MS),
    TASK_MAX_DURATION_MS: String(TASK_MS),
    TASK_FAILURE_RATE: '0',
    CANCEL_TIMEOUT_MS: '5000',
  });
  ws = backendWsClient(backend.wsUrl, backend.token);
  api = new Api(backend, newUser('canceller'));
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

type StatusData = { taskStatus: Task };
const statusOf = (w: Watch<StatusData>) => (s: Task['status']) => w.waitFor((d) => d.taskStatus.status === s, 10_000);

describe('cancel', { concurrency: false }, () => {
  let first: Task;
  let firstWatch: Watch<StatusData>;
  let second: Task;
  let third: Task;
  let thirdWatch: Watch<StatusData>;

  test('setup: the first task occupies the only worker slot', async () => {
    first = await api.create();
    firstWatch = watch<StatusData>(ws, STATUS, { id: first.id }, { user: api.user });
    const running = await statusOf(firstWatch)('IN_PROGRESS');
    assert.ok(running.taskStatus.startedAt);
  });

  test('a WAITING task is cancelled at once and never runs', async () => {
    second = await api.create();
    const secondWatch = watch<StatusData>(ws, STATUS, { id: second.id }, { user: api.user });
    await statusOf(secondWatch)('WAITING');
    await sleep(300);
    assert.equal((await api.get(second.id)).status, 'WAITING', 'the only slot is busy');

    const began = Date.now();
    const cancelled = await api.cancel(second.id);
    assert.ok(Date.now() - began < 1000, 'cancelling a WAITING task needs no worker');
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(cancelled.startedAt, null);
    assert.ok(cancelled.finishedAt);
    assert.equal(cancelled.version, 2);
    assert.ok(cancelled.error, 'says why');

    // Its BullMQ job is gone, so no worker can ever pick it up.
    assert.equal(await redisCall(redis.port, 'EXISTS', `{${backend.prefix}}:bull:tasks:${second.id}`), 0);

    const stream = await settle(secondWatch, 5000);
    const last = assertCleanStream(stream, second.id);
    assert.deepEqual(
      events(stream).map((e) => e.status),
      ['WAITING', 'CANCELLED'],
    );
    assert.deepEqual(last, cancelled, 'the mutation answer equals the final event');
  });

  test('a running task is cancelled within about a second, and its slot is freed', async () => {
    third = await api.create();
    thirdWatch = watch<StatusData>(ws, STATUS, { id: third.id }, { user: api.user });
    await statusOf(thirdWatch)('WAITING');

    const began = Date.now();
    const cancelled = await api.cancel(first.id);
    const took = Date.now() - began;
    assert.ok(took < 1500, `cancel of a running task took ${took} ms`);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.ok(cancelled.startedAt, 'it had started');
    assert.ok(cancelled.finishedAt);
    assert.ok(cancelled.progress < 100);
    assert.ok(Date.parse(cancelled.finishedAt!) - Date.parse(cancelled.startedAt!) < TASK_MS, 'stopped before its end');

    const stream = await settle(firstWatch, 5000);
    const last = assertCleanStream(stream, first.id);
    assert.deepEqual(last, cancelled, 'the mutation answer equals the final event');
    assert.ok(events(stream).some((e) => e.status === 'IN_PROGRESS'));

    // CANCELLED means the worker slot is free: with one slot, the next task starts now.
    const started = await thirdWatch.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS', 3000);
    assert.ok(Date.now() - began < 3000, 'the waiting task started right after the cancel');
    assert.ok(started.taskStatus.startedAt);
  });

  test('the task queued behind them runs its full lifecycle', async () => {
    const stream = await settle(thirdWatch, TASK_MS + 10_000);
    const last = assertCleanStream(stream, third.id);
    const list = events(stream);
    assert.equal(list[0].status, 'WAITING');
    assert.equal(list[0].version, 1, 'seen from its very first version');
    assert.ok(list.some((e) => e.status === 'IN_PROGRESS' && e.progress > 0 && e.progress < 100));
    assert.equal(last.status, 'FINISHED');
    assert.equal(last.progress, 100);
    assert.deepEqual(await api.get(third.id), last);
  });

  test('final statuses stick: the cancelled tasks never started or changed again', async () => {
    const secondNow = await api.get(second.id);
    assert.equal(secondNow.status, 'CANCELLED');
    assert.equal(secondNow.startedAt, null, 'the cancelled WAITING task never started');
    assert.equal(secondNow.version, 2);
    const firstNow = await api.get(first.id);
    assert.equal(firstNow.status, 'CANCELLED');
    assert.equal(firstNow.error !== null, true);

    for (const id of [first.id, second.id, third.id]) {
      const res = await api.raw(CANCEL, { id });
      assert.equal(res.errors?.[0]?.extensions?.code, 'TASK_NOT_CANCELLABLE', id);
    }
    assert.deepEqual(await api.get(first.id), firstNow);
    assert.deepEqual(await api.get(second.id), secondNow);
  });

  test('SIGTERM lets the running task finish, then exits 0', async () => {
    const task = await api.create();
    const w = watch<StatusData>(ws, STATUS, { id: task.id }, { user: api.user });
    await statusOf(w)('IN_PROGRESS');
    const began = Date.now();
    backend.kill('SIGTERM');
    const exit = await within(backend.exited, TASK_MS + 8000, 'exit after SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(Date.now() - began >= 500, 'it waited for the task');
    const stored = await redisHash(redis.port, redisKeys(backend.prefix).task(task.id));
    assert.equal(stored.status, 'FINISHED', 'the active task was not cut off');
    assert.equal(stored.progress, '100');
  });
});
