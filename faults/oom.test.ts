/**
 * Redis out of memory under `noeviction`: new tasks are refused clearly (SERVICE_UNAVAILABLE,
 * fast), nothing half-written is left behind (no record without a job, no job without a
 * record), tasks already accepted still reach their final state, and once memory is available
 * again createTask works with no tier restarted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { disposeAllClients, killAllChildren, redisCall, startRedis, type Backend, type RedisServer } from '../testkit/index.js';
import { redisKeys } from '../backend/src/redis/redis-keys.js';
import { History } from './history.js';
import { allEnded, backend, BackendCaller, create, follow, planOf, sharedEnv, stuckBoundMs, verify, type StackEnv } from './stack.js';

let redis: RedisServer;
let env: StackEnv;
let api: Backend;
let worker: Backend;

before(async () => {
  redis = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
  env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '1500', TASK_MAX_DURATION_MS: '2500' });
  [api, worker] = await Promise.all([backend(env, 'api'), backend(env, 'worker')]);
});

after(async () => {
  await disposeAllClients();
  await Promise.all([api?.stop(), worker?.stop()]);
  await redis?.stop();
  await killAllChildren();
});

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(String(await redisCall(redis.port, 'INFO', 'memory')))?.[1]);

test('Redis out of memory (noeviction): createTask refused fast and cleanly; accepted tasks finish; recovery without restarts', async () => {
  const history = new History();
  const caller = new BackendCaller(() => api, 'oom');
  const ws = caller.ws();
  const running = [];
  for (let i = 0; i < 5; i++) {
    const r = await create(history, caller);
    assert.ok(r.task, `createTask before the fault: ${r.code}`);
    running.push(follow(history, caller, ws, r.task.id));
  }
  const keys = redisKeys(env.prefix);
  const countRecords = async () => ((await redisCall(redis.port, 'KEYS', keys.task('*'))) as string[]).length;
  const recordsBefore = await countRecords();

  // Cap memory just under what is in use: every write that needs memory is now refused.
  await redisCall(redis.port, 'CONFIG', 'SET', 'maxmemory', String(Math.max(1024 * 1024, (await usedMemory()) - 64 * 1024)));
  const refused = [];
  for (let i = 0; i < 5; i++) refused.push(await create(history, caller, 10_000));
  for (const r of refused) {
    assert.equal(r.code, 'SERVICE_UNAVAILABLE', `createTask with Redis out of memory: ${JSON.stringify(r)}`);
    assert.ok(r.ms < 5000, `refused in ${r.ms} ms, not after a hang`);
  }
  assert.equal(await countRecords(), recordsBefore, 'no record was written for a refused task');

  // Memory back: new tasks are accepted, and everything ends in a final state.
  await redisCall(redis.port, 'CONFIG', 'SET', 'maxmemory', '0');
  const after = await create(history, caller);
  assert.ok(after.task, `createTask after the fault: ${after.code}`);
  running.push(follow(history, caller, ws, after.task.id));
  await allEnded(running, 60_000);
  await verify('Redis out of memory (noeviction)', history, redis.port, env.prefix, { boundMs: stuckBoundMs(), plan: planOf(env.shared) });
  console.log(`[faults] out of memory: createTask refused in ${refused.map((r) => `${r.ms} ms`).join(', ')}; no record written; accepted tasks finished`);
});
