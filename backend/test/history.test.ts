/**
 * `taskHistory` through the backend's API: a private redis-server, the built backend, real HTTP.
 * Paging is by position, so it neither skips nor repeats while tasks are created and change;
 * every filter; counts; the bound on tasks read per call; coded errors for bad arguments.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { killAllChildren, redisCall, startBackend, startRedis, waitUntil, type Backend, type RedisServer } from '../../testkit/index.js';
import { TaskHistoryDocument, type TaskFilter, type TaskHistoryQuery } from '../../operations/generated/graphql.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { Api, newUser } from './helpers.js';

const PREFIX = 'historytest';
const keys = redisKeys(PREFIX);
const HISTORY = TaskHistoryDocument.toString();
const CREATE = 'mutation ($input: CreateTaskInput, $retry: RetryPolicyInput) { createTask(input: $input, retry: $retry) { id status createdAt } }';
const CANCEL = 'mutation ($id: ID!) { cancelTask(id: $id) { id status } }';
const STATUS_OF = 'query ($id: ID!) { task(id: $id) { id status } }';

type Page = TaskHistoryQuery['taskHistory'];
type Created = { id: string; status: string; createdAt: string };

let redis: RedisServer;
let backend: Backend;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    TASK_MIN_DURATION_MS: '0',
    TASK_MAX_DURATION_MS: '50',
    TASK_FAILURE_RATE: '0',
    TASK_CREATE_LIMIT: '10000',
    WORKER_CONCURRENCY: '4',
  });
});

after(async () => {
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

async function create(api: Api, input?: unknown, retry?: unknown): Promise<Created> {
  const r = await api.raw<{ createTask: Created }>(CREATE, { input, retry });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createTask;
}

async function history(api: Api, variables: { filter?: TaskFilter; first?: number; after?: string | null }): Promise<Page> {
  const r = await api.raw<TaskHistoryQuery>(HISTORY, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.taskHistory;
}

/** Every page of a filter, following endCursor; the ids in order. */
async function everyPage(api: Api, filter: TaskFilter, first: number): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let cursor: string | null | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await history(api, { filter, first, after: cursor });
    pages.push(page);
    if (!page.pageInfo.hasNextPage) break;
    cursor = page.pageInfo.endCursor;
  }
  return { ids: pages.flatMap((p) => p.edges.map((e) => e.node.id)), pages };
}

/** The index's order: createdAt descending, then id descending. */
function assertNewestFirst(nodes: { id: string; createdAt: string }[]): void {
  for (let i = 1; i < nodes.length; i++) {
    const [a, b] = [nodes[i - 1], nodes[i]];
    const later = Date.parse(a.createdAt) > Date.parse(b.createdAt) || (a.createdAt === b.createdAt && a.id > b.id);
    assert.ok(later, `out of order at ${i}: ${a.createdAt} ${a.id} then ${b.createdAt} ${b.id}`);
  }
}

const statusOf = async (api: Api, id: string) => (await api.raw<{ task: { status: string } }>(STATUS_OF, { id })).data?.task.status;

describe('taskHistory', () => {
  test('paging through 250 tasks while more are created and they all change: every one exactly once, newest first', async () => {
    const api = new Api(backend, newUser('pager'));
    const original: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const made = await Promise.all(Array.from({ length: 25 }, () => create(api)));
      original.push(...made.map((t) => t.id));
    }
    const seen: string[] = [];
    const nodes: { id: string; createdAt: string }[] = [];
    const createdMeanwhile: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    for (;;) {
      const page = await history(api, { first: 7, after: cursor });
      pages++;
      assert.ok(page.edges.length <= 7);
      for (const e of page.edges) {
        seen.push(e.node.id);
        nodes.push(e.node);
      }
      // New tasks land above the pages already read; the workers keep changing the rest.
      createdMeanwhile.push(...(await Promise.all([create(api), create(api)])).map((t) => t.id));
      if (!page.pageInfo.hasNextPage) break;
      assert.equal(page.pageInfo.endCursor, page.edges.at(-1)?.cursor, 'unfiltered, a page stops at its last edge');
      cursor = page.pageInfo.endCursor;
      assert.ok(pages < 100, 'paging ends');
    }
    assert.equal(new Set(seen).size, seen.length, 'no task twice');
    const missing = original.filter((id) => !seen.includes(id));
    assert.deepEqual(missing, [], 'no task of the 250 skipped');
    assertNewestFirst(nodes);
    assert.ok(createdMeanwhile.length >= 2 * 36, `tasks were created between the pages (${createdMeanwhile.length})`);
    const again = await history(api, { first: 1 });
    assert.equal(again.totalCount, original.length + createdMeanwhile.length, 'totalCount counts every task');
  });

  test('filters: status, kind, created range and their combination, on every page; counts per status', async () => {
    const api = new Api(backend, newUser('filter'));
    const quick = { simulated: { minDurationMs: 0, maxDurationMs: 0, failureRate: 0 } };
    const failing = { simulated: { minDurationMs: 0, maxDurationMs: 0, failureRate: 1 } };
    const long = { simulated: { minDurationMs: 60_000, maxDurationMs: 60_000, failureRate: 0 } };
    const expected = new Map<string, { kind: string; status: string }>();
    const add = async (kind: string, status: string, input: unknown, retry?: unknown) => {
      const t = await create(api, input, retry);
      expected.set(t.id, { kind, status });
      return t;
    };
    for (let i = 0; i < 3; i++) await add('simulated', 'FINISHED', quick);
    for (let i = 0; i < 2; i++) await add('simulated', 'ERROR', failing);
    for (let i = 0; i < 2; i++) await add('primes', 'FINISHED', { primes: { below: 1000 } });
    await add('simulated', 'IN_PROGRESS', long);
    // Its first attempt fails at once; the second is due in 5 minutes: WAITING meanwhile.
    await add('simulated', 'WAITING', failing, { maxAttempts: 2, delayMs: 300_000 });
    const cancelled = await add('simulated', 'CANCELLED', long);
    assert.equal((await api.raw(CANCEL, { id: cancelled.id })).errors, undefined);
    await waitUntil(async () => (await Promise.all([...expected].map(async ([id, e]) => (await statusOf(api, id)) === e.status))).every(Boolean), {
      timeoutMs: 30_000,
      what: 'every task in its expected status',
    });

    const check = async (filter: TaskFilter, predicate: (e: { kind: string; status: string }) => boolean, what: string) => {
      const want = [...expected].filter(([, e]) => predicate(e)).map(([id]) => id);
      for (const first of [1, 2, 100]) {
        const { ids, pages } = await everyPage(api, filter, first);
        assert.deepEqual(new Set(ids), new Set(want), `${what}, first ${first}`);
        assert.equal(ids.length, want.length, `${what}, first ${first}: none twice`);
        for (const page of pages) {
          assert.equal(page.totalCount, want.length, `${what}: totalCount`);
          for (const e of page.edges) {
            assert.equal(e.node.kind, expected.get(e.node.id)!.kind);
            assert.equal(e.node.status, expected.get(e.node.id)!.status);
          }
        }
      }
    };
    await check({ status: ['FINISHED'] }, (e) => e.status === 'FINISHED', 'FINISHED');
    await check({ status: ['ERROR', 'CANCELLED'] }, (e) => e.status === 'ERROR' || e.status === 'CANCELLED', 'ERROR or CANCELLED');
    await check({ status: ['WAITING'] }, (e) => e.status === 'WAITING', 'WAITING');
    await check({ status: ['IN_PROGRESS'] }, (e) => e.status === 'IN_PROGRESS', 'IN_PROGRESS');
    await check({ kind: ['primes'] }, (e) => e.kind === 'primes', 'primes');
    await check({ kind: ['simulated', 'primes'] }, () => true, 'both kinds');
    await check({ kind: ['export'] }, () => false, 'a kind with no tasks');
    await check({ status: ['FINISHED'], kind: ['simulated'] }, (e) => e.status === 'FINISHED' && e.kind === 'simulated', 'FINISHED simulated');
    await check({ status: [] }, () => false, 'an empty list matches nothing');
    await check({}, () => true, 'an empty filter');

    // The created range, strict at both ends, against the records' own createdAt.
    const all = (await everyPage(api, {}, 100)).pages.flatMap((p) => p.edges.map((e) => e.node));
    const times = [...new Set(all.map((n) => n.createdAt))].sort();
    assert.ok(times.length >= 3, 'tasks created over several milliseconds');
    const [from, to] = [times[1], times[times.length - 2]];
    const inRange = (after?: string, before?: string) =>
      all.filter((n) => (!after || Date.parse(n.createdAt) > Date.parse(after)) && (!before || Date.parse(n.createdAt) < Date.parse(before))).map((n) => n.id);
    for (const [filter, want] of [
      [{ createdAfter: from }, inRange(from)],
      [{ createdBefore: to }, inRange(undefined, to)],
      [{ createdAfter: from, createdBefore: to }, inRange(from, to)],
      [{ createdAfter: to, createdBefore: from }, []],
    ] as [TaskFilter, string[]][]) {
      assert.deepEqual(new Set((await everyPage(api, filter, 2)).ids), new Set(want), JSON.stringify(filter));
    }
    const firstFinished = all.filter((n) => n.status === 'FINISHED' && n.kind === 'simulated').at(-1)!;
    const range = await everyPage(api, { status: ['FINISHED'], createdAfter: firstFinished.createdAt }, 3);
    assert.ok(!range.ids.includes(firstFinished.id), 'createdAfter is strict');

    // Counts per status follow the kind and range, not the status filter.
    const counts = async (filter: TaskFilter) => Object.fromEntries((await history(api, { filter, first: 1 })).countsByStatus.map((c) => [c.status, c.count]));
    const simulated = { WAITING: 1, IN_PROGRESS: 1, FINISHED: 3, CANCELLED: 1, ERROR: 2 };
    assert.deepEqual(await counts({ kind: ['simulated'] }), simulated);
    assert.deepEqual(await counts({ kind: ['simulated'], status: ['ERROR'] }), simulated, 'the status filter does not change the counts');
    assert.deepEqual(await counts({ kind: ['primes'] }), { WAITING: 0, IN_PROGRESS: 0, FINISHED: 2, CANCELLED: 0, ERROR: 0 });
    assert.deepEqual(
      (await history(api, { first: 1 })).countsByStatus.map((c) => c.status),
      ['WAITING', 'IN_PROGRESS', 'FINISHED', 'CANCELLED', 'ERROR'],
      "every status, in the enum's order",
    );

    // The status filter is applied to the records as read: once the long task is cancelled it
    // leaves IN_PROGRESS and joins CANCELLED.
    const running = [...expected].find(([, e]) => e.status === 'IN_PROGRESS')![0];
    await api.raw(CANCEL, { id: running });
    assert.deepEqual((await everyPage(api, { status: ['IN_PROGRESS'] }, 5)).ids, []);
    assert.ok((await everyPage(api, { status: ['CANCELLED'] }, 5)).ids.includes(running));
  });

  test('tasks(first) works as before, and agrees with the first page', async () => {
    const api = new Api(backend, newUser('both'));
    for (let i = 0; i < 4; i++) await create(api);
    const list = await api.list(3);
    const page = await history(api, { first: 3 });
    assert.deepEqual(
      page.edges.map((e) => e.node.id),
      list.map((t) => t.id),
    );
    assert.equal(page.pageInfo.hasNextPage, true);
  });

  test("another user's tasks are never listed or counted", async () => {
    const owner = new Api(backend, newUser('owner'));
    const other = new Api(backend, newUser('other'));
    await create(owner);
    const page = await history(other, {});
    assert.deepEqual(page.edges, []);
    assert.equal(page.totalCount, 0);
    assert.equal(page.pageInfo.hasNextPage, false);
    assert.equal(page.pageInfo.endCursor, null);
  });

  test('one call reads at most 1,000 tasks: a rare status is reached over several pages, and counts still count everything', async () => {
    const owner = newUser('many');
    const api = new Api(backend, owner);
    // 1,100 finished records and one WAITING one, the oldest, written straight into Redis (no
    // jobs run): the filter must read past the bound to find it.
    const base = Date.now() - 3_600_000;
    const waiting = randomUUID();
    const script = `
      for i = 0, tonumber(ARGV[2]) do
        local id = i == 0 and ARGV[3] or string.format('00000000-0000-4000-8000-%012d', i)
        local status = i == 0 and 'WAITING' or 'FINISHED'
        redis.call('HSET', ARGV[4] .. id, 'id', id, 'owner', ARGV[1], 'kind', 'simulated', 'status', status,
          'progress', '0', 'version', '1', 'createdAt', tostring(tonumber(ARGV[5]) + i), 'attempt', '1', 'maxAttempts', '1')
        redis.call('ZADD', KEYS[1], tonumber(ARGV[5]) + i, id)
      end
      return 1`;
    await redisCall(redis.url, 'EVAL', script, 1, keys.ownerTasks(owner), owner, 1100, waiting, keys.task(''), base);
    const first = await history(api, { filter: { status: ['WAITING'] }, first: 5 });
    assert.deepEqual(first.edges, [], 'the first 1,000 tasks read hold no WAITING one');
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.ok(first.pageInfo.endCursor, 'a cursor to go on from');
    const second = await history(api, { filter: { status: ['WAITING'] }, first: 5, after: first.pageInfo.endCursor });
    assert.deepEqual(
      second.edges.map((e) => e.node.id),
      [waiting],
    );
    assert.equal(second.pageInfo.hasNextPage, false);
    assert.equal(second.totalCount, 1);
    const counts = Object.fromEntries(second.countsByStatus.map((c) => [c.status, c.count]));
    assert.equal(counts.FINISHED, 1100);
    assert.equal(counts.WAITING, 1);
    // Unfiltered, the same history in pages of 100: all 1,101, none twice.
    const { ids } = await everyPage(api, {}, 100);
    assert.equal(ids.length, 1101);
    assert.equal(new Set(ids).size, 1101);
  });

  test('a record that expired is left out and its entry pruned; the rest page on', async () => {
    const owner = newUser('expiry');
    const api = new Api(backend, owner);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await create(api));
    await redisCall(redis.url, 'DEL', keys.task(made[2].id));
    const { ids } = await everyPage(api, {}, 2);
    assert.deepEqual(
      ids,
      made
        .filter((_, i) => i !== 2)
        .map((t) => t.id)
        .reverse(),
    );
    assert.equal(await redisCall(redis.url, 'ZSCORE', keys.ownerTasks(owner), made[2].id), null, 'pruned from the index');
  });

  describe('bad arguments are BAD_USER_INPUT naming the field, with no internals', () => {
    const api = () => new Api(backend, newUser('bad'));
    const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
    const cases: [string, Record<string, unknown>, string][] = [
      ['first: 0', { first: 0 }, 'first'],
      ['first: 101', { first: 101 }, 'first'],
      ['first: -5', { first: -5 }, 'first'],
      ['first: null', { first: null }, 'first'],
      ['a cursor that is not base64 of ours', { after: 'not a cursor' }, 'after'],
      ['an empty cursor', { after: '' }, 'after'],
      ['a cursor of another shape', { after: cursorOf('v2:1:x') }, 'after'],
      ['a cursor with a bad id', { after: cursorOf('v1:1700000000000:not-a-uuid') }, 'after'],
      ['an offset as a cursor', { after: '20' }, 'after'],
      ['an unknown kind', { filter: { kind: ['nope'] } }, 'filter.kind'],
      ['a date that is not ISO 8601', { filter: { createdAfter: 'yesterday' } }, 'filter.createdAfter'],
      ['a date without a zone', { filter: { createdBefore: '2026-01-01T00:00:00' } }, 'filter.createdBefore'],
      ['a number as a date', { filter: { createdBefore: 1700000000000 } }, 'filter.createdBefore'],
    ];
    for (const [what, variables, field] of cases) {
      test(what, async () => {
        const r = await api().raw(HISTORY, variables);
        assert.equal(r.errors?.length, 1, JSON.stringify(r));
        const [error] = r.errors!;
        assert.equal(error.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(error));
        assert.equal(error.extensions?.field, field);
        assert.equal(error.extensions?.stacktrace, undefined);
        assert.doesNotMatch(error.message, /\n\s+at /);
      });
    }

    test('a well-formed cursor of a task that is gone still pages on from its position', async () => {
      const r = await api().raw<TaskHistoryQuery>(HISTORY, { after: cursorOf(`v1:${Date.now()}:${randomUUID()}`) });
      assert.equal(r.errors, undefined);
      assert.deepEqual(r.data!.taskHistory.edges, []);
    });
  });
});
