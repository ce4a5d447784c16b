/**
 * Races, at small scale: tasks that end within milliseconds of being created (snapshot racing
 * the subscription), and cancel racing completion. Every subscriber must still end with exactly
 * one terminal event equal to the stored record, and a cancel's answer must agree with it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  backendWsClient,
  collect,
  disposeAllClients,
  killAllChildren,
  sleep,
  startBackend,
  startRedis,
  type Backend,
  type RedisServer,
  type WsClient,
} from '../../testkit/index.js';
import { Api, assertCleanStream, CANCEL, newUser, STATUS, type Task } from './helpers.js';

let redis: RedisServer;
let backend: Backend;
let ws: WsClient;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    TASK_MIN_DURATION_MS: '0',
    TASK_MAX_DURATION_MS: '120',
    TASK_FAILURE_RATE: '0',
    TASK_CREATE_LIMIT: '1000',
  });
  ws = backendWsClient(backend.wsUrl, backend.token);
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

const stream = (user: string, id: string) => collect<{ taskStatus: Task }>(ws, STATUS, { id }, { user }, 15_000);

test('tasks that end at once: every subscriber (two per task) still gets the terminal event', async () => {
  const api = new Api(backend, newUser('instant'));
  const tasks = await Promise.all(Array.from({ length: 20 }, () => api.create()));
  const results = await Promise.all(tasks.flatMap((t) => [stream(api.user, t.id), stream(api.user, t.id)]));
  for (const [i, result] of results.entries()) {
    const task = tasks[Math.floor(i / 2)];
    const last = assertCleanStream(result, task.id);
    assert.equal(last.status, 'FINISHED');
    assert.deepEqual(await api.get(task.id), last);
  }
});

test('cancel racing completion: one winner, and the answer agrees with the record', async (t) => {
  const api = new Api(backend, newUser('racer'));
  const outcomes = { cancelled: 0, tooLate: 0 };
  await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const task = await api.create();
      const watching = stream(api.user, task.id);
      await sleep((i * 13) % 400);
      const res = await api.raw<{ cancelTask: Task }>(CANCEL, { id: task.id });
      const final = assertCleanStream(await watching, task.id);
      const stored = await api.get(task.id);
      assert.deepEqual(stored, final, 'the last event is the stored record');
      if (res.errors) {
        assert.equal(res.errors[0].extensions?.code, 'TASK_NOT_CANCELLABLE', JSON.stringify(res.errors));
        assert.equal(stored.status, 'FINISHED');
        outcomes.tooLate++;
      } else {
        assert.deepEqual(res.data!.cancelTask, stored, 'the mutation answered with the final record');
        assert.equal(stored.status, 'CANCELLED');
        outcomes.cancelled++;
      }
    }),
  );
  t.diagnostic(`${outcomes.cancelled} cancelled, ${outcomes.tooLate} finished first`);
  assert.equal(outcomes.cancelled + outcomes.tooLate, 30);
});
