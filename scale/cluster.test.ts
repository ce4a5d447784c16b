/**
 * The whole product on a Redis Cluster: a frontend, an API process and two workers given
 * REDIS_MODE=cluster and the seed list of a 3-master cluster. Through the frontend (session
 * cookie, HTTP and WebSocket): tasks run to FINISHED, a running task is cancelled, a late
 * subscriber gets the final state, and kill -9 of a worker loses nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  disposeAllClients,
  FrontendSession,
  killAllChildren,
  randomToken,
  redisCall,
  settle,
  startBackend,
  startFrontend,
  startRedisCluster,
  uniquePrefix,
  watch,
  within,
  type Backend,
  type Frontend,
  type RedisCluster,
  type Watch,
} from '../testkit/index.js';
import { redisKeys } from '../backend/src/redis/redis-keys.js';
import { assertCleanStream, CANCEL, CREATE, STATUS, type Task } from '../backend/test/helpers.js';

const TASK_MS = 3000;
const LOCK_MS = 3000;
const STALL_MS = 1000;

let cluster: RedisCluster;
let api: Backend;
let workers: Backend[];
let front: Frontend;
let prefix: string;

before(async () => {
  cluster = await startRedisCluster();
  prefix = uniquePrefix('scl');
  const env = {
    REDIS_MODE: 'cluster',
    REDIS_URL: cluster.url,
    REDIS_PREFIX: prefix,
    INTERNAL_API_TOKEN: randomToken(),
    TASK_MIN_DURATION_MS: String(TASK_MS),
    TASK_MAX_DURATION_MS: String(TASK_MS),
    TASK_FAILURE_RATE: '0',
    WORKER_CONCURRENCY: '3',
    WORKER_LOCK_DURATION_MS: String(LOCK_MS),
    WORKER_STALLED_INTERVAL_MS: String(STALL_MS),
  };
  api = await startBackend({ ...env, BACKEND_ROLE: 'api' }, { name: 'api' });
  workers = await Promise.all([1, 2].map((n) => startBackend({ ...env, BACKEND_ROLE: 'worker' }, { name: `worker${n}` })));
  front = await startFrontend({
    NODE_ENV: 'production',
    BACKEND_URL: api.url,
    INTERNAL_API_TOKEN: env.INTERNAL_API_TOKEN,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    COOKIE_SECURE: 'false',
  });
});

after(async () => {
  await disposeAllClients();
  await Promise.all([front, api, ...(workers ?? [])].map((s) => s?.stop()));
  await cluster?.stop();
  await killAllChildren();
});

type StatusData = { taskStatus: Task };

async function session() {
  const s = new FrontendSession(front.url);
  const r = await s.gql('query Tasks { tasks(first: 1) { id } }');
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return { s, ws: s.ws() };
}

async function create(s: FrontendSession): Promise<Task> {
  const r = await s.gql<{ createTask: Task }>(CREATE);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createTask;
}

const inProgress = (w: Watch<StatusData>) => w.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS', 30_000);

async function holderOf(taskId: string): Promise<Backend> {
  const jobKey = `${redisKeys(prefix).bullPrefix}:tasks:${taskId}`;
  const node = await cluster.nodeFor(jobKey);
  const name = String(await redisCall(node.port, 'HGET', jobKey, 'pb'));
  const holder = workers.find((w) => name.endsWith(`:${w.pid}`));
  assert.ok(holder, `job ${taskId} was processed by "${name}"`);
  return holder;
}

describe('the product on a 3-master Redis Cluster, through a frontend', { concurrency: false }, () => {
  test('create → live → FINISHED; a late subscriber gets the final state', async () => {
    const { s, ws } = await session();
    const tasks = await Promise.all([1, 2, 3].map(() => create(s)));
    const streams = tasks.map((t) => watch<StatusData>(ws, STATUS, { id: t.id }));
    for (const [i, w] of streams.entries()) {
      const last = assertCleanStream(await settle(w, 30_000), tasks[i].id);
      assert.equal(last.status, 'FINISHED');
      assert.ok(
        w.data.some((d) => d.taskStatus.status === 'IN_PROGRESS' && d.taskStatus.progress > 0),
        'progress arrived live',
      );
    }
    const late = await settle(watch<StatusData>(ws, STATUS, { id: tasks[0].id }), 15_000);
    assert.equal(late.completed, true);
    assert.deepEqual(
      late.data.map((d) => d.taskStatus.status),
      ['FINISHED'],
    );
  });

  test('cancel a running task: the worker holding it stops it', async () => {
    const { s, ws } = await session();
    const task = await create(s);
    const w = watch<StatusData>(ws, STATUS, { id: task.id });
    await inProgress(w);
    const holder = await holderOf(task.id);
    const r = await s.gql<{ cancelTask: Task }>(CANCEL, { id: task.id });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.cancelTask.status, 'CANCELLED');
    assert.equal(r.data!.cancelTask.error, 'Cancelled by the user');
    assert.equal(assertCleanStream(await settle(w, 15_000), task.id).status, 'CANCELLED');
    assert.match(holder.logs.text(), new RegExp(`task ${task.id}: cancel requested, aborting`));
    for (const other of workers.filter((x) => x !== holder)) assert.doesNotMatch(other.logs.text(), new RegExp(task.id));
  });

  test('kill -9 of a worker: its tasks end ERROR "worker lost", the others finish', async () => {
    const { s, ws } = await session();
    // 4 tasks, 3 slots per worker: both hold some.
    const tasks = await Promise.all([1, 2, 3, 4].map(() => create(s)));
    const streams = tasks.map((t) => watch<StatusData>(ws, STATUS, { id: t.id }));
    await Promise.all(streams.map(inProgress));
    const holders = await Promise.all(tasks.map((t) => holderOf(t.id)));
    assert.equal(new Set(holders).size, 2, 'both workers are busy');
    const victim = holders[0];
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await within(victim.exited, 5000, 'the killed worker to exit');
    const finals = await Promise.all(streams.map((w, i) => settle(w, 60_000).then((r) => assertCleanStream(r, tasks[i].id))));
    for (const [i, last] of finals.entries()) {
      if (holders[i] === victim && Date.parse(last.finishedAt!) > killedAt) {
        assert.equal(last.status, 'ERROR');
        assert.match(last.error ?? '', /^Worker lost/);
      } else {
        assert.equal(last.status, 'FINISHED');
      }
    }
    assert.ok(
      finals.some((t) => t.status === 'ERROR'),
      'the kill cut some work off',
    );
  });
});
