/**
 * The backend's API end to end: a private redis-server, the built backend (role "all"), real
 * HTTP and graphql-ws clients. Tasks are short (400-800 ms) and never fail here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  backendWsClient,
  collect,
  disposeAllClients,
  gqlHttpResponse,
  killAllChildren,
  redisCall,
  redisHash,
  sleep,
  startBackend,
  startRedis,
  watch,
  settle,
  type Backend,
  type RedisServer,
  type WsClient,
} from '../../testkit/index.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { Api, assertCleanStream, CANCEL, CREATE, errorShape, events, msBetween, newUser, STATUS, TASK, TASKS, type Task } from './helpers.js';

const RETENTION_S = 300;

let redis: RedisServer;
let backend: Backend;
let ws: WsClient;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    TASK_MIN_DURATION_MS: '400',
    TASK_MAX_DURATION_MS: '800',
    TASK_FAILURE_RATE: '0',
    TASK_RETENTION_S: String(RETENTION_S),
  });
  ws = backendWsClient(backend.wsUrl, backend.token);
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

type StatusData = { taskStatus: Task };

function subscribe(user: string, id: string, client: WsClient = ws, timeoutMs = 15_000) {
  return collect<StatusData>(client, STATUS, { id }, { user }, timeoutMs);
}

describe('lifecycle', () => {
  test('WAITING → IN_PROGRESS (progress) → FINISHED, live, versions rising, final event = task(id)', async () => {
    const api = new Api(backend, newUser('life'));
    const created = await Promise.all([api.create(), api.create(), api.create()]);
    const streams = await Promise.all(created.map((t) => subscribe(api.user, t.id)));

    for (const [i, task] of created.entries()) {
      assert.equal(task.status, 'WAITING');
      assert.equal(task.version, 1);
      assert.equal(task.progress, 0);
      assert.equal(task.startedAt, null);
      assert.equal(task.finishedAt, null);
      assert.equal(task.error, null);
      assert.ok(Math.abs(Date.parse(task.createdAt) - Date.now()) < 10_000, 'createdAt is now');

      const list = events(streams[i]);
      const last = assertCleanStream(streams[i], task.id);
      // The snapshot is the state at subscription time: WAITING, or already running (a worker is
      // idle and quick, and a loaded machine may delay the subscription by a few progress steps).
      const first = list[0];
      assert.ok(first.status === 'WAITING' || first.status === 'IN_PROGRESS', `the snapshot should be live, got ${first.status} v${first.version}`);
      if (first.version === 1) assert.equal(first.status, 'WAITING');
      assert.ok(
        list.some((e) => e.status === 'IN_PROGRESS' && e.progress > 0 && e.progress < 100),
        'progress is reported',
      );
      for (const e of list.filter((x) => x.status === 'IN_PROGRESS')) {
        assert.ok(e.startedAt, 'IN_PROGRESS has startedAt');
        assert.equal(e.finishedAt, null);
      }
      assert.equal(last.status, 'FINISHED');
      assert.equal(last.progress, 100);
      assert.equal(last.error, null);
      assert.equal(last.createdAt, task.createdAt);
      assert.ok(msBetween(last.createdAt, last.startedAt!) >= 0);
      const ran = msBetween(last.startedAt!, last.finishedAt!);
      assert.ok(ran >= 390 && ran < 5000, `ran ${ran} ms for a 400-800 ms task`);
      assert.deepEqual(await api.get(task.id), last, 'the final event equals the stored task');
    }
  });

  test('a finished record expires after the retention window, not before', async () => {
    const api = new Api(backend, newUser('ttl'));
    const task = await api.create();
    const last = assertCleanStream(await subscribe(api.user, task.id), task.id);
    assert.equal(last.status, 'FINISHED');
    const key = redisKeys(backend.prefix).task(task.id);
    const ttl = (await redisCall(redis.port, 'TTL', key)) as number;
    assert.ok(ttl > RETENTION_S - 30 && ttl <= RETENTION_S, `TTL ${ttl} s, retention ${RETENTION_S} s`);
    // The stored hash is what the API served.
    const hash = await redisHash(redis.port, key);
    assert.equal(hash.status, 'FINISHED');
    assert.equal(Number(hash.version), last.version);
    assert.equal(hash.owner, api.user);
  });

  test('a subscriber arriving after the end gets exactly the final state, then complete', async () => {
    const api = new Api(backend, newUser('late'));
    const task = await api.create();
    const live = assertCleanStream(await subscribe(api.user, task.id), task.id);
    await sleep(200);
    const stored = await api.get(task.id);
    assert.deepEqual(stored, live);

    for (const client of [ws, backendWsClient(backend.wsUrl, backend.token)]) {
      const late = await subscribe(api.user, task.id, client, 5000);
      assert.equal(late.error, undefined);
      assert.equal(late.completed, true);
      assert.deepEqual(events(late), [stored], 'exactly one event: the final state');
    }
  });
});

describe('cancel', () => {
  test('cancelling a finished task is TASK_NOT_CANCELLABLE and changes nothing', async () => {
    const api = new Api(backend, newUser('cfin'));
    const task = await api.create();
    const last = assertCleanStream(await subscribe(api.user, task.id), task.id);
    const res = await api.raw(CANCEL, { id: task.id });
    assert.equal(res.errors?.[0]?.extensions?.code, 'TASK_NOT_CANCELLABLE');
    assert.match(res.errors![0].message, /FINISHED/);
    assert.equal(res.data, null);
    assert.deepEqual(await api.get(task.id), last, 'the record is unchanged');
  });
});

describe('ownership', () => {
  test("another user's task is NOT_FOUND, exactly like a task that does not exist", async () => {
    const owner = new Api(backend, newUser('owner'));
    const other = new Api(backend, newUser('other'));
    const task = await owner.create();
    const missing = randomUUID();

    for (const doc of [TASK, CANCEL]) {
      const foreign = await other.raw(doc, { id: task.id });
      const absent = await other.raw(doc, { id: missing });
      assert.equal(foreign.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      assert.deepEqual(errorShape(foreign), errorShape(absent), 'indistinguishable answers');
      assert.deepEqual(foreign.data, absent.data);
    }
    const foreignWs = await subscribe(other.user, task.id, ws, 5000);
    const absentWs = await subscribe(other.user, missing, ws, 5000);
    assert.equal(foreignWs.data.length, 0, 'no event of a foreign task');
    assert.equal(foreignWs.errors[0]?.extensions?.code, 'NOT_FOUND');
    assert.deepEqual(foreignWs.results, absentWs.results, 'indistinguishable on the socket too');
    assert.deepEqual([foreignWs.completed, foreignWs.error], [absentWs.completed, absentWs.error]);

    // The foreign cancel did nothing: the owner's task runs to its end.
    const last = assertCleanStream(await subscribe(owner.user, task.id), task.id);
    assert.equal(last.status, 'FINISHED');
  });

  test("tasks(first) lists only the caller's tasks, newest first", async () => {
    const u = new Api(backend, newUser('lister'));
    const v = new Api(backend, newUser('lister'));
    const mine: Task[] = [];
    for (let i = 0; i < 4; i++) {
      mine.push(await u.create());
      if (i === 1) await v.create();
      // createdAt has millisecond resolution: keep creations in distinct milliseconds.
      await sleep(5);
    }
    const theirs = await v.list();
    assert.equal(theirs.length, 1);
    assert.ok(!mine.some((t) => t.id === theirs[0].id));

    const newestFirst = [...mine].reverse().map((t) => t.id);
    assert.deepEqual(
      (await u.list()).map((t) => t.id),
      newestFirst,
      'default page: all of mine, newest first',
    );
    assert.deepEqual(
      (await u.list(2)).map((t) => t.id),
      newestFirst.slice(0, 2),
    );
    assert.deepEqual(
      (await u.list(100)).map((t) => t.id),
      newestFirst,
    );
    for (const t of await u.list()) assert.ok(['WAITING', 'IN_PROGRESS', 'FINISHED'].includes(t.status));

    for (const bad of [0, -1, 101]) {
      const res = await u.raw(TASKS, { first: bad });
      assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `first: ${bad}`);
      assert.equal(res.errors?.[0]?.extensions?.field, 'first');
    }
    const fresh = new Api(backend, newUser('nobody'));
    assert.deepEqual(await fresh.list(), []);
  });
});

describe('bad input', () => {
  test('a malformed id is BAD_USER_INPUT naming the field, on HTTP and WebSocket', async () => {
    const api = new Api(backend, newUser('badid'));
    for (const id of ['nope', '123', `${randomUUID()}-x`, "' OR 1=1 --"]) {
      for (const doc of [TASK, CANCEL]) {
        const res = await api.raw(doc, { id });
        assert.equal(res.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${id}`);
        assert.equal(res.errors?.[0]?.extensions?.field, 'id');
        assert.doesNotMatch(JSON.stringify(res), /stack|at .*\.js/i, 'no internals');
      }
      const sub = await subscribe(api.user, id, ws, 5000);
      assert.equal(sub.data.length, 0);
      assert.equal(sub.errors[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(sub.errors[0]?.extensions?.field, 'id');
    }
  });

  test('a bad operation on a socket ends only that operation', async () => {
    const client = backendWsClient(backend.wsUrl, backend.token);
    const api = new Api(backend, newUser('sockok'));
    const task = await api.create();
    const good = watch<StatusData>(client, STATUS, { id: task.id }, { user: api.user });
    const bad = await collect(client, STATUS, { id: 'not-a-uuid' }, { user: api.user }, 5000);
    const noUser = await collect(client, STATUS, { id: task.id }, {}, 5000);
    const broken = await collect(client, 'subscription { nope }', {}, { user: api.user }, 5000);
    assert.equal(bad.errors[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(noUser.errors[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(broken.errors[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', 'a validation error ends that operation');
    const last = assertCleanStream(await settle(good, 15_000), task.id);
    assert.equal(last.status, 'FINISHED');
    assert.deepEqual(client.closes, [], 'the socket stayed open throughout');
    assert.equal(client.connects(), 1);
  });
});

describe('refused callers', () => {
  const body = { query: CREATE };
  const post = (headers: Record<string, string>) => gqlHttpResponse(backend.url, body.query, undefined, headers);

  test('HTTP without or with a wrong credential: 401 UNAUTHENTICATED, nothing created', async () => {
    const user = newUser('anon');
    const attempts: Record<string, string>[] = [
      { 'x-longrun-user': user },
      { authorization: 'Bearer wrong-token-wrong-token', 'x-longrun-user': user },
      { authorization: `Bearer ${backend.token}x`, 'x-longrun-user': user },
      { authorization: backend.token, 'x-longrun-user': user },
      { authorization: `Basic ${backend.token}`, 'x-longrun-user': user },
    ];
    for (const headers of attempts) {
      const res = await post(headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.body?.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(res.body?.data, undefined);
    }
    assert.deepEqual(await new Api(backend, user).list(), [], 'no task was created for the user');
  });

  test('HTTP with the credential but no valid user: UNAUTHENTICATED', async () => {
    for (const user of [undefined, 'short', 'has spaces in it', 'x'.repeat(65)]) {
      const headers: Record<string, string> = { authorization: `Bearer ${backend.token}` };
      if (user !== undefined) headers['x-longrun-user'] = user;
      const res = await post(headers);
      assert.equal(res.body?.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', String(user));
      assert.equal(res.body?.data ?? null, null);
    }
  });

  test('WebSocket without or with a wrong token is closed with 4403', async () => {
    const api = new Api(backend, newUser('wsanon'));
    const task = await api.create();
    for (const token of [undefined, 'wrong-token-wrong-token', `${backend.token}x`]) {
      const client = backendWsClient(backend.wsUrl, token);
      const res = await collect(client, STATUS, { id: task.id }, { user: api.user }, 5000);
      assert.equal(res.data.length, 0, 'no event reaches a refused socket');
      assert.equal((res.error as { code?: number })?.code, 4403, `token ${token}: ${JSON.stringify(client.closes)}`);
      assert.deepEqual(
        client.closes.map((c) => c.code),
        [4403],
      );
      await client.dispose();
    }
  });
});
