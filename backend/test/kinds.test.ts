/**
 * Task kinds, retries and the timeline through the backend's API: a private redis-server, the
 * built backend (role "all"), real HTTP and graphql-ws clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  backendWsClient,
  collect,
  disposeAllClients,
  killAllChildren,
  redisCall,
  sleep,
  startBackend,
  startRedis,
  watch,
  type Backend,
  type RedisServer,
  type WsClient,
} from '../../testkit/index.js';
import { jobIdFor, redisKeys } from '../src/redis/redis-keys.js';
import { Api, newUser } from './helpers.js';

const PREFIX = 'kindstest';
const keys = redisKeys(PREFIX);

const TASK_FIELDS = `id kind status progress version attempt maxAttempts nextAttemptAt error retryOf retries
  attempts { number startedAt endedAt error }
  result { __typename ... on SimulatedResult { durationMs } ... on PrimesResult { count largest below } ... on ExportResult { url bytes rows format } }`;
const CREATE = `mutation ($input: CreateTaskInput, $retry: RetryPolicyInput) { createTask(input: $input, retry: $retry) { ${TASK_FIELDS} } }`;
const RETRY = `mutation ($id: ID!) { retryTask(id: $id) { ${TASK_FIELDS} } }`;
const CANCEL = `mutation ($id: ID!) { cancelTask(id: $id) { ${TASK_FIELDS} } }`;
const GET = `query ($id: ID!) { task(id: $id) { ${TASK_FIELDS} } }`;
const STATUS = `subscription ($id: ID!) { taskStatus(id: $id) { ${TASK_FIELDS} } }`;
const EVENT_FIELDS = 'seq at type status progress attempt message level result { __typename }';
const TIMELINE = `query ($id: ID!, $after: Int, $first: Int) { task(id: $id) { events(after: $after, first: $first) { ${EVENT_FIELDS} } } }`;
const EVENTS = `subscription ($id: ID!, $after: Int) { taskEvents(id: $id, after: $after) { ${EVENT_FIELDS} } }`;
const KINDS = '{ taskKinds { name title description maxAttempts retryDelayMs } }';

type Task = {
  id: string;
  kind: string;
  status: string;
  progress: number;
  version: number;
  attempt: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  error: string | null;
  retryOf: string | null;
  retries: string[];
  attempts: { number: number; startedAt: string; endedAt: string | null; error: string | null }[];
  result: Record<string, unknown> | null;
};
type Event = {
  seq: number;
  type: string;
  status: string | null;
  progress: number | null;
  attempt: number | null;
  message: string | null;
  level: string | null;
};

let redis: RedisServer;
let backend: Backend;
let ws: WsClient;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    TASK_MIN_DURATION_MS: '300',
    TASK_MAX_DURATION_MS: '600',
    TASK_FAILURE_RATE: '0',
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

async function create(api: Api, variables: Record<string, unknown> = {}): Promise<Task> {
  const r = await api.raw<{ createTask: Task }>(CREATE, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createTask;
}

async function finalOf(api: Api, id: string, timeoutMs = 20_000, client: WsClient = ws): Promise<Task> {
  const r = await collect<{ taskStatus: Task }>(client, STATUS, { id }, { user: api.user }, timeoutMs);
  assert.equal(r.completed, true);
  return r.data.at(-1)!.taskStatus;
}

const jobsOf = async (taskId: string) => {
  const found: string[] = [];
  for (let n = 1; n <= 10; n++)
    if (Number(await redisCall(redis.url, 'EXISTS', `${keys.bullPrefix}:tasks:${jobIdFor(taskId, n)}`)) === 1) found.push(jobIdFor(taskId, n));
  return found;
};

describe('kinds', () => {
  test('taskKinds lists the shipped kinds with their retry policies', async () => {
    const r = await new Api(backend, newUser()).raw<{ taskKinds: { name: string; maxAttempts: number }[] }>(KINDS);
    const names = r.data!.taskKinds.map((k) => k.name).sort();
    assert.deepEqual(names, ['export', 'primes', 'simulated']);
    assert.equal(r.data!.taskKinds.find((k) => k.name === 'simulated')?.maxAttempts, 1, "the seed's single attempt");
  });

  test('createTask without input is the simulated task with one attempt, as before; FINISHED carries its result', async () => {
    const api = new Api(backend, newUser());
    const task = await create(api);
    assert.equal(task.kind, 'simulated');
    assert.equal(task.status, 'WAITING');
    assert.equal(task.attempt, 1);
    assert.equal(task.maxAttempts, 1);
    assert.equal(task.result, null);
    const final = await finalOf(api, task.id);
    assert.equal(final.status, 'FINISHED');
    assert.equal(final.result?.__typename, 'SimulatedResult');
    assert.ok((final.result?.durationMs as number) >= 300);
  });

  test('primes counts the primes below `below`', async () => {
    const api = new Api(backend, newUser());
    const task = await create(api, { input: { primes: { below: 100_000 } } });
    assert.equal(task.kind, 'primes');
    const final = await finalOf(api, task.id);
    assert.equal(final.status, 'FINISHED', final.error ?? '');
    assert.deepEqual(final.result, { __typename: 'PrimesResult', count: 9592, largest: 99991, below: 100_000 });
  });
});

describe('bad input: BAD_USER_INPUT naming the field, nothing queued', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['two kinds at once', { input: { primes: { below: 10 }, export: { format: 'CSV' } } }, 'input'],
    ['an empty input', { input: {} }, 'input'],
    ['below out of range', { input: { primes: { below: 50_000_001 } } }, 'input.primes.below'],
    ['below too small', { input: { primes: { below: 1 } } }, 'input.primes.below'],
    ['below missing', { input: { primes: {} } }, 'input.primes.below'],
    ['an unknown format', { input: { export: { format: 'XML' } } }, 'input.export.format'],
    ['a failure rate over 1', { input: { simulated: { failureRate: 1.5 } } }, 'input.simulated.failureRate'],
    ['a negative duration', { input: { simulated: { minDurationMs: -1 } } }, 'input.simulated.minDurationMs'],
    ['too many attempts', { retry: { maxAttempts: 11 } }, 'retry.maxAttempts'],
    ['no attempt at all', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    ['a negative retry delay', { retry: { maxAttempts: 2, delayMs: -5 } }, 'retry.delayMs'],
  ];
  for (const [name, variables, field] of cases) {
    test(name, async () => {
      const api = new Api(backend, newUser());
      const r = await api.raw(CREATE, variables);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.errors));
      assert.equal(r.errors?.[0]?.extensions?.field, field, JSON.stringify(r.errors));
      assert.equal(Number(await redisCall(redis.url, 'ZCARD', keys.ownerTasks(api.user))), 0, 'no task was created');
    });
  }
});

describe('retries', () => {
  test('an automatic retry is seen live: WAITING with attempt 2 of 3, the next attempt time and the error, then an outcome, on one stream', async () => {
    const api = new Api(backend, newUser());
    const task = await create(api, {
      input: { simulated: { minDurationMs: 100, maxDurationMs: 200, failureRate: 1 } },
      retry: { maxAttempts: 3, delayMs: 300 },
    });
    const r = await collect<{ taskStatus: Task }>(ws, STATUS, { id: task.id }, { user: api.user }, 30_000);
    assert.equal(r.completed, true, 'the stream stayed open across attempts and completed at the end');
    const seen = r.data.map((d) => d.taskStatus);
    const waiting2 = seen.find((t) => t.status === 'WAITING' && t.attempt === 2);
    assert.ok(waiting2, `saw WAITING attempt 2: ${JSON.stringify(seen.map((t) => [t.status, t.attempt]))}`);
    assert.equal(waiting2.maxAttempts, 3);
    assert.ok(waiting2.nextAttemptAt, 'nextAttemptAt while waiting');
    assert.match(waiting2.error ?? '', /simulated failure/);
    assert.ok(seen.some((t) => t.status === 'IN_PROGRESS' && t.attempt === 3));
    const final = seen.at(-1)!;
    assert.equal(final.status, 'ERROR', 'only the last attempt failing ends the task');
    assert.equal(final.attempt, 3);
    assert.deepEqual(
      final.attempts.map((a) => a.number),
      [1, 2, 3],
    );
    assert.ok(final.attempts.every((a) => a.endedAt && /simulated failure/.test(a.error ?? '')));
    for (let i = 1; i < final.attempts.length; i++) {
      assert.ok(Date.parse(final.attempts[i].startedAt) >= Date.parse(final.attempts[i - 1].endedAt!), 'attempts never overlap');
    }
    assert.deepEqual(
      seen.map((t) => t.version),
      seen.map((_, i) => seen[0].version + i),
      'every version, in order',
    );
  });

  test('cancelling during the wait between attempts is CANCELLED at once, and the task never runs again', async () => {
    const api = new Api(backend, newUser());
    const task = await create(api, {
      input: { simulated: { minDurationMs: 50, maxDurationMs: 50, failureRate: 1 } },
      retry: { maxAttempts: 3, delayMs: 3000 },
    });
    const w = watch<{ taskStatus: Task }>(ws, STATUS, { id: task.id }, { user: api.user });
    await w.waitFor((d) => d.taskStatus.status === 'WAITING' && d.taskStatus.attempt === 2, 15_000);
    const started = Date.now();
    const r = await api.raw<{ cancelTask: Task }>(CANCEL, { id: task.id });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.cancelTask.status, 'CANCELLED');
    assert.ok(Date.now() - started < 1000, 'at once, not after the backoff');
    assert.deepEqual(await jobsOf(task.id), [task.id], "attempt 2's job is gone");
    await sleep(3500);
    const after = (await api.raw<{ task: Task }>(GET, { id: task.id })).data!.task;
    assert.equal(after.status, 'CANCELLED');
    assert.equal(after.attempts.length, 1, 'no attempt ran after the cancel');
    w.unsubscribe();
  });

  test('retryTask on a live task is TASK_NOT_RETRYABLE', async () => {
    const api = new Api(backend, newUser());
    const task = await create(api, { input: { simulated: { minDurationMs: 2000, maxDurationMs: 2000, failureRate: 0 } } });
    const refused = await api.raw(RETRY, { id: task.id });
    assert.equal(refused.errors?.[0]?.extensions?.code, 'TASK_NOT_RETRYABLE');
    await api.raw(CANCEL, { id: task.id });
  });

  test('retryTask runs a final task again as a new task linked both ways; another user gets NOT_FOUND', async () => {
    const api = new Api(backend, newUser());
    const task = await create(api, { input: { primes: { below: 1000 } }, retry: { maxAttempts: 2, delayMs: 100 } });
    await finalOf(api, task.id);
    const again = (await api.raw<{ retryTask: Task }>(RETRY, { id: task.id })).data!.retryTask;
    assert.notEqual(again.id, task.id);
    assert.equal(again.kind, 'primes');
    assert.equal(again.retryOf, task.id);
    assert.equal(again.maxAttempts, 2, 'the same retry policy');
    const final = await finalOf(api, again.id);
    assert.deepEqual(final.result, { __typename: 'PrimesResult', count: 168, largest: 997, below: 1000 }, 'the same input');
    const original = (await api.raw<{ task: Task }>(GET, { id: task.id })).data!.task;
    assert.deepEqual(original.retries, [again.id]);
    const other = await new Api(backend, newUser()).raw(RETRY, { id: task.id });
    assert.equal(other.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });
});

describe('timeline', () => {
  test('events tell the story in order; taskEvents replays after a seq, goes live and completes after ENDED', async () => {
    const api = new Api(backend, newUser());
    const task = await create(api, { input: { simulated: { minDurationMs: 1500, maxDurationMs: 1500, failureRate: 0 } } });
    // Cut the first stream after a few events, then resume from the last seq seen.
    const first = watch<{ taskEvents: Event }>(ws, EVENTS, { id: task.id }, { user: api.user });
    await first.waitFor((d) => d.taskEvents.type === 'PROGRESS', 10_000);
    first.unsubscribe();
    const before = first.data.map((d) => d.taskEvents);
    const rest = await collect<{ taskEvents: Event }>(ws, EVENTS, { id: task.id, after: before.at(-1)!.seq }, { user: api.user }, 15_000);
    assert.equal(rest.completed, true, 'completes after ENDED');
    const all = [...before, ...rest.data.map((d) => d.taskEvents)];
    assert.deepEqual(
      all.map((e) => e.seq),
      all.map((_, i) => i + 1),
      'complete and without duplicates across the cut',
    );
    assert.equal(all[0].type, 'CREATED');
    assert.equal(all[1].type, 'ATTEMPT_STARTED');
    assert.ok(all.some((e) => e.type === 'LOG' && e.level === 'INFO'));
    assert.ok(all.some((e) => e.type === 'PROGRESS'));
    assert.equal(all.at(-1)?.type, 'ENDED');
    assert.equal(all.at(-1)?.status, 'FINISHED');
    const stored = (await api.raw<{ task: { events: Event[] } }>(TIMELINE, { id: task.id, after: 0, first: 500 })).data!.task.events;
    assert.deepEqual(stored, all, 'the stored timeline is what was streamed');
    const page = (await api.raw<{ task: { events: Event[] } }>(TIMELINE, { id: task.id, after: 2, first: 2 })).data!.task.events;
    assert.deepEqual(
      page.map((e) => e.seq),
      [3, 4],
    );
    const late = await collect<{ taskEvents: Event }>(ws, EVENTS, { id: task.id, after: all.length }, { user: api.user }, 5_000);
    assert.equal(late.completed, true);
    assert.equal(late.data.length, 0, 'after the last seq of an ended task: nothing, then complete');
  });

  test("another user's timeline is NOT_FOUND; first out of range is BAD_USER_INPUT", async () => {
    const api = new Api(backend, newUser());
    const task = await create(api);
    const other = await collect(ws, EVENTS, { id: task.id }, { user: newUser() }, 5_000);
    assert.equal(other.errors[0]?.extensions?.code, 'NOT_FOUND');
    const r = await api.raw(TIMELINE, { id: task.id, after: 0, first: 501 });
    assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(r.errors?.[0]?.extensions?.field, 'first');
  });
});

describe('exports', () => {
  const FILE = (backendUrl: string, id: string) => `${new URL(backendUrl).origin}/files/${id}`;

  test('an export is a file its owner downloads (NDJSON and CSV); nobody else, and nothing without the credential', async () => {
    const api = new Api(backend, newUser());
    const done = await create(api, { input: { primes: { below: 100 } } });
    await finalOf(api, done.id);
    for (const format of ['NDJSON', 'CSV']) {
      const task = await create(api, { input: { export: { format } } });
      const final = await finalOf(api, task.id);
      assert.equal(final.status, 'FINISHED', final.error ?? '');
      const result = final.result as { url: string; bytes: number; rows: number; format: string };
      assert.equal(result.url, `/api/files/${task.id}`);
      assert.equal(result.format, format);
      assert.ok(result.rows >= 2, 'the earlier task and the export itself');
      const own = await fetch(FILE(backend.url, task.id), { headers: { authorization: `Bearer ${backend.token}`, 'x-longrun-user': api.user } });
      assert.equal(own.status, 200);
      const body = await own.text();
      assert.equal(Buffer.byteLength(body), result.bytes);
      assert.match(own.headers.get('content-disposition') ?? '', /^attachment; filename="longrun-tasks-/);
      if (format === 'NDJSON') {
        const lines = body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { id: string; events: unknown[] });
        const row = lines.find((l) => l.id === done.id);
        assert.ok(row && row.events.length >= 3, 'each task with its timeline');
      } else {
        assert.match(body, /^id,kind,status,/);
        assert.ok(body.includes(done.id));
      }
      const other = await fetch(FILE(backend.url, task.id), { headers: { authorization: `Bearer ${backend.token}`, 'x-longrun-user': newUser() } });
      assert.equal(other.status, 404, "another user's download is NOT_FOUND");
      const anonymous = await fetch(FILE(backend.url, task.id));
      assert.equal(anonymous.status, 401);
    }
  });
});

describe('primes, off the event loop', () => {
  let tight: Backend;
  before(async () => {
    // Two slots; locks that a blocked event loop would lose within a second; a tiny file cap.
    tight = await startBackend({
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'kindstight',
      TASK_MIN_DURATION_MS: '2000',
      TASK_MAX_DURATION_MS: '2000',
      TASK_FAILURE_RATE: '0',
      WORKER_CONCURRENCY: '2',
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '500',
      FILE_MAX_BYTES: '1024',
    });
  });
  after(async () => {
    await tight?.stop();
  });
  const tightWs = () => backendWsClient(tight.wsUrl, tight.token);

  test('a long primes task keeps its lock, and another task beside it keeps its progress cadence', async () => {
    const api = new Api(tight, newUser());
    const client = tightWs();
    const long = await create(api, { input: { primes: { below: 12_000_000 } } });
    const primes = watch<{ taskStatus: Task }>(client, STATUS, { id: long.id }, { user: api.user });
    await primes.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS' && d.taskStatus.progress > 0, 15_000);
    const beside = await create(api);
    const stamps: number[] = [];
    const side = watch<{ taskStatus: Task }>(client, STATUS, { id: beside.id }, { user: api.user });
    await side.waitFor((d) => {
      if (d.taskStatus.status === 'IN_PROGRESS') stamps.push(Date.now());
      return isFinalStatus(d.taskStatus.status);
    }, 20_000);
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
    assert.ok(stamps.length >= 10, `progress kept coming (${stamps.length} reports)`);
    assert.ok(Math.max(...gaps) < 1000, `no gap near the lock duration while primes ran (max ${Math.max(...gaps)} ms)`);
    const final = (await settleWatch(primes, 60_000)).at(-1)!;
    assert.equal(final.status, 'FINISHED', final.error ?? '');
    assert.equal(final.attempts.length, 1, 'never stalled, never retried');
    assert.deepEqual(final.result, { __typename: 'PrimesResult', count: 788_060, largest: 11_999_989, below: 12_000_000 });
    assert.doesNotMatch(tight.logs.text(), /stalled|lock lost/);
  });

  test('a primes task cancelled mid-computation frees its worker slot within a second', async () => {
    const api = new Api(tight, newUser());
    const client = tightWs();
    const [a, b] = [await create(api, { input: { primes: { below: 50_000_000 } } }), await create(api, { input: { primes: { below: 50_000_000 } } })];
    for (const t of [a, b]) {
      await watch<{ taskStatus: Task }>(client, STATUS, { id: t.id }, { user: api.user }).waitFor((d) => d.taskStatus.progress > 0, 15_000);
    }
    const cancelled = (await api.raw<{ cancelTask: Task }>(CANCEL, { id: a.id })).data!.cancelTask;
    assert.equal(cancelled.status, 'CANCELLED');
    const freed = Date.now();
    const next = await create(api);
    await watch<{ taskStatus: Task }>(client, STATUS, { id: next.id }, { user: api.user }).waitFor((d) => d.taskStatus.status !== 'WAITING', 5_000);
    assert.ok(Date.now() - freed < 1000, `the next task started ${Date.now() - freed} ms after the cancel answer`);
    await api.raw(CANCEL, { id: b.id });
  });

  test('a permanent failure (an export over the file cap) ends the task at once, whatever attempts remain', async () => {
    const api = new Api(tight, newUser());
    const client = tightWs();
    for (let i = 0; i < 3; i++) await finalOf(api, (await create(api, { input: { primes: { below: 10 } } })).id, 20_000, client);
    const task = await create(api, { input: { export: { format: 'NDJSON' } }, retry: { maxAttempts: 3, delayMs: 100 } });
    const final = await finalOf(api, task.id, 20_000, client);
    assert.equal(final.status, 'ERROR');
    assert.match(final.error ?? '', /over 1024 bytes/);
    assert.equal(final.attempts.length, 1);
  });
});

const isFinalStatus = (s: string) => s === 'FINISHED' || s === 'CANCELLED' || s === 'ERROR';

async function settleWatch(w: ReturnType<typeof watch<{ taskStatus: Task }>>, timeoutMs: number): Promise<Task[]> {
  await w.waitFor((d) => isFinalStatus(d.taskStatus.status), timeoutMs);
  return w.data.map((d) => d.taskStatus);
}
