/**
 * Network partitions (packets dropped, no FIN) on each link, through the TCP proxy's
 * `partition()` / `heal()`: gateway ↔ API, API ↔ Redis, worker ↔ Redis. Each side must notice
 * the dead link by its own keep-alive within the documented bound (ping interval + deadline,
 * docs/guarantees.md), and after the heal live subscriptions resume and catch up: every watcher
 * gets its task's final state, nothing is lost, and a worker cut off past its lock stops its
 * attempt, which is retried elsewhere (never run twice at once). Pings are set low here so the
 * file is quick; the bounds are generous for this loaded machine.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  disposeAllClients,
  killAllChildren,
  sleep,
  startProxy,
  startRedis,
  waitUntil,
  type Backend,
  type CreateVariables,
  type RedisServer,
  type TcpProxy,
} from '../testkit/index.js';
import { History } from './history.js';
import {
  allEnded,
  BackendCaller,
  backend,
  FAST,
  frontend,
  planOf,
  readTimeline,
  sharedEnv,
  startTasks,
  stuckBoundMs,
  verify,
  WebCaller,
  type Followed,
} from './stack.js';

/** The keep-alive settings of this file: a dead link is noticed within PING_MS + DEADLINE_MS. */
const PING_MS = 500;
const DEADLINE_MS = 1000;
const DETECT_BOUND_MS = PING_MS + DEADLINE_MS;
/** Slack on top of the stated bound for this busy 2-core machine. */
const SLACK_MS = 5000;
/** How long each partition lasts: several detection bounds, and longer than the lock (FAST.lockMs). */
const PARTITION_MS = 6000;

const pings = { REDIS_PING_INTERVAL_MS: String(PING_MS), REDIS_PING_TIMEOUT_MS: String(DEADLINE_MS) };

const started: { stop(): Promise<unknown> }[] = [];
function keep<T extends { stop(): Promise<unknown> }>(s: T): T {
  started.push(s);
  return s;
}
/** Stops what the test started (newest first): each test leaves nothing running for the next. */
async function stopAll(): Promise<void> {
  await disposeAllClients();
  for (const s of started.splice(0).reverse()) await s.stop().catch(() => undefined);
}
after(async () => {
  await stopAll();
  await killAllChildren();
});

const last = (f: Followed) => f.record.events.at(-1)?.task;

/** Waits until every subscription has its snapshot and at least one task runs. */
async function established(subs: Followed[]): Promise<void> {
  await waitUntil(() => subs.every((f) => f.record.events.length > 0), { timeoutMs: 30_000, what: 'subscriptions established' });
  await waitUntil(() => subs.some((f) => last(f)?.status === 'IN_PROGRESS'), { timeoutMs: 30_000, what: 'tasks running' });
}

/** Partitions `proxy` and resolves with how long after that `service` logged `line` (then heals after PARTITION_MS). */
async function partitionAndDetect(proxy: TcpProxy, service: Backend | { logs: Backend['logs'] }, lines: RegExp[]): Promise<number[]> {
  const at = Date.now();
  proxy.partition();
  const seen = await Promise.all(lines.map((line) => service.logs.waitFor(line, DETECT_BOUND_MS + SLACK_MS + 10_000).then(() => Date.now() - at)));
  await sleep(Math.max(0, at + PARTITION_MS - Date.now()));
  proxy.heal();
  return seen;
}

test('gateway ↔ API partitioned under live subscriptions: the gateway drops its upstream socket within the bound, then every watcher gets the final state', async () => {
  const redis: RedisServer = keep(await startRedis());
  const env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '3000', TASK_MAX_DURATION_MS: '9000' });
  const [api, worker] = await Promise.all([backend(env, 'api', { GATEWAY_SOCKET_PING_MS: String(PING_MS) }), backend(env, 'worker')]);
  keep(api);
  keep(worker);
  const link = keep(await startProxy({ port: Number(new URL(api.url).port) }));
  const web = keep(
    await frontend(env, link.url('/graphql'), undefined, { UPSTREAM_WS_PING_MS: String(PING_MS), UPSTREAM_WS_PONG_TIMEOUT_MS: String(DEADLINE_MS) }),
  );
  const history = new History();
  const users = Array.from({ length: 3 }, (_, i) => new WebCaller(() => web.url, `gwpart${i}`));
  const subs: Followed[] = [];
  for (const u of users) subs.push(...(await startTasks(history, u, 6)));
  await established(subs);

  // Both ends notice: the gateway by its pong deadline, the API by its own pings (within two intervals).
  const backendSaw = api.logs.waitFor(/graphql-ws client did not answer a ping/, 2 * PING_MS + SLACK_MS + 10_000).then(() => Date.now());
  const partitionedAt = Date.now();
  const [detectedMs] = await partitionAndDetect(link, web, [/did not answer a ping in time/]);
  const backendMs = (await backendSaw) - partitionedAt;
  const healedAt = Date.now();
  await allEnded(subs, stuckBoundMs());
  await verify(
    `gateway ↔ API partitioned ${PARTITION_MS} ms: upstream socket dropped by the gateway ${detectedMs} ms (bound ${DETECT_BOUND_MS} ms + slack), ` +
      `by the API ${backendMs} ms after the partition (bound ${2 * PING_MS} ms + slack); ` +
      `all ended ${Date.now() - healedAt} ms after the heal`,
    history,
    redis.port,
    env.prefix,
    { boundMs: stuckBoundMs(), plan: planOf(env.shared) },
  );
  assert.ok(detectedMs <= DETECT_BOUND_MS + SLACK_MS, `the gateway noticed after ${detectedMs} ms`);
  assert.ok(backendMs <= 2 * PING_MS + SLACK_MS, `the API noticed after ${backendMs} ms`);
  // The relay resubscribed on a new upstream socket: the old one is gone, the new one carried the rest.
  assert.ok(link.upgrades() >= 2, `upstream sockets opened: ${link.upgrades()}`);
  // And the gateway keeps working afterwards.
  const more = await startTasks(history, users[0], 2);
  await allEnded(more, 30_000);
  await verify('after the gateway ↔ API partition', history, redis.port, env.prefix, { boundMs: stuckBoundMs(), plan: planOf(env.shared) });
  await stopAll();
});

test('API ↔ Redis partitioned under live subscriptions: the API drops its Redis connections within the bound, resubscribes and catches up', async () => {
  const redis: RedisServer = keep(await startRedis());
  const link = keep(await startProxy({ port: redis.port }));
  const env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '2000', TASK_MAX_DURATION_MS: '8000' });
  // Only the API goes through the proxy; the worker keeps running tasks (and publishing) meanwhile.
  const api = keep(await backend(env, 'api', { ...pings, REDIS_URL: `redis://127.0.0.1:${link.port}` }));
  keep(await backend(env, 'worker'));
  const history = new History();
  const caller = new BackendCaller(() => api, 'apipart');
  const subs = await startTasks(history, caller, 20);
  await established(subs);

  const [subMs, cmdMs] = await partitionAndDetect(link, api, [
    /Redis connection longrun:sub: no answer to PING/,
    /Redis connection longrun:cmd: no answer to PING/,
  ]);
  const healedAt = Date.now();
  // Whatever was published while the subscriber was cut off is re-read once it is back.
  await api.logs.waitFor(/Redis subscriber ready: re-reading/, 30_000);
  await allEnded(subs, stuckBoundMs());
  const missed = subs.filter((f) => f.record.events.some((e) => e.at !== undefined && e.at > healedAt)).length;
  await verify(
    `API ↔ Redis partitioned ${PARTITION_MS} ms: subscriber dropped ${subMs} ms, command connection ${cmdMs} ms after the partition (bound ${DETECT_BOUND_MS} ms + slack); ` +
      `${missed} subscriptions caught up after the heal, all ended ${Date.now() - healedAt} ms after it`,
    history,
    redis.port,
    env.prefix,
    { boundMs: stuckBoundMs(), plan: planOf(env.shared) },
  );
  for (const ms of [subMs, cmdMs]) assert.ok(ms <= DETECT_BOUND_MS + SLACK_MS, `the API noticed after ${ms} ms`);
  const more = await startTasks(history, caller, 3);
  await allEnded(more, 30_000);
  await verify('after the API ↔ Redis partition', history, redis.port, env.prefix, { boundMs: stuckBoundMs(), plan: planOf(env.shared) });
  await stopAll();
});

test('worker ↔ Redis partitioned past its lock: it notices within the bound, stops its attempts, and they are retried on another worker (never run twice at once)', async () => {
  const redis: RedisServer = keep(await startRedis());
  const link = keep(await startProxy({ port: redis.port }));
  const env = sharedEnv(redis.url, { TASK_FAILURE_RATE: '0' });
  const api = keep(await backend(env, 'api'));
  const cut = keep(await backend(env, 'worker', { ...pings, REDIS_URL: `redis://127.0.0.1:${link.port}`, WORKER_CONCURRENCY: '4' }, 'worker-cut'));
  const history = new History();
  const caller = new BackendCaller(() => api, 'wkpart');
  // Longer than the partition: attempt 1 cannot finish on the cut worker before its lock is gone.
  const variables: CreateVariables = { input: { simulated: { minDurationMs: 8000, maxDurationMs: 8000 } }, retry: { maxAttempts: 3, delayMs: 200 } };
  const subs = await startTasks(history, caller, 4, variables);
  await waitUntil(() => subs.every((f) => last(f)?.status === 'IN_PROGRESS'), { timeoutMs: 30_000, what: 'every task running on the cut worker' });
  keep(await backend(env, 'worker', {}, 'worker-ok'));

  const [pingMs, stoppedMs] = await partitionAndDetect(link, cut, [/Redis connection longrun:bull-worker: no answer to PING/, /no lock renewal reached Redis/]);
  const healedAt = Date.now();
  await allEnded(subs, stuckBoundMs() + 20_000);
  for (const id of history.taskIds) await readTimeline(history, caller, id);
  const stored = await verify(
    `worker ↔ Redis partitioned ${PARTITION_MS} ms: worker connection dropped ${pingMs} ms, its attempts stopped ${stoppedMs} ms after the partition ` +
      `(lock ${FAST.lockMs} ms); all ended ${Date.now() - healedAt} ms after the heal`,
    history,
    redis.port,
    env.prefix,
    { boundMs: stuckBoundMs() + 20_000, plan: planOf(env.shared) },
  );
  assert.ok(pingMs <= DETECT_BOUND_MS + SLACK_MS, `the worker noticed after ${pingMs} ms`);
  assert.ok(stoppedMs <= FAST.lockMs + SLACK_MS, `the cut worker stopped its work ${stoppedMs} ms after the partition`);
  // Every task had attempts left: each carried on or was retried, and finished.
  for (const [id, r] of stored) assert.equal(r?.status, 'FINISHED', `task ${id}: ${r?.status} ${r?.error ?? ''}`);
  assert.ok(
    [...stored.values()].some((r) => (r?.attempt ?? 1) >= 2),
    'the cut worker lost attempts that were retried',
  );
  await stopAll();
});
