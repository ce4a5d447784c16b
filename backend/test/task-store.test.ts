/**
 * The task store's scripts against a real redis-server: attempts, the timeline and its bounds,
 * retries linked both ways, and expiry of everything a task keeps. (The API suites cover the
 * same through GraphQL; here each script's contract is checked directly.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { killAllChildren, snapshotProblems, startRedis, type RedisServer } from '../../testkit/index.js';
import { loadConfig, type Config } from '../src/config/config.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import type { StoredEvent } from '../src/tasks/task-events.js';
import { toPublic } from '../src/tasks/task-state.js';
import type * as StoreModule from '../src/tasks/task-store.js';

// The store is a Nest provider (parameter decorators, which tsx does not compile): the test runs
// the built module, typed by its source.
const { TaskStore } = (await import(`${'../dist/tasks/task-store.js'}`)) as typeof StoreModule;
type TaskStore = StoreModule.TaskStore;

let redis: RedisServer;
let client: Redis;
let store: TaskStore;
let config: Config;
const keys = redisKeys('storetest');
const OWNER = 'user_store_test';
const LOG_CAP = 5;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  config = loadConfig({ REDIS_URL: redis.url, REDIS_PREFIX: 'storetest', TASK_RETENTION_S: '120', LOG_LINES_PER_TASK: String(LOG_CAP) });
  store = new TaskStore(client as never, keys, config);
});

after(async () => {
  client?.disconnect();
  await redis?.stop();
  await killAllChildren();
});

const spec = { kind: 'simulated', input: { minDurationMs: 1, maxDurationMs: 2, failureRate: 0 }, maxAttempts: 3, retryDelayMs: 100 };
const types = (events: StoredEvent[]) => events.map((e) => e.type);

describe('attempts', () => {
  test('a retry closes the attempt with its error, moves on, and refuses writes of the attempt that is over', async () => {
    const task = await store.create(OWNER, spec);
    assert.equal((await store.apply(task.id, 'start', { startedAt: Date.now() }, { attempt: 2 })).applied, false, 'not yet attempt 2');
    assert.equal((await store.apply(task.id, 'start', { startedAt: Date.now() }, { attempt: 1 })).applied, true);
    const retried = await store.apply(task.id, 'retry', { error: 'boom', nextAttemptAt: Date.now() + 500, progress: 0 }, { attempt: 1 });
    assert.ok(retried.applied);
    assert.equal(retried.task.status, 'WAITING');
    assert.equal(retried.task.attempt, 2);
    assert.equal(retried.task.error, 'boom', 'the previous error stays visible while waiting');
    assert.ok(retried.task.nextAttemptAt);
    assert.equal(retried.task.attempts.length, 1);
    assert.equal(retried.task.attempts[0].error, 'boom');
    assert.ok(retried.task.attempts[0].endedAt);
    assert.deepEqual(types(retried.events), ['ATTEMPT_FAILED', 'RETRY_SCHEDULED']);
    // A late write of attempt 1 (a worker that froze, say) changes nothing.
    assert.equal((await store.apply(task.id, 'progress', { progress: 50 }, { attempt: 1 })).applied, false);
    assert.equal((await store.apply(task.id, 'finish', { finishedAt: Date.now() }, { attempt: 1 })).applied, false);
    const second = await store.apply(task.id, 'start', { progress: 0, error: '', nextAttemptAt: '' }, { attempt: 2 });
    assert.ok(second.applied);
    assert.equal(second.task.error, null, 'a new attempt clears the previous error (it stays on its attempt)');
    assert.equal(second.task.nextAttemptAt, null);
    const done = await store.apply(
      task.id,
      'finish',
      { progress: 100, finishedAt: Date.now(), result: JSON.stringify({ __typename: 'SimulatedResult', durationMs: 2 }) },
      { attempt: 2 },
    );
    assert.ok(done.applied);
    assert.deepEqual(done.task.result, { __typename: 'SimulatedResult', durationMs: 2 });
    assert.deepEqual(
      done.task.attempts.map((a) => [a.number, a.error ?? null, a.endedAt !== undefined]),
      [
        [1, 'boom', true],
        [2, null, true],
      ],
    );
    const ended = done.events.at(-1);
    assert.equal(ended?.type, 'ENDED');
    assert.equal(ended?.status, 'FINISHED');
    assert.deepEqual(ended?.result, { __typename: 'SimulatedResult', durationMs: 2 });
  });

  test("an attempt's window stays ordered when writers' clocks disagree (a write that waited in flight, a clock behind)", async (t) => {
    const task = await store.create(OWNER, spec);
    const opened = await store.apply(task.id, 'start', { startedAt: Date.now() }, { attempt: 1 });
    assert.ok(opened.applied);
    const startedAt = opened.task.attempts[0].startedAt;
    // The loss of attempt 1, decided by a writer whose clock reads 5 s earlier, lands after the start.
    const now = Date.now();
    t.mock.method(Date, 'now', () => now - 5000);
    const lost = await store.apply(task.id, 'retry', { error: 'Worker lost', progress: 0 }, { attempt: 1 });
    t.mock.restoreAll();
    assert.ok(lost.applied);
    assert.equal(lost.task.attempts[0].endedAt, startedAt, 'ended no earlier than it started');
    // The next attempt, started by a writer whose clock is behind that end, starts no earlier than it.
    t.mock.method(Date, 'now', () => startedAt - 3000);
    const second = await store.apply(task.id, 'start', {}, { attempt: 2 });
    t.mock.restoreAll();
    assert.ok(second.applied);
    assert.equal(second.task.attempts[1].startedAt, startedAt, 'started no earlier than the previous one ended');
    assert.deepEqual(snapshotProblems(toPublic(second.task)), []);
  });
});

describe('timeline', () => {
  test('every change appends its events in the same step: seq from 1, no gaps, progress thinned to 10 % steps', async () => {
    const task = await store.create(OWNER, spec);
    await store.apply(task.id, 'start', { startedAt: Date.now() }, { attempt: 1 });
    for (const progress of [5, 10, 12, 25, 26, 95]) await store.apply(task.id, 'progress', { progress }, { attempt: 1 });
    await store.appendEvent(task.id, { type: 'LOG', message: 'hello', level: 'INFO', attempt: 1 }, { attempt: 1 });
    await store.apply(task.id, 'fail', { finishedAt: Date.now(), error: 'broken' }, { attempt: 1 });
    const events = await store.events(task.id, 0, 100);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
    );
    assert.deepEqual(types(events), ['CREATED', 'ATTEMPT_STARTED', 'PROGRESS', 'PROGRESS', 'PROGRESS', 'LOG', 'ATTEMPT_FAILED', 'ENDED']);
    assert.deepEqual(
      events.filter((e) => e.type === 'PROGRESS').map((e) => e.progress),
      [10, 25, 95],
    );
    assert.equal(events.at(-1)?.message, 'broken');
    assert.equal(events.at(-1)?.status, 'ERROR');
    assert.deepEqual(
      (await store.events(task.id, 6, 2)).map((e) => e.seq),
      [7, 8],
      'a page after a seq',
    );
    assert.equal(await store.appendEvent(task.id, { type: 'LOG', message: 'late', level: 'INFO' }), 0, 'nothing is appended to a final task');
  });

  test('log lines past the per-task bound are replaced by one warning, then refused', async () => {
    const task = await store.create(OWNER, spec);
    await store.apply(task.id, 'start', { startedAt: Date.now() }, { attempt: 1 });
    const seqs: number[] = [];
    for (let i = 0; i < LOG_CAP + 3; i++) seqs.push(await store.appendEvent(task.id, { type: 'LOG', message: `line ${i}`, level: 'INFO' }, { attempt: 1 }));
    const logs = (await store.events(task.id, 0, 100)).filter((e) => e.type === 'LOG');
    assert.equal(logs.length, LOG_CAP + 1);
    assert.equal(logs.at(-1)?.level, 'WARN');
    assert.match(logs.at(-1)?.message ?? '', /limit/);
    assert.deepEqual(seqs.slice(LOG_CAP + 1), [0, 0]);
  });

  test('a final status sets the retention TTL on the record, its timeline and its file', async () => {
    const task = await store.create(OWNER, spec);
    await store.saveFile(task.id, { content: Buffer.from('a,b\n'), contentType: 'text/csv', filename: 'x.csv' });
    await client.persist(keys.taskFile(task.id));
    assert.equal(await client.ttl(keys.taskEvents(task.id)), -1, 'a live task keeps its timeline');
    await store.apply(task.id, 'cancelWaiting', { finishedAt: Date.now(), error: 'Cancelled' });
    for (const key of [keys.task(task.id), keys.taskEvents(task.id), keys.taskFile(task.id)]) {
      const ttl = await client.ttl(key);
      assert.ok(ttl > 100 && ttl <= 120, `${key} expires with the task (ttl ${ttl})`);
    }
    assert.equal((await store.getFile(task.id))?.content.toString(), 'a,b\n');
  });

  test('a task older than timelines: the timeline its final change starts expires with the record', async () => {
    const task = await store.create(OWNER, spec);
    await client.del(keys.taskEvents(task.id));
    await store.apply(task.id, 'cancelWaiting', { finishedAt: Date.now(), error: 'Cancelled' });
    assert.deepEqual(
      (await store.events(task.id, 0, 100)).map((e) => [e.seq, e.type]),
      [[1, 'ENDED']],
    );
    const ttl = await client.ttl(keys.taskEvents(task.id));
    assert.ok(ttl > 100 && ttl <= 120, `the timeline expires with the task (ttl ${ttl})`);
  });
});

describe('retries of a final task', () => {
  test('the new task names its original, and the original lists it; never across owners', async () => {
    const original = await store.create(OWNER, spec);
    const again = await store.create(OWNER, { ...spec, retryOf: original.id });
    const intruder = await store.create('user_someone_else', { ...spec, retryOf: original.id });
    assert.equal((await store.get(again.id))?.retryOf, original.id);
    assert.deepEqual((await store.get(original.id))?.retries, [again.id], "another owner's task is not listed");
    assert.equal((await store.get(intruder.id))?.owner, 'user_someone_else');
  });
});
