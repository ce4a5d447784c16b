/**
 * `taskUpdates` through the backend's API: a private redis-server, the built backend, real
 * graphql-ws clients. Every change of the caller's tasks, made anywhere, and none of anyone
 * else's; a replay of recent changes at subscribe; a resync when Redis drops the subscriber.
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
  type Watch,
} from '../../testkit/index.js';
import { TaskUpdatesDocument, type TaskUpdatesSubscription } from '../../operations/generated/graphql.js';
import { redisKeys } from '../src/redis/redis-keys.js';
import { Api, newUser } from './helpers.js';

const PREFIX = 'updatestest';
const keys = redisKeys(PREFIX);
const UPDATES = TaskUpdatesDocument.toString();
const CREATE = 'mutation ($input: CreateTaskInput) { createTask(input: $input) { id } }';

type Update = TaskUpdatesSubscription['taskUpdates'];
type UpdatesData = { taskUpdates: Update };

let redis: RedisServer;
let backend: Backend;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    REDIS_PREFIX: PREFIX,
    TASK_MIN_DURATION_MS: '300',
    TASK_MAX_DURATION_MS: '800',
    TASK_FAILURE_RATE: '0',
    TASK_CREATE_LIMIT: '1000',
  });
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

async function create(api: Api, input?: unknown): Promise<string> {
  const r = await api.raw<{ createTask: { id: string } }>(CREATE, { input });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createTask.id;
}

const updatesOf = (w: Watch<UpdatesData>, id: string) => w.data.map((d) => d.taskUpdates).filter((u) => u.id === id);

/** Waits until the stream has shown each task's stored final version, then checks the per-task invariants. */
async function assertFollowedToTheEnd(w: Watch<UpdatesData>, ids: string[]): Promise<void> {
  const stored = async (id: string) => redisHash(redis.url, keys.task(id));
  await waitUntil(async () => (await Promise.all(ids.map(stored))).every((r) => isFinal(r.status as never)), { timeoutMs: 20_000, what: 'every task final' });
  for (const id of ids) {
    const record = await stored(id);
    await waitUntil(() => updatesOf(w, id).some((u) => u.version === Number(record.version)), { timeoutMs: 5000, what: `${id}'s final version streamed` });
    const seen = updatesOf(w, id);
    const versions = seen.map((u) => u.version);
    assert.ok(
      versions.every((v, i) => i === 0 || v > versions[i - 1]),
      `${id}: versions rise: ${versions}`,
    );
    assert.equal(seen.filter((u) => isFinal(u.status)).length, 1, `${id}: one final event`);
    assert.equal(seen.at(-1)!.status, record.status);
    assert.equal(seen.at(-1)!.version, Number(record.version));
  }
}

describe('taskUpdates', () => {
  test("sees a task created on another connection of the same user, live to its end, and none of another user's; never completes", async () => {
    const alice = new Api(backend, newUser('alice'));
    const bob = new Api(backend, newUser('bob'));
    const socketA = backendWsClient(backend.wsUrl, backend.token);
    const socketB = backendWsClient(backend.wsUrl, backend.token);
    const a = watch<UpdatesData>(socketA, UPDATES, undefined, { user: alice.user });
    const b = watch<UpdatesData>(socketB, UPDATES, undefined, { user: bob.user });
    await sleep(300);
    // Over HTTP: not the subscription's connection.
    const mine = [await create(alice), await create(alice, { primes: { below: 1000 } })];
    const theirs = await create(bob);
    const first = await a.waitFor((d) => d.taskUpdates.id === mine[0], 2000);
    assert.equal(first.taskUpdates.status, 'WAITING', 'the creation itself is an update');
    assert.equal(first.taskUpdates.version, 1);
    await assertFollowedToTheEnd(a, mine);
    await assertFollowedToTheEnd(b, [theirs]);
    assert.deepEqual([...new Set(a.data.map((d) => d.taskUpdates.id))].sort(), [...mine].sort(), "only alice's tasks on alice's stream");
    assert.deepEqual([...new Set(b.data.map((d) => d.taskUpdates.id))], [theirs], "only bob's on bob's");
    const ended = await Promise.race([a.done.then(() => true), sleep(500).then(() => false)]);
    assert.equal(ended, false, 'the subscription stays open after its tasks ended');
    // Still live: a later task shows up too.
    const later = await create(alice);
    await a.waitFor((d) => d.taskUpdates.id === later, 2000);
    a.unsubscribe();
    b.unsubscribe();
  });

  test('a subscription opened within 30 s of a change starts with the current state of the tasks that changed', async () => {
    const carol = new Api(backend, newUser('carol'));
    const ids = [await create(carol), await create(carol)];
    const socket = backendWsClient(backend.wsUrl, backend.token);
    const early = watch<UpdatesData>(socket, UPDATES, undefined, { user: carol.user });
    await assertFollowedToTheEnd(early, ids);
    early.unsubscribe();
    // Later, as after a reconnect: the final states arrive first, without any new change.
    const late = watch<UpdatesData>(socket, UPDATES, undefined, { user: carol.user });
    await waitUntil(() => ids.every((id) => updatesOf(late, id).length > 0), { timeoutMs: 3000, what: 'the replay' });
    for (const id of ids) {
      const record = await redisHash(redis.url, keys.task(id));
      assert.deepEqual(
        updatesOf(late, id).map((u) => [u.status, u.version]),
        [[record.status, Number(record.version)]],
        'one snapshot per task: its current state',
      );
    }
    late.unsubscribe();
  });

  test('when Redis drops the subscriber connection, changes published meanwhile are re-read', async () => {
    const dave = new Api(backend, newUser('dave'));
    const socket = backendWsClient(backend.wsUrl, backend.token);
    const w = watch<UpdatesData>(socket, UPDATES, undefined, { user: dave.user });
    await sleep(300);
    const ids = await Promise.all(Array.from({ length: 12 }, () => create(dave)));
    // Kill the backend's pub/sub connection again and again while the tasks run and end.
    for (let i = 0; i < 10; i++) {
      await redisCall(redis.url, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
      await sleep(120);
    }
    await assertFollowedToTheEnd(w, ids);
    w.unsubscribe();
  });

  test('without a user it is UNAUTHENTICATED, on its own operation only', async () => {
    const socket = backendWsClient(backend.wsUrl, backend.token);
    const anonymous = watch<UpdatesData>(socket, UPDATES);
    const result = await anonymous.done;
    assert.equal(result.errors[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(result));
    const erin = new Api(backend, newUser('erin'));
    const w = watch<UpdatesData>(socket, UPDATES, undefined, { user: erin.user });
    await sleep(200);
    const id = await create(erin);
    await w.waitFor((d) => d.taskUpdates.id === id, 2000);
    w.unsubscribe();
  });
});
