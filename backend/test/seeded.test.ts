/**
 * Reproducible outcomes: with TASK_RANDOM_SEED, exactly the tasks that `planTask` predicts from
 * (seed, task id) end in ERROR; all others finish.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  backendWsClient,
  collect,
  disposeAllClients,
  killAllChildren,
  startBackend,
  startRedis,
  type Backend,
  type RedisServer,
  type WsClient,
} from '../../testkit/index.js';
import { planTask } from '../src/tasks/kinds/simulated/plan.js';
import { Api, assertCleanStream, msBetween, newUser, STATUS, type Task } from './helpers.js';

const SETTINGS = { minDurationMs: 100, maxDurationMs: 400, failureRate: 0.5, seed: `e2e-seed-${process.pid}` };
const COUNT = 16;

let redis: RedisServer;
let backend: Backend;
let ws: WsClient;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    TASK_MIN_DURATION_MS: String(SETTINGS.minDurationMs),
    TASK_MAX_DURATION_MS: String(SETTINGS.maxDurationMs),
    TASK_FAILURE_RATE: String(SETTINGS.failureRate),
    TASK_RANDOM_SEED: SETTINGS.seed,
    // One user creates them all: stay clear of the per-user creation limit.
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

test('with a seed, exactly the tasks planTask predicts end in ERROR', async () => {
  const api = new Api(backend, newUser('seeded'));
  const tasks = await Promise.all(Array.from({ length: COUNT }, () => api.create()));
  const finals = await Promise.all(
    tasks.map(async (t) => assertCleanStream(await collect<{ taskStatus: Task }>(ws, STATUS, { id: t.id }, { user: api.user }, 20_000), t.id)),
  );

  const predicted = tasks
    .filter((t) => planTask(t.id, SETTINGS).fails)
    .map((t) => t.id)
    .sort();
  const failed = finals
    .filter((f) => f.status === 'ERROR')
    .map((f) => f.id)
    .sort();
  assert.deepEqual(failed, predicted, 'the ERROR set is the predicted one');
  // 16 tasks at rate 0.5: both outcomes occur (all-equal has probability 2^-15).
  assert.ok(predicted.length > 0 && predicted.length < COUNT, `${predicted.length} of ${COUNT} predicted to fail`);

  for (const f of finals) {
    const plan = planTask(f.id, SETTINGS);
    if (plan.fails) {
      assert.equal(f.status, 'ERROR');
      assert.ok(f.error && f.error.length > 0, 'an ERROR says why');
      assert.doesNotMatch(f.error!, /Worker lost/);
    } else {
      assert.equal(f.status, 'FINISHED');
      assert.equal(f.progress, 100);
      assert.equal(f.error, null);
    }
    // The planned duration is honoured (the run can only be longer, never shorter).
    const ran = msBetween(f.startedAt!, f.finishedAt!);
    assert.ok(ran >= plan.durationMs - 2, `task ran ${ran} ms, planned ${plan.durationMs} ms`);
    assert.deepEqual(await api.get(f.id), f);
  }
});
