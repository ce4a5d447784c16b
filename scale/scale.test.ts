/**
 * Scale out: two frontends, two backend API processes (BACKEND_ROLE=api) and two workers
 * (BACKEND_ROLE=worker) on one private Redis. Frontend A talks to API 1, frontend B to API 2;
 * they share SESSION_SECRET and INTERNAL_API_TOKEN, so one session cookie is one user on both.
 * Shows that each role opens only what it needs, that a task created through A is watched live
 * and cancelled through B (the cancel reaches whichever worker holds it), and that `kill -9` of
 * a worker or of an API process loses nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  listeningPorts,
  errorCode,
  FrontendSession,
  killAllChildren,
  disposeAllClients,
  randomToken,
  redisCall,
  settle,
  startBackend,
  startFrontend,
  startRedis,
  uniquePrefix,
  watch,
  within,
  type Backend,
  type Frontend,
  type RedisServer,
  type Watch,
  type WsClient,
} from '../testkit/index.js';
import { redisKeys } from '../backend/src/redis/redis-keys.js';
import { assertCleanStream, CANCEL, CREATE, STATUS, type Task } from '../backend/test/helpers.js';

const TASK_MS = 4000;
const LOCK_MS = 3000;
const STALL_MS = 1000;
const WORKER_LOST = /^Worker lost/;

let redis: RedisServer;
let apis: Backend[];
let workers: Backend[];
let frontA: Frontend;
let frontB: Frontend;

before(async () => {
  redis = await startRedis();
  const backendEnv = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: uniquePrefix('scale'),
    INTERNAL_API_TOKEN: randomToken(),
    TASK_MIN_DURATION_MS: String(TASK_MS),
    TASK_MAX_DURATION_MS: String(TASK_MS),
    TASK_FAILURE_RATE: '0',
    WORKER_CONCURRENCY: '4',
    WORKER_LOCK_DURATION_MS: String(LOCK_MS),
    WORKER_STALLED_INTERVAL_MS: String(STALL_MS),
  };
  apis = await Promise.all([1, 2].map((n) => startBackend({ ...backendEnv, BACKEND_ROLE: 'api' }, { name: `api${n}` })));
  workers = await Promise.all([1, 2].map((n) => startBackend({ ...backendEnv, BACKEND_ROLE: 'worker' }, { name: `worker${n}` })));
  const frontEnv = {
    NODE_ENV: 'production',
    INTERNAL_API_TOKEN: backendEnv.INTERNAL_API_TOKEN,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    COOKIE_SECURE: 'false',
  };
  // Started one after the other: two Next servers booting at once are slow on a small machine.
  frontA = await startFrontend({ ...frontEnv, BACKEND_URL: apis[0].url }, { name: 'frontendA' });
  frontB = await startFrontend({ ...frontEnv, BACKEND_URL: apis[1].url }, { name: 'frontendB' });
});

after(async () => {
  await disposeAllClients();
  await Promise.all([frontA, frontB, ...(apis ?? []), ...(workers ?? [])].map((s) => s?.stop()));
  await redis?.stop();
  await killAllChildren();
});

type StatusData = { taskStatus: Task };

/** A new browser session: its cookie comes from frontend A; `b` is the same user on frontend B. */
async function newUser(): Promise<{ a: FrontendSession; b: FrontendSession; wsB: WsClient }> {
  const a = new FrontendSession(frontA.url);
  const first = await a.gql('query Tasks { tasks(first: 1) { id } }');
  assert.equal(first.errors, undefined, JSON.stringify(first.errors));
  assert.ok(a.cookie, 'frontend A issued a session cookie');
  const b = a.at(frontB.url);
  return { a, b, wsB: b.ws() };
}

async function create(session: FrontendSession): Promise<Task> {
  const r = await session.gql<{ createTask: Task }>(CREATE);
  assert.equal(r.errors, undefined, `createTask through ${session.baseUrl}: ${JSON.stringify(r.errors)}`);
  return r.data!.createTask;
}

const watchOn = (ws: WsClient, id: string) => watch<StatusData>(ws, STATUS, { id });
const inProgress = (w: Watch<StatusData>) => w.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS', 30_000);

/** The worker process that took a job: BullMQ records the worker's name (host:pid) on it. */
async function holderOf(taskId: string): Promise<Backend> {
  const jobKey = `${redisKeys(apis[0].env.REDIS_PREFIX).bullPrefix}:tasks:${taskId}`;
  const name = String(await redisCall(redis.port, 'HGET', jobKey, 'pb'));
  const holder = workers.find((w) => name.endsWith(`:${w.pid}`));
  assert.ok(holder, `job ${taskId} was processed by "${name}", not one of our workers`);
  return holder;
}

describe('two frontends, two APIs, two workers, one Redis', { concurrency: false }, () => {
  test('each role opens only what it needs: APIs run no BullMQ worker, workers serve no HTTP', async () => {
    const clients = String(await redisCall(redis.port, 'CLIENT', 'LIST'));
    const workerNames = [...clients.matchAll(/ name=\S*:w:(\S+)/g)].map((m) => m[1]);
    const pids = new Set(workerNames.map((n) => Number(n.split(':').pop())));
    assert.deepEqual([...pids].sort(), workers.map((w) => w.pid).sort(), `BullMQ worker connections: ${workerNames.join(', ')}`);
    for (const api of apis) {
      assert.deepEqual(listeningPorts(api.pid), [Number(new URL(api.url).port)], `${api.name} listens on its GraphQL port only`);
      assert.doesNotMatch(api.logs.text(), /worker consuming/);
    }
    for (const w of workers) assert.deepEqual(listeningPorts(w.pid), [], `${w.name} listens on no port`);
  });

  test('a task created through frontend A is watched live through frontend B (same cookie)', async () => {
    const user = await newUser();
    const tasks = await Promise.all([1, 2, 3].map(() => create(user.a)));
    const streams = tasks.map((t) => watchOn(user.wsB, t.id));
    for (const [i, task] of tasks.entries()) {
      assert.equal(task.status, 'WAITING');
      const w = streams[i];
      await inProgress(w);
      const last = assertCleanStream(await settle(w, 30_000), task.id);
      assert.equal(last.status, 'FINISHED');
      assert.ok(
        w.data.some((d) => d.taskStatus.status === 'IN_PROGRESS' && d.taskStatus.progress > 0),
        'progress arrived live',
      );
    }
    // And another user (a fresh cookie) cannot see them through either frontend.
    const stranger = new FrontendSession(frontB.url);
    const r = await stranger.gql('query Task($id: ID!) { task(id: $id) { id } }', { id: tasks[0].id });
    assert.equal(errorCode(r), 'NOT_FOUND');
  });

  test('cancel through B reaches the worker holding the task; the other worker does nothing', async () => {
    const user = await newUser();
    const task = await create(user.a);
    const w = watchOn(user.wsB, task.id);
    await inProgress(w);
    const holder = await holderOf(task.id);
    const other = workers.find((x) => x !== holder)!;

    const r = await user.b.gql<{ cancelTask: Task }>(CANCEL, { id: task.id });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.cancelTask.status, 'CANCELLED');
    assert.equal(r.data!.cancelTask.error, 'Cancelled by the user', 'the worker stopped it (not a forced cancel)');
    const last = assertCleanStream(await settle(w, 15_000), task.id);
    assert.equal(last.status, 'CANCELLED');

    assert.match(holder.logs.text(), new RegExp(`task ${task.id}: cancel requested, aborting it in worker \\S+:${holder.pid}`));
    assert.doesNotMatch(other.logs.text(), new RegExp(task.id), `${other.name} must not have touched it`);
    assert.equal(await holderOf(task.id), holder, 'it never moved to another worker');
  });

  test('kill -9 of one worker: its tasks end ERROR "worker lost", the rest finish, new work goes on', async () => {
    const user = await newUser();
    // 6 tasks and 4 slots per worker: both workers hold some.
    const tasks = await Promise.all(Array.from({ length: 6 }, () => create(user.a)));
    const streams = tasks.map((t) => watchOn(user.wsB, t.id));
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
        assert.equal(last.status, 'ERROR', `task ${i} died with its worker`);
        assert.match(last.error ?? '', WORKER_LOST);
        // Bounded by lock + stall interval (generously, for a loaded machine).
        assert.ok(Date.parse(last.finishedAt!) - killedAt < LOCK_MS + STALL_MS + 15_000, 'ended within the stall bound');
      } else {
        assert.equal(last.status, 'FINISHED', `task ${i} ran on the surviving worker`);
      }
    }
    assert.ok(
      finals.some((t) => t.status === 'ERROR'),
      'the kill cut some work off',
    );
    // The survivor takes new work.
    const after = await create(user.a);
    const last = assertCleanStream(await settle(watchOn(user.wsB, after.id), 30_000), after.id);
    assert.equal(last.status, 'FINISHED');
    assert.notEqual(await holderOf(after.id), victim);
  });

  test('kill -9 of API 1: tasks created through it finish, watched through frontend B and API 2', async () => {
    const user = await newUser();
    const tasks = await Promise.all([1, 2].map(() => create(user.a)));
    const streams = tasks.map((t) => watchOn(user.wsB, t.id));
    await Promise.all(streams.map(inProgress));
    apis[0].kill('SIGKILL');
    await within(apis[0].exited, 5000, 'API 1 to exit');

    for (const [i, w] of streams.entries()) {
      assert.equal(assertCleanStream(await settle(w, 30_000), tasks[i].id).status, 'FINISHED');
    }
    // Frontend A has no backend now: a coded error, not a hang or a 500 page.
    const refused = await within(user.a.gql(CREATE), 20_000, 'frontend A to answer without its API');
    assert.equal(errorCode(refused), 'SERVICE_UNAVAILABLE', JSON.stringify(refused));
    // Frontend B and API 2 carry on.
    const next = await create(user.b);
    assert.equal(assertCleanStream(await settle(watchOn(user.wsB, next.id), 30_000), next.id).status, 'FINISHED');
    const listed = await user.b.gql<{ tasks: Task[] }>('query Tasks { tasks(first: 10) { id status } }');
    assert.deepEqual(
      listed.data?.tasks.map((t) => t.id).sort(),
      [...tasks.map((t) => t.id), next.id].sort(),
      'every task of the session, whichever frontend created it',
    );
  });
});
