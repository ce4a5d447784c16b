/**
 * Share links through the backend's API: a private redis-server, the built backend, real
 * graphql-ws clients. Only the owner shares and revokes; a token opens its one task and nothing
 * else; a forged, foreign, expired or revoked token is refused with its code; an open shared
 * view stops within seconds of a revoke.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  backendWsClient,
  disposeAllClients,
  killAllChildren,
  sleep,
  startBackend,
  startRedis,
  waitUntil,
  watch,
  type Backend,
  type RedisServer,
} from '../../testkit/index.js';
import { Api, newUser } from './helpers.js';

const SHARE = 'mutation ($id: ID!, $s: Int) { shareTask(id: $id, expiresInSeconds: $s) { url token expiresAt } }';
const SHARE_DEFAULT = 'mutation ($id: ID!) { shareTask(id: $id) { url token expiresAt } }';
const REVOKE = 'mutation ($id: ID!) { revokeTaskShare(id: $id) }';
const SHARED = 'query ($token: String!) { sharedTask(token: $token) { id status retryOf retries events { seq type } } }';
const SHARED_STATUS = 'subscription ($token: String!) { sharedTaskStatus(token: $token) { id status version retryOf retries } }';
const SHARED_EVENTS = 'subscription ($token: String!) { sharedTaskEvents(token: $token) { seq type } }';
const CREATE = 'mutation ($input: CreateTaskInput) { createTask(input: $input) { id } }';
const RETRY = 'mutation ($id: ID!) { retryTask(id: $id) { id } }';
const STATUS = 'query ($id: ID!) { task(id: $id) { status retries } }';
const LONG = { simulated: { minDurationMs: 30_000, maxDurationMs: 30_000, failureRate: 0 } };
const SHORT = { simulated: { minDurationMs: 300, maxDurationMs: 600, failureRate: 0 } };

type Share = { url: string; token: string; expiresAt: string };

let redis: RedisServer;
let backend: Backend;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'sharetest',
    TASK_FAILURE_RATE: '0',
    TASK_CREATE_LIMIT: '1000',
    SHARE_MIN_EXPIRES_S: '1',
  });
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

async function create(api: Api, input: unknown = SHORT): Promise<string> {
  const r = await api.raw<{ createTask: { id: string } }>(CREATE, { input });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createTask.id;
}

async function share(api: Api, id: string, s?: number): Promise<Share> {
  const r = await api.raw<{ shareTask: Share }>(SHARE, { id, s });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.shareTask;
}

const codeOf = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;

async function waitFinal(api: Api, id: string): Promise<void> {
  await waitUntil(async () => ['FINISHED', 'ERROR', 'CANCELLED'].includes((await api.raw(STATUS, { id })).data?.task?.status), {
    timeoutMs: 15_000,
    what: 'final',
  });
}

describe('shareTask and revokeTaskShare', () => {
  test("only the owner shares or revokes; another user's task is NOT_FOUND; the expiry is bounded", async () => {
    const alice = new Api(backend, newUser('alice'));
    const bob = new Api(backend, newUser('bob'));
    const id = await create(alice);
    const link = (await alice.raw<{ shareTask: Share }>(SHARE_DEFAULT, { id })).data!.shareTask;
    assert.equal(link.url, `/watch/${link.token}`);
    const life = Date.parse(link.expiresAt) - Date.now();
    assert.ok(life > 3590_000 && life <= 3600_000, `default: one hour (${life} ms)`);
    assert.equal(codeOf(await bob.raw(SHARE, { id, s: 60 })), 'NOT_FOUND');
    assert.equal(codeOf(await bob.raw(REVOKE, { id })), 'NOT_FOUND');
    assert.equal(codeOf(await bob.raw(SHARE, { id: 'not-a-uuid', s: 60 })), 'BAD_USER_INPUT');
    for (const s of [0, -5, 7 * 24 * 3600 + 1]) {
      const r = await alice.raw(SHARE, { id, s });
      assert.equal(codeOf(r), 'BAD_USER_INPUT', `expiresInSeconds ${s}`);
      assert.equal(r.errors![0].extensions!.field, 'expiresInSeconds');
    }
    assert.ok((await share(alice, id, 7 * 24 * 3600)).token, 'seven days is allowed');
    // Bob's attempt revoked nothing.
    assert.equal((await bob.raw(SHARED, { token: link.token })).data?.sharedTask.id, id);
  });

  test('anyone with the token reads that task alone: retryOf and retries lead nowhere', async () => {
    const alice = new Api(backend, newUser('alice'));
    const watcher = new Api(backend, newUser('watcher'));
    const first = await create(alice);
    await waitFinal(alice, first);
    const second = (await alice.raw<{ retryTask: { id: string } }>(RETRY, { id: first })).data!.retryTask.id;
    assert.deepEqual((await alice.raw(STATUS, { id: first })).data.task.retries, [second], 'the owner sees the link');
    for (const id of [first, second]) {
      const r = await watcher.raw(SHARED, { token: (await share(alice, id, 60)).token });
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.equal(r.data.sharedTask.id, id);
      assert.equal(r.data.sharedTask.retryOf, null);
      assert.deepEqual(r.data.sharedTask.retries, []);
      assert.ok(r.data.sharedTask.events.length >= 1, 'its own timeline');
    }
    // The token is no key to anything else: the watcher still owns nothing.
    assert.equal(codeOf(await watcher.raw(STATUS, { id: first })), 'NOT_FOUND');
    assert.equal(codeOf(await watcher.raw(RETRY, { id: first })), 'NOT_FOUND');
  });

  test('a forged, altered, foreign or malformed token is NOT_FOUND; expired and revoked ones say so', async () => {
    const alice = new Api(backend, newUser('alice'));
    const watcher = new Api(backend, newUser('watcher'));
    const [a, b] = [await create(alice, LONG), await create(alice, LONG)];
    const link = await share(alice, a, 60);
    const [taskId, issued, expires, signature] = link.token.split('.');
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    const later = (Number.parseInt(expires, 36) + 3600_000).toString(36);
    for (const [what, token] of [
      ['wrong signature', `${taskId}.${issued}.${expires}.${flipped}`],
      ['another task', `${b}.${issued}.${expires}.${signature}`],
      ['a later expiry', `${taskId}.${issued}.${later}.${signature}`],
      ['no signature', `${taskId}.${issued}.${expires}`],
      ['garbage', 'x'.repeat(500)],
    ]) {
      assert.equal(codeOf(await watcher.raw(SHARED, { token })), 'NOT_FOUND', what);
    }
    const short = await share(alice, a, 1);
    await sleep(1100);
    const expired = await watcher.raw(SHARED, { token: short.token });
    assert.equal(codeOf(expired), 'SHARE_EXPIRED');
    assert.match(expired.errors![0].message, /expired/);

    assert.equal((await alice.raw(REVOKE, { id: a })).data.revokeTaskShare, true);
    const revoked = await watcher.raw(SHARED, { token: link.token });
    assert.equal(codeOf(revoked), 'SHARE_REVOKED');
    // A link made after the revoke works; the other task's links were never touched.
    assert.equal((await watcher.raw(SHARED, { token: (await share(alice, a, 60)).token })).data?.sharedTask.id, a);
    assert.equal((await watcher.raw(SHARED, { token: (await share(alice, b, 60)).token })).data?.sharedTask.id, b);
  });

  test('a shared subscription follows the task to its end; an open one stops within seconds of a revoke or expiry', async () => {
    const alice = new Api(backend, newUser('alice'));
    const socket = backendWsClient(backend.wsUrl, backend.token);
    const ext = { user: newUser('watcher') };

    const short = await create(alice);
    const token = (await share(alice, short, 60)).token;
    const status = await watch(socket, SHARED_STATUS, { token }, ext).done;
    assert.equal(status.error, undefined, JSON.stringify(status.error));
    assert.equal(status.completed, true);
    const seen = status.data.map((d) => d.sharedTaskStatus);
    assert.equal(seen.at(-1).status, 'FINISHED');
    assert.ok(seen.every((t) => t.id === short && t.retryOf === null && t.retries.length === 0));
    const timeline = await watch(socket, SHARED_EVENTS, { token }, ext).done;
    assert.equal(timeline.data.at(-1).sharedTaskEvents.type, 'ENDED');

    const long = await create(alice, LONG);
    const liveToken = (await share(alice, long, 60)).token;
    const live = watch(socket, SHARED_STATUS, { token: liveToken }, ext);
    const liveEvents = watch(socket, SHARED_EVENTS, { token: liveToken }, ext);
    await live.waitFor(() => true, 3000);
    await liveEvents.waitFor(() => true, 3000);
    const revokedAt = Date.now();
    await alice.raw(REVOKE, { id: long });
    const [ended, endedEvents] = await Promise.all([live.done, liveEvents.done]);
    const took = Date.now() - revokedAt;
    assert.ok(took < 3500, `stopped ${took} ms after the revoke`);
    assert.equal(ended.errors[0]?.extensions?.code, 'SHARE_REVOKED', JSON.stringify(ended));
    assert.equal(endedEvents.errors[0]?.extensions?.code, 'SHARE_REVOKED', JSON.stringify(endedEvents));

    const expiring = watch(socket, SHARED_STATUS, { token: (await share(alice, long, 1)).token }, ext);
    const gone = await expiring.done;
    assert.equal(gone.errors[0]?.extensions?.code, 'SHARE_EXPIRED', JSON.stringify(gone));
    assert.equal((await alice.raw(STATUS, { id: long })).data.task.status, 'IN_PROGRESS', 'the task itself runs on');
    // A refused subscribe ends that operation only.
    const refused = await watch(socket, SHARED_STATUS, { token: liveToken }, ext).done;
    assert.equal(refused.errors[0]?.extensions?.code, 'SHARE_REVOKED');
  });

  test('verifications are rate-limited per caller', async () => {
    const alice = new Api(backend, newUser('alice'));
    const watcher = new Api(backend, newUser('watcher'));
    const token = (await share(alice, await create(alice), 60)).token;
    const codes = [];
    for (let i = 0; i < 61; i++) codes.push(codeOf(await watcher.raw(SHARED, { token })));
    assert.deepEqual(codes.slice(0, 60), Array(60).fill(undefined));
    assert.equal(codes[60], 'RATE_LIMITED');
    assert.equal(codeOf(await new Api(backend, newUser('other')).raw(SHARED, { token })), undefined, 'another caller is not affected');
  });
});
