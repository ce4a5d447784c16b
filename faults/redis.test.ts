/**
 * Redis faults, with no app tier restarted: Redis restarted (AOF) under load, createTask while
 * it is down, a 20 s outage with an idle worker (then it must consume again), and the pub/sub
 * connections killed (CLIENT KILL TYPE pubsub) during traffic.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { disposeAllClients, killAllChildren, redisCall, sleep, startRedis, waitUntil, type Backend, type RedisServer } from '../testkit/index.js';
import { History } from './history.js';
import { allEnded, backend, BackendCaller, create, planOf, sharedEnv, startTasks, stuckBoundMs, verify, type StackEnv } from './stack.js';

let redis: RedisServer;
let env: StackEnv;
let api: Backend;
let worker: Backend;

before(async () => {
  redis = await startRedis({ aof: true });
  // A lock longer than the outages below: a running job survives an outage shorter than its lock
  // (a longer one is stall-detected as "worker lost", which the worker tests cover).
  env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '1000', TASK_MAX_DURATION_MS: '3000', WORKER_LOCK_DURATION_MS: '10000' });
  [api, worker] = await Promise.all([backend(env, 'api'), backend(env, 'worker')]);
});

after(async () => {
  await disposeAllClients();
  await Promise.all([api?.stop(), worker?.stop()]);
  await redis?.stop();
  await killAllChildren();
});

const redisDown = () =>
  waitUntil(
    async () =>
      redisCall(redis.port, 'PING').then(
        () => false,
        () => true,
      ),
    { timeoutMs: 10_000, what: 'Redis down' },
  );

test('Redis restarted under load: acknowledged tasks survive and finish; createTask meanwhile fails fast', async () => {
  const history = new History();
  const caller = new BackendCaller(() => api, 'redisload');
  const subs = await startTasks(history, caller, 30);
  // Every subscription is established (has its snapshot) before the fault.
  await waitUntil(() => subs.every((f) => f.record.events.length > 0), { timeoutMs: 15_000, what: 'subscriptions established' });
  await waitUntil(() => subs.some((f) => f.record.events.at(-1)?.task.status === 'IN_PROGRESS'), { timeoutMs: 15_000, what: 'tasks running' });

  const restarting = redis.restart({ downMs: 4000 });
  await redisDown();
  const probes = [];
  for (let i = 0; i < 3; i++) probes.push(await create(history, caller, 10_000));
  await restarting;
  const healedAt = Date.now();
  for (const p of probes) {
    assert.equal(p.code, 'SERVICE_UNAVAILABLE', `createTask while Redis is down: ${JSON.stringify(p)}`);
    assert.ok(p.ms < 3000, `answered in ${p.ms} ms`);
  }
  await allEnded(subs, stuckBoundMs());
  const stored = await verify(
    `Redis restart under load (createTask while down: ${probes.map((p) => `${p.code} in ${p.ms} ms`).join(', ')})`,
    history,
    redis.port,
    env.prefix,
    { boundMs: stuckBoundMs(), plan: planOf(env.shared) },
  );
  console.log(`[faults]   settled ${Date.now() - healedAt} ms after Redis came back`);
  const outcomes = [...stored.values()].map((r) => `${r?.status}:${r?.error ?? ''}`);
  const unplanned = outcomes.filter((o) => o.startsWith('ERROR') && !/simulated/.test(o));
  assert.deepEqual(unplanned, [], 'a Redis restart does not fail running tasks');

  // The tiers were not restarted and keep working.
  const more = await startTasks(history, caller, 5);
  await allEnded(more, 20_000);
  await verify('after the Redis restart', history, redis.port, env.prefix, { boundMs: stuckBoundMs(), plan: planOf(env.shared) });
});

test('a 20 s Redis outage with an idle worker: afterwards new tasks are consumed', async () => {
  const history = new History();
  const caller = new BackendCaller(() => api, 'idleworker');
  // Idle: nothing queued or running.
  await sleep(500);
  await redis.restart({ downMs: 20_000 });
  const healedAt = Date.now();
  // The API's command connection reconnects within its retry backoff (≤ 2 s).
  await waitUntil(async () => (await create(history, caller)).task !== undefined && history.created.size >= 1, {
    timeoutMs: 15_000,
    intervalMs: 500,
    what: 'createTask accepted again',
  });
  const subs = await startTasks(history, caller, 5);
  await allEnded(subs, 30_000);
  await verify(`20 s outage, idle worker (tasks consumed ${Date.now() - healedAt} ms after Redis came back)`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
});

test('CLIENT KILL TYPE pubsub during traffic: subscriptions still end with the right final state', async () => {
  const history = new History();
  const caller = new BackendCaller(() => api, 'pubsubkill');
  const subs = await startTasks(history, caller, 40);
  let killed = 0;
  for (let i = 0; i < 8; i++) {
    await sleep(400);
    killed += Number(await redisCall(redis.port, 'CLIENT', 'KILL', 'TYPE', 'pubsub'));
  }
  await allEnded(subs, stuckBoundMs());
  await verify(`CLIENT KILL TYPE pubsub ×8 (${killed} connections killed)`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  assert.ok(killed >= 8, 'pub/sub connections were killed');
});
