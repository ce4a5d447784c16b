/**
 * createTask's controls through the backend's API (issue 15 part 5): a private redis-server, the
 * built backend, real HTTP. An idempotency key makes concurrent duplicates one task and one job;
 * a delayed task starts no earlier than asked and, cancelled first, never runs; priorities order
 * a busy worker's queue; a user at MAX_RUNNING_PER_USER waits (with queuePosition, no attempt
 * counted) while another user's task starts; bad controls are BAD_USER_INPUT naming the argument.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  disposeAllClients,
  isFinal,
  killAllChildren,
  redisCall,
  sleep,
  startBackend,
  startRedis,
  timelineProblems,
  waitUntil,
  type Backend,
  type EventView,
  type RedisServer,
} from '../../testkit/index.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { Api, newUser } from './helpers.js';

const CREATE = `mutation ($input: CreateTaskInput, $idempotencyKey: String, $delayMs: Int, $runAt: DateTime, $priority: TaskPriority) {
  createTask(input: $input, idempotencyKey: $idempotencyKey, delayMs: $delayMs, runAt: $runAt, priority: $priority) {
    id status priority scheduledFor queuePosition createdAt
  }
}`;
const TASK = `query ($id: ID!) {
  task(id: $id) {
    id status priority scheduledFor queuePosition createdAt startedAt finishedAt attempt
    attempts { number startedAt endedAt error }
    events(first: 50) { seq type status attempt at message }
  }
}`;
const CANCEL = 'mutation ($id: ID!) { cancelTask(id: $id) { id status } }';

interface Created {
  id: string;
  status: string;
  priority: string;
  scheduledFor: string | null;
  queuePosition: number | null;
  createdAt: string;
}
interface Read extends Created {
  startedAt: string | null;
  finishedAt: string | null;
  attempt: number;
  attempts: { number: number; startedAt: string; endedAt: string | null; error: string | null }[];
  events: EventView[];
}

const sim = (ms: number) => ({ simulated: { minDurationMs: ms, maxDurationMs: ms, failureRate: 0 } });

let redis: RedisServer;
/** Concurrency 4, at most 2 running tasks per user. */
let shared: Backend;
/** Concurrency 1: a busy worker's queue order. */
let single: Backend;

before(async () => {
  redis = await startRedis();
  const common = { REDIS_URL: redis.url, TASK_FAILURE_RATE: '0', TASK_CREATE_LIMIT: '10000', TASK_MIN_DURATION_MS: '0', TASK_MAX_DURATION_MS: '2000' };
  [shared, single] = await Promise.all([
    startBackend({ ...common, REDIS_PREFIX: 'ctlshared', WORKER_CONCURRENCY: '4', MAX_RUNNING_PER_USER: '2' }),
    startBackend({ ...common, REDIS_PREFIX: 'ctlsingle', WORKER_CONCURRENCY: '1' }),
  ]);
});

after(async () => {
  await disposeAllClients();
  await Promise.all([shared?.stop(), single?.stop()]);
  await redis?.stop();
  await killAllChildren();
});

async function create(api: Api, variables: Record<string, unknown> = {}): Promise<Created> {
  const r = await api.raw<{ createTask: Created }>(CREATE, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createTask;
}

async function read(api: Api, id: string): Promise<Read> {
  const r = await api.raw<{ task: Read }>(TASK, { id });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.task;
}

async function allFinal(api: Api, ids: string[], timeoutMs = 30_000): Promise<Read[]> {
  let tasks: Read[] = [];
  await waitUntil(
    async () => {
      tasks = await Promise.all(ids.map((id) => read(api, id)));
      return tasks.every((t) => isFinal(t.status as never));
    },
    { timeoutMs, what: 'every task final' },
  );
  return tasks;
}

/** Jobs in the queue's delayed set (BullMQ's key under the backend's prefix). */
async function delayedJobs(backend: Backend): Promise<string[]> {
  return (await redisCall(redis.url, 'ZRANGE', `${redisKeys(backend.prefix).bullPrefix}:tasks:delayed`, 0, -1)) as string[];
}

describe('createTask controls', () => {
  test('20 concurrent creates with one idempotency key give one task and one job; another request with the key is IDEMPOTENCY_CONFLICT', async () => {
    const api = new Api(shared, newUser('idem'));
    const variables = { input: sim(0), idempotencyKey: 'order-42', delayMs: 60_000 };
    const before = (await delayedJobs(shared)).length;
    const created = await Promise.all(Array.from({ length: 20 }, () => create(api, variables)));
    const ids = new Set(created.map((t) => t.id));
    assert.equal(ids.size, 1, `one task for all 20: ${[...ids]}`);
    const [id] = ids;
    const owned = (await redisCall(redis.url, 'ZRANGE', redisKeys(shared.prefix).ownerTasks(api.user), 0, -1)) as string[];
    assert.deepEqual(owned, [id], 'the owner has exactly that one task');
    const jobs = await delayedJobs(shared);
    assert.equal(jobs.length, before + 1, 'exactly one job was queued');
    assert.ok(jobs.includes(id));

    // Later, the same request still answers the task; a different one with the key is refused.
    assert.equal((await create(api, variables)).id, id);
    const conflict = await api.raw(CREATE, { ...variables, input: sim(5) });
    assert.equal(conflict.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_CONFLICT');
    assert.equal(conflict.errors?.[0]?.extensions?.field, 'idempotencyKey');
    // Keys are per user.
    const other = await create(new Api(shared, newUser('idem')), variables);
    assert.notEqual(other.id, id);
  });

  test('a delayed task starts no earlier than asked', async () => {
    const api = new Api(shared, newUser('delay'));
    const task = await create(api, { input: sim(0), delayMs: 1500 });
    assert.equal(task.status, 'WAITING');
    assert.ok(task.scheduledFor);
    const asked = Date.parse(task.createdAt) + 1500;
    assert.equal(Date.parse(task.scheduledFor), asked);
    const [done] = await allFinal(api, [task.id]);
    assert.equal(done.status, 'FINISHED');
    assert.ok(Date.parse(done.startedAt!) >= asked, `started ${done.startedAt}, asked for ${task.scheduledFor}`);

    const at = new Date(Date.now() + 1000).toISOString();
    const byTime = await create(api, { input: sim(0), runAt: at });
    assert.equal(byTime.scheduledFor, at);
    const [ran] = await allFinal(api, [byTime.id]);
    assert.ok(Date.parse(ran.startedAt!) >= Date.parse(at));
  });

  test('a delayed task cancelled before it starts never runs, and its job is gone', async () => {
    const api = new Api(shared, newUser('delaycancel'));
    const task = await create(api, { input: sim(0), delayMs: 1500 });
    assert.ok((await delayedJobs(shared)).includes(task.id));
    const r = await api.raw<{ cancelTask: { status: string } }>(CANCEL, { id: task.id });
    assert.equal(r.data?.cancelTask.status, 'CANCELLED', JSON.stringify(r.errors));
    assert.ok(!(await delayedJobs(shared)).includes(task.id), 'the delayed job was removed');
    await sleep(2500);
    const after = await read(api, task.id);
    assert.equal(after.status, 'CANCELLED');
    assert.equal(after.startedAt, null);
    assert.deepEqual(after.attempts, []);
  });

  test('priorities order a busy worker: HIGH queued after LOW runs first', async () => {
    const api = new Api(single, newUser('prio'));
    // Occupies the one worker slot while the queue fills.
    const blocker = await create(api, { input: sim(1500) });
    await waitUntil(async () => (await read(api, blocker.id)).status === 'IN_PROGRESS', { timeoutMs: 10_000, what: 'blocker running' });
    const low = [];
    for (let i = 0; i < 4; i++) low.push(await create(api, { input: sim(0), priority: 'LOW' }));
    const normal = await create(api, { input: sim(0) });
    const high = [];
    for (let i = 0; i < 4; i++) high.push(await create(api, { input: sim(0), priority: 'HIGH' }));
    assert.equal(normal.priority, 'NORMAL');
    // queuePosition: HIGH ones first, in creation order, then NORMAL, then LOW.
    assert.deepEqual(await Promise.all([...high, normal, ...low].map(async (t) => (await read(api, t.id)).queuePosition)), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const done = await allFinal(
      api,
      [...high, normal, ...low].map((t) => t.id),
    );
    const started = (i: number) => Date.parse(done[i].startedAt!);
    const lastHigh = Math.max(...[0, 1, 2, 3].map(started));
    const firstLow = Math.min(...[5, 6, 7, 8].map(started));
    assert.ok(lastHigh <= started(4) && started(4) <= firstLow, `HIGH, then NORMAL, then LOW: ${done.map((t) => `${t.priority} ${t.startedAt}`)}`);
  });

  test("per-user cap: user B's task starts while user A has 50 waiting; A never runs more than the cap, no attempt counted", async () => {
    const a = new Api(shared, newUser('heavy'));
    const b = new Api(shared, newUser('light'));
    const heavy = await Promise.all(Array.from({ length: 52 }, () => create(a, { input: sim(400) })));
    await sleep(500);
    const light = await create(b, { input: sim(0) });
    const [lightDone] = await allFinal(b, [light.id], 10_000);
    assert.equal(lightDone.status, 'FINISHED');
    const now = await Promise.all(heavy.map((t) => read(a, t.id)));
    const waiting = now.filter((t) => t.status === 'WAITING');
    assert.ok(waiting.length >= 40, `B's task ran while A still had ${waiting.length} waiting`);
    // A's waiting tasks each have a distinct place in A's line.
    const positions = waiting.map((t) => t.queuePosition).sort((x, y) => x! - y!);
    assert.deepEqual(
      positions,
      waiting.map((_, i) => i + 1),
    );
    assert.ok(now.filter((t) => t.status !== 'WAITING').every((t) => t.queuePosition === null));

    const done = await allFinal(
      a,
      heavy.map((t) => t.id),
      60_000,
    );
    // Never more than 2 of A's running at once; every task ran once, at attempt 1, with a clean timeline.
    const spans = done.map((t) => [Date.parse(t.attempts[0].startedAt), Date.parse(t.attempts[0].endedAt!)] as const);
    for (const [start] of spans) {
      const overlapping = spans.filter(([s, e]) => s <= start && start < e).length;
      assert.ok(overlapping <= 2, `${overlapping} of A's tasks running at ${new Date(start).toISOString()}`);
    }
    for (const t of done) {
      assert.equal(t.status, 'FINISHED');
      assert.equal(t.attempt, 1);
      assert.equal(t.attempts.length, 1);
      assert.deepEqual(timelineProblems(t.events, { after: 0, ended: t as never }), [], t.id);
    }
    const running = await redisCall(redis.url, 'SCARD', `${redisKeys(shared.prefix).ownerKeyPrefix}${a.user}:running`);
    assert.equal(running, 0, "A's running set is empty once all ended");
  });

  test('bad controls are BAD_USER_INPUT naming the argument, and queue nothing', async () => {
    const api = new Api(shared, newUser('bad'));
    const cases: [Record<string, unknown>, string][] = [
      [{ idempotencyKey: '' }, 'idempotencyKey'],
      [{ idempotencyKey: 'x'.repeat(201) }, 'idempotencyKey'],
      [{ delayMs: -1 }, 'delayMs'],
      [{ delayMs: 7 * 24 * 3600 * 1000 + 1 }, 'delayMs'],
      [{ delayMs: 1000, runAt: new Date(Date.now() + 5000).toISOString() }, 'runAt'],
      [{ runAt: 'tomorrow' }, 'runAt'],
      [{ runAt: new Date(Date.now() - 3600_000).toISOString() }, 'runAt'],
      [{ runAt: new Date(Date.now() + 8 * 24 * 3600_000).toISOString() }, 'runAt'],
    ];
    for (const [variables, field] of cases) {
      const r = await api.raw(CREATE, variables);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(variables));
      assert.equal(r.errors?.[0]?.extensions?.field, field, JSON.stringify(variables));
    }
    const owned = await redisCall(redis.url, 'ZCARD', redisKeys(shared.prefix).ownerTasks(api.user));
    assert.equal(owned, 0);
  });

  test('queuePosition is a hint: when Redis cannot answer its read, it is null beside the status, never an error', async () => {
    // A Redis user that may run everything but ZRANK, the read behind queuePosition alone.
    await redisCall(redis.url, 'ACL', 'SETUSER', 'norank', 'on', '>norank-secret', '~*', '&*', '+@all', '-zrank');
    const url = new URL(redis.url);
    url.username = 'norank';
    url.password = 'norank-secret';
    // An API without a worker: its tasks stay WAITING, where the position is read.
    const api = await startBackend({ REDIS_URL: url.toString(), REDIS_PREFIX: 'ctlnorank', BACKEND_ROLE: 'api', TASK_CREATE_LIMIT: '10000' });
    try {
      const client = new Api(api, newUser('norank'));
      const created = await create(client);
      assert.deepEqual([created.status, created.queuePosition], ['WAITING', null]);
      const read1 = await read(client, created.id);
      assert.deepEqual([read1.status, read1.queuePosition], ['WAITING', null]);
      assert.match(api.logs.text(), /queuePosition of \S+ unknown for now: NOPERM/);
    } finally {
      await api.stop();
    }
  });
});
