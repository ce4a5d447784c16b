/**
 * `cancelTasks` and `retryTasks` through the backend's API: a private redis-server, the built
 * backend, real HTTP and graphql-ws clients. A bulk cancel racing the workers leaves exactly one
 * final status per task, the one stored and the last one a subscriber saw; dry runs change
 * nothing; bounds, the createTask budget and one bulk action at a time per user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  backendWsClient,
  disposeAllClients,
  isFinal,
  killAllChildren,
  redisCall,
  redisHash,
  sleep,
  startBackend,
  startRedis,
  waitUntil,
  watch,
  type Backend,
  type RedisServer,
  type TaskStatus,
  type WsClient,
} from '../../testkit/index.js';
import {
  type BulkResultFieldsFragment as BulkResult,
  CancelTasksDocument,
  RetryTasksDocument,
  type TaskFilter,
  TaskHistoryDocument,
  type TaskHistoryQuery,
  TaskUpdatesDocument,
  type TaskUpdatesSubscription,
} from '../../operations/generated/graphql.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { Api, newUser } from './helpers.js';

const PREFIX = 'bulktest';
const CANCEL_TIMEOUT_MS = 2000;
const keys = redisKeys(PREFIX);
const CANCEL_TASKS = CancelTasksDocument.toString();
const RETRY_TASKS = RetryTasksDocument.toString();
const HISTORY = TaskHistoryDocument.toString();
const UPDATES = TaskUpdatesDocument.toString();
const CREATE = 'mutation ($input: CreateTaskInput, $retry: RetryPolicyInput) { createTask(input: $input, retry: $retry) { id status createdAt } }';

type Update = TaskUpdatesSubscription['taskUpdates'];
type Created = { id: string; status: string; createdAt: string };

const quick = { simulated: { minDurationMs: 0, maxDurationMs: 0, failureRate: 0 } };
const failing = { simulated: { minDurationMs: 0, maxDurationMs: 0, failureRate: 1 } };
/** A task WAITING for 5 minutes: its first attempt fails at once, the second is due later. */
const waitingInput = { input: failing, retry: { maxAttempts: 2, delayMs: 300_000 } };

let redis: RedisServer;
let backend: Backend;
let ws: WsClient;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    TASK_MIN_DURATION_MS: '0',
    TASK_MAX_DURATION_MS: '300',
    TASK_FAILURE_RATE: '0',
    TASK_CREATE_LIMIT: '10000',
    WORKER_CONCURRENCY: '8',
    CANCEL_TIMEOUT_MS: String(CANCEL_TIMEOUT_MS),
  });
  ws = backendWsClient(backend.wsUrl, backend.token);
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

async function create(api: Api, variables: Record<string, unknown> = {}): Promise<Created> {
  const r = await api.raw<{ createTask: Created }>(CREATE, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createTask;
}

async function bulk(api: Api, doc: string, filter: TaskFilter, dryRun?: boolean): Promise<BulkResult> {
  const r = await api.raw<Record<string, BulkResult>>(doc, { filter, dryRun });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return Object.values(r.data!)[0];
}

async function counts(api: Api, filter: TaskFilter = {}): Promise<Record<TaskStatus, number>> {
  const r = await api.raw<TaskHistoryQuery>(HISTORY, { filter, first: 1 });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return Object.fromEntries(r.data!.taskHistory.countsByStatus.map((c) => [c.status, c.count])) as Record<TaskStatus, number>;
}

async function statusOf(id: string): Promise<string> {
  return (await redisHash(redis.url, keys.task(id))).status;
}

const settled = (api: Api) => async () => {
  const c = await counts(api);
  return c.WAITING + c.IN_PROGRESS === 0;
};

describe('cancelTasks and retryTasks', () => {
  for (const round of [1, 2]) {
    test(`a bulk cancel racing the workers leaves one final status per task, as stored and as streamed (round ${round})`, async () => {
      const api = new Api(backend, newUser('racer'));
      const updates = watch<{ taskUpdates: Update }>(ws, UPDATES, undefined, { user: api.user });
      // Subscribed (the replay of a new user is empty) before the first task exists.
      await sleep(200);
      const tasks = await Promise.all(Array.from({ length: 60 }, () => create(api)));
      await sleep(round * 150);
      const result = await bulk(api, CANCEL_TASKS, {});
      await waitUntil(settled(api), { timeoutMs: 30_000, what: 'every task final' });

      const stored = new Map<string, Record<string, string>>();
      for (const t of tasks) stored.set(t.id, await redisHash(redis.url, keys.task(t.id)));
      const cancelled = [...stored.values()].filter((r) => r.status === 'CANCELLED').length;
      assert.equal(result.matched, 60);
      assert.equal(result.applied, cancelled, `every task the call cancelled is CANCELLED, and only those: ${JSON.stringify(result)}`);
      assert.equal(result.skipped, 60 - cancelled);
      assert.equal(result.hasMore, false);
      assert.ok(cancelled > 0, 'some tasks were still live when the cancel came');

      // The stream: per task, versions rise, one final event, last, equal to the stored record.
      await waitUntil(
        () => tasks.every((t) => updates.data.some((d) => d.taskUpdates.id === t.id && d.taskUpdates.version === Number(stored.get(t.id)!.version))),
        { timeoutMs: 10_000, what: "every task's final version on the stream" },
      );
      await sleep(300);
      for (const t of tasks) {
        const seen = updates.data.map((d) => d.taskUpdates).filter((u) => u.id === t.id);
        const versions = seen.map((u) => u.version);
        assert.ok(
          versions.every((v, i) => i === 0 || v > versions[i - 1]),
          `${t.id}: versions rise: ${versions}`,
        );
        const finals = seen.filter((u) => isFinal(u.status));
        assert.equal(finals.length, 1, `${t.id}: exactly one final event: ${seen.map((u) => u.status)}`);
        assert.equal(seen.at(-1), finals[0], `${t.id}: nothing after the final event`);
        assert.equal(finals[0].status, stored.get(t.id)!.status);
        assert.equal(finals[0].version, Number(stored.get(t.id)!.version));
      }
      assert.ok(
        updates.data.every((d) => tasks.some((t) => t.id === d.taskUpdates.id)),
        'only the caller’s tasks',
      );
      updates.unsubscribe();
    });
  }

  test('dryRun changes nothing (records, timelines, streams, tasks) and says what would be done', async () => {
    const api = new Api(backend, newUser('dry'));
    const waiting = await Promise.all([1, 2, 3].map(() => create(api, waitingInput)));
    const finished = await Promise.all([1, 2].map(() => create(api, { input: quick })));
    await waitUntil(
      async () => (await Promise.all(waiting.map((t) => redisHash(redis.url, keys.task(t.id))))).every((r) => r.status === 'WAITING' && r.attempt === '2'),
      {
        timeoutMs: 15_000,
        what: 'three tasks waiting for their second attempt',
      },
    );
    await waitUntil(async () => (await Promise.all(finished.map((t) => statusOf(t.id)))).every((s) => s === 'FINISHED'), { what: 'two FINISHED' });
    const all = [...waiting, ...finished];
    const snapshot = async () =>
      Promise.all(
        all.map(async (t) => ({ hash: await redisHash(redis.url, keys.task(t.id)), events: await redisCall(redis.url, 'LLEN', keys.taskEvents(t.id)) })),
      );
    const before = await snapshot();
    const updates = watch<{ taskUpdates: Update }>(ws, UPDATES, undefined, { user: api.user });
    await updates.waitFor(() => updates.data.length >= 5, 5_000); // the replay of the five recent tasks
    const replayed = updates.data.length;

    assert.deepEqual(await bulk(api, CANCEL_TASKS, {}, true), { matched: 5, applied: 3, skipped: 2, hasMore: false, retryAfterSeconds: null });
    assert.deepEqual(await bulk(api, CANCEL_TASKS, { status: ['WAITING'] }, true), {
      matched: 3,
      applied: 3,
      skipped: 0,
      hasMore: false,
      retryAfterSeconds: null,
    });
    assert.deepEqual(await bulk(api, RETRY_TASKS, {}, true), { matched: 5, applied: 2, skipped: 3, hasMore: false, retryAfterSeconds: null });
    await sleep(300);
    assert.deepEqual(await snapshot(), before, 'records and timelines unchanged');
    assert.equal(updates.data.length, replayed, 'nothing published');
    assert.equal((await counts(api)).FINISHED + (await counts(api)).WAITING, 5, 'no task created');

    // For real: the same numbers, and then the changes are there.
    assert.deepEqual(await bulk(api, CANCEL_TASKS, {}), { matched: 5, applied: 3, skipped: 2, hasMore: false, retryAfterSeconds: null });
    for (const t of waiting) assert.equal(await statusOf(t.id), 'CANCELLED');
    assert.deepEqual(
      await bulk(api, CANCEL_TASKS, {}),
      { matched: 5, applied: 0, skipped: 5, hasMore: false, retryAfterSeconds: null },
      'nothing left to cancel',
    );
    updates.unsubscribe();
  });

  test('retryTasks runs each matching final task again once, as retryTask does; a task already retried is skipped', async () => {
    const api = new Api(backend, newUser('retrier'));
    const failed = await Promise.all([1, 2, 3, 4].map(() => create(api, { input: failing })));
    const ok = await Promise.all([1, 2].map(() => create(api, { input: quick })));
    await waitUntil(settled(api), { timeoutMs: 15_000, what: 'all final' });
    await sleep(5);
    const cutoff = new Date().toISOString();
    const originals: TaskFilter = { status: ['ERROR'], createdBefore: cutoff };
    assert.deepEqual(await bulk(api, RETRY_TASKS, originals), { matched: 4, applied: 4, skipped: 0, hasMore: false, retryAfterSeconds: null });
    const history = await api.raw<TaskHistoryQuery>(HISTORY, { filter: { createdAfter: cutoff }, first: 100 });
    const retries = history.data!.taskHistory.edges.map((e) => e.node);
    assert.deepEqual(retries.map((t) => t.retryOf).sort(), failed.map((t) => t.id).sort(), 'one new task per failed one, linked to it');
    for (const t of failed) assert.equal(await statusOf(t.id), 'ERROR', 'the original is unchanged');
    assert.deepEqual(await bulk(api, RETRY_TASKS, originals), { matched: 4, applied: 0, skipped: 4, hasMore: false, retryAfterSeconds: null });
    // FINISHED tasks can be run again too, when the filter says so; live ones are skipped.
    await waitUntil(settled(api), { timeoutMs: 15_000, what: 'the retries final' });
    assert.deepEqual(await bulk(api, RETRY_TASKS, { status: ['FINISHED'], createdBefore: cutoff }), {
      matched: 2,
      applied: 2,
      skipped: 0,
      hasMore: false,
      retryAfterSeconds: null,
    });
    assert.equal(ok.length, 2);
  });

  test('one bulk action per user at a time: a second one meanwhile is RATE_LIMITED; other users are not held up', async () => {
    const owner = newUser('eager');
    const api = new Api(backend, owner);
    const other = new Api(backend, newUser('bystander'));
    // A task IN_PROGRESS that no worker holds (written straight into Redis): its cancel waits
    // CANCEL_TIMEOUT_MS for a worker to confirm, and the first call holds the lock meanwhile.
    const id = '00000000-0000-4000-8000-00000000beef';
    await redisCall(
      redis.url,
      'HSET',
      keys.task(id),
      'id',
      id,
      'owner',
      owner,
      'kind',
      'simulated',
      'status',
      'IN_PROGRESS',
      'progress',
      '10',
      'version',
      '2',
      'createdAt',
      Date.now(),
      'attempt',
      '1',
      'maxAttempts',
      '1',
    );
    await redisCall(redis.url, 'ZADD', keys.ownerTasks(owner), Date.now(), id);
    await create(other, waitingInput);
    await waitUntil(async () => (await counts(other)).WAITING === 1, { what: "the bystander's task waiting" });
    const began = Date.now();
    const [first, second, bystander] = await Promise.all([
      api.raw(CANCEL_TASKS, { filter: {} }),
      sleep(200).then(() => api.raw(CANCEL_TASKS, { filter: {} })),
      sleep(200).then(() => other.raw(CANCEL_TASKS, { filter: {} })),
    ]);
    assert.ok(Date.now() - began >= CANCEL_TIMEOUT_MS, 'the first call waited for the cancel timeout');
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal((first.data as { cancelTasks: BulkResult }).cancelTasks.applied, 1);
    assert.equal(await statusOf(id), 'CANCELLED');
    assert.equal(second.errors?.[0]?.extensions?.code, 'RATE_LIMITED', JSON.stringify(second));
    assert.ok(Number(second.errors?.[0]?.extensions?.retryAfterSeconds) >= 1);
    assert.match(second.errors![0].message, /bulk action/);
    assert.equal(bystander.errors, undefined, JSON.stringify(bystander.errors));
    assert.equal((bystander.data as { cancelTasks: BulkResult }).cancelTasks.applied, 1);
    // Once the first is done, the lock is free again.
    assert.deepEqual(await bulk(api, CANCEL_TASKS, {}), { matched: 1, applied: 0, skipped: 1, hasMore: false, retryAfterSeconds: null });
  });

  test('at most 500 changes per call (hasMore says so), newest first; the next call does the rest', async () => {
    const owner = newUser('big');
    const api = new Api(backend, owner);
    // 520 WAITING records (no jobs) written straight into Redis, so no worker starts them.
    const base = Date.now() - 3_600_000;
    const script = `
      for i = 1, tonumber(ARGV[2]) do
        local id = string.format('00000000-0000-4000-8000-%012d', i)
        redis.call('HSET', ARGV[3] .. id, 'id', id, 'owner', ARGV[1], 'kind', 'simulated', 'status', 'WAITING',
          'progress', '0', 'version', '1', 'createdAt', tostring(tonumber(ARGV[4]) + i), 'attempt', '1', 'maxAttempts', '1')
        redis.call('ZADD', KEYS[1], tonumber(ARGV[4]) + i, id)
      end
      return 1`;
    await redisCall(redis.url, 'EVAL', script, 1, keys.ownerTasks(owner), owner, 520, keys.task(''), base);
    assert.deepEqual(await bulk(api, CANCEL_TASKS, {}, true), { matched: 500, applied: 500, skipped: 0, hasMore: true, retryAfterSeconds: null });
    assert.deepEqual(await bulk(api, CANCEL_TASKS, {}), { matched: 500, applied: 500, skipped: 0, hasMore: true, retryAfterSeconds: null });
    const idOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    assert.equal(await statusOf(idOf(520)), 'CANCELLED', 'the newest first');
    assert.equal(await statusOf(idOf(20)), 'WAITING', 'the oldest 20 left for the next call');
    assert.deepEqual(await bulk(api, CANCEL_TASKS, {}), { matched: 520, applied: 20, skipped: 500, hasMore: false, retryAfterSeconds: null });
    assert.deepEqual(await counts(api), { WAITING: 0, IN_PROGRESS: 0, FINISHED: 0, CANCELLED: 520, ERROR: 0 });
  });

  test('at most 10,000 tasks read per call: a match older than that is left for later, with hasMore', async () => {
    const owner = newUser('deep');
    const api = new Api(backend, owner);
    const base = Date.now() - 7_200_000;
    const script = `
      for i = 0, tonumber(ARGV[2]) do
        local id = string.format('00000000-0000-4000-8000-%012d', i)
        redis.call('HSET', ARGV[3] .. id, 'id', id, 'owner', ARGV[1], 'kind', 'simulated', 'status', i == 0 and 'WAITING' or 'FINISHED',
          'progress', '0', 'version', '1', 'createdAt', tostring(tonumber(ARGV[4]) + i), 'attempt', '1', 'maxAttempts', '1')
        redis.call('ZADD', KEYS[1], tonumber(ARGV[4]) + i, id)
      end
      return 1`;
    await redisCall(redis.url, 'EVAL', script, 1, keys.ownerTasks(owner), owner, 10_000, keys.task(''), base);
    assert.deepEqual(await bulk(api, CANCEL_TASKS, { status: ['WAITING'] }, true), {
      matched: 0,
      applied: 0,
      skipped: 0,
      hasMore: true,
      retryAfterSeconds: null,
    });
    // Narrowed by its creation time, it is within reach.
    const r = await bulk(api, CANCEL_TASKS, { status: ['WAITING'], createdBefore: new Date(base + 1).toISOString() });
    assert.deepEqual(r, { matched: 1, applied: 1, skipped: 0, hasMore: false, retryAfterSeconds: null });
  });

  test('bad filters are BAD_USER_INPUT naming the field; a missing filter is invalid', async () => {
    const api = new Api(backend, newUser('badbulk'));
    for (const doc of [CANCEL_TASKS, RETRY_TASKS]) {
      for (const [filter, field] of [
        [{ kind: ['nope'] }, 'filter.kind'],
        [{ createdAfter: 'soon' }, 'filter.createdAfter'],
      ] as const) {
        const r = await api.raw(doc, { filter });
        assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r));
        assert.equal(r.errors?.[0]?.extensions?.field, field);
      }
      const missing = await api.raw(doc, {});
      assert.equal(missing.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(missing));
    }
  });
});

describe('retryTasks and the createTask budget', () => {
  let limited: Backend;
  before(async () => {
    limited = await startBackend({
      REDIS_URL: redis.url,
      TASK_MIN_DURATION_MS: '0',
      TASK_MAX_DURATION_MS: '0',
      TASK_CREATE_LIMIT: '6',
      TASK_CREATE_WINDOW_S: '60',
      WORKER_CONCURRENCY: '4',
    });
  });
  after(() => limited?.stop());

  test('each retried task spends one unit: the call stops when the budget is spent, then RATE_LIMITED like createTask', async () => {
    const api = new Api(limited, newUser('budget'));
    for (let i = 0; i < 4; i++) {
      const r = await api.raw(CREATE, { input: failing });
      assert.equal(r.errors, undefined);
    }
    await waitUntil(settled(api), { timeoutMs: 15_000, what: 'four ERROR' });
    await sleep(5);
    // The retries fail too (same input): the filter keeps to the four originals.
    const originals: TaskFilter = { status: ['ERROR'], createdBefore: new Date().toISOString() };
    const first = await bulk(api, RETRY_TASKS, originals);
    assert.equal(first.applied, 2, `two units were left: ${JSON.stringify(first)}`);
    assert.equal(first.matched, 2, 'the tasks it did not reach are not counted');
    assert.equal(first.skipped, 0);
    assert.equal(first.hasMore, true);
    assert.ok((first.retryAfterSeconds ?? 0) >= 1, JSON.stringify(first));
    const dry = await bulk(api, RETRY_TASKS, originals, true);
    assert.equal(dry.applied, 2, 'a dry run spends nothing and sees the two left');
    const second = await api.raw(RETRY_TASKS, { filter: { status: ['ERROR'] } });
    assert.equal(second.errors?.[0]?.extensions?.code, 'RATE_LIMITED', JSON.stringify(second));
    assert.ok(Number(second.errors?.[0]?.extensions?.retryAfterSeconds) >= 1);
    const create = await api.raw(CREATE, {});
    assert.equal(create.errors?.[0]?.extensions?.code, 'RATE_LIMITED', 'the same budget as createTask');
  });
});
