/**
 * REDIS_MODE=sentinel: a master, a replica and one Sentinel; the backend (API + worker in one
 * process) is given only the Sentinel's address and the master's name. It runs tasks on the
 * master the Sentinel names, and after a failover (SENTINEL FAILOVER) it follows the new one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  backendWsClient,
  collect,
  disposeAllClients,
  killAllChildren,
  redisCall,
  startBackend,
  startRedisSentinel,
  waitUntil,
  type Backend,
  type RedisSentinelSetup,
  type WsClient,
} from '../../testkit/index.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { Api, assertCleanStream, CREATE, newUser, STATUS, type Task } from './helpers.js';

let setup: RedisSentinelSetup;
let backend: Backend;
let ws: WsClient;

before(async () => {
  setup = await startRedisSentinel();
  backend = await startBackend({
    REDIS_MODE: 'sentinel',
    REDIS_SENTINELS: setup.sentinels,
    REDIS_SENTINEL_NAME: setup.name,
    TASK_MIN_DURATION_MS: '300',
    TASK_MAX_DURATION_MS: '600',
    TASK_FAILURE_RATE: '0',
  });
  ws = backendWsClient(backend.wsUrl, backend.token);
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await setup?.stop();
  await killAllChildren();
});

const run = async (api: Api, task: Task) =>
  assertCleanStream(await collect<{ taskStatus: Task }>(ws, STATUS, { id: task.id }, { user: api.user }, 30_000), task.id);

describe('through Redis Sentinel', { concurrency: false }, () => {
  test('tasks run on the master the Sentinel names', async () => {
    const api = new Api(backend, newUser('sentinel'));
    const task = await api.create();
    assert.equal((await run(api, task)).status, 'FINISHED');
    const master = await setup.masterPort();
    assert.equal(master, setup.servers[0].port);
    assert.equal(await redisCall(master, 'EXISTS', redisKeys(backend.prefix).task(task.id)), 1);
  });

  test('after a failover it follows the new master: old tasks readable, new ones run', async () => {
    const api = new Api(backend, newUser('failover'));
    const before = await api.create();
    assert.equal((await run(api, before)).status, 'FINISHED');

    const promoted = await setup.failover();
    assert.equal(promoted, setup.servers[1].port);
    // The backend reconnects on the Sentinel's announcement. (Writes that reach the old master
    // before that are lost when it resyncs as a replica: Sentinel's replication is asynchronous.)
    await waitUntil(
      async () => {
        const clients = String(await redisCall(promoted, 'CLIENT', 'LIST'));
        return clients.includes('name=longrun:cmd') && clients.includes('name=longrun:sub');
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the backend to reconnect to the new master' },
    );
    // Requests during the switch may get SERVICE_UNAVAILABLE (fail fast); it must end soon.
    const after = await waitUntil(
      async () => {
        const r = await api.raw<{ createTask: Task }>(CREATE);
        return r.data?.createTask;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'createTask to work after the failover' },
    );
    assert.equal((await run(api, after)).status, 'FINISHED');
    assert.equal(await redisCall(promoted, 'EXISTS', redisKeys(backend.prefix).task(after.id)), 1, 'written on the new master');
    assert.equal((await api.get(before.id)).status, 'FINISHED', 'the replica had the old records');
  });
});
