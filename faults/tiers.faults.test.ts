/**
 * App tiers stopped and killed under live subscriptions: SIGTERM of the API and of the frontend
 * (exit 0 within the bound, retryable close codes, clients resubscribe), the backend killed
 * (kill -9) and restarted behind the frontend (browsers' subscriptions carry on; HTTP answers
 * SERVICE_UNAVAILABLE meanwhile), and the frontend killed and restarted under 200 clients that
 * retry with jittered backoff like the page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { disposeAllClients, freePort, killAllChildren, sleep, startRedis, waitUntil, type Backend, type Frontend, type RedisServer, type WsClient } from '../testkit/index.js';
import { History } from './history.js';
import {
  allEnded,
  backend,
  BackendCaller,
  create,
  follow,
  frontend,
  pageLikeRetry,
  planOf,
  pool,
  RETRYABLE_CLOSE,
  sharedEnv,
  stuckBoundMs,
  TASK,
  taskOrCode,
  verify,
  WebCaller,
  type Followed,
  type StackEnv,
} from './stack.js';

let redis: RedisServer;
const running = new Set<{ stop(): Promise<unknown> }>();

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await disposeAllClients();
  for (const s of running) await s.stop();
  await redis?.stop();
  await killAllChildren();
});

function keep<T extends { stop(): Promise<unknown> }>(s: T): T {
  running.add(s);
  return s;
}
async function drop(s: { stop(): Promise<unknown> }): Promise<void> {
  running.delete(s);
  await s.stop();
}

/** An API process on a fixed port (so it can come back on it) and a separate worker. */
async function backendPair(env: StackEnv, port: number): Promise<{ api: Backend; worker: Backend }> {
  const [api, worker] = await Promise.all([backend(env, 'api', { BACKEND_PORT: String(port) }), backend(env, 'worker')]);
  return { api: keep(api), worker: keep(worker) };
}

const closesOf = (clients: WsClient[]) => clients.flatMap((c) => c.closes.map((e) => e.code));

test('SIGTERM of the API under live subscriptions: exit 0, retryable close, clients resubscribe after its restart', async () => {
  const env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '4000', TASK_MAX_DURATION_MS: '8000' });
  const port = await freePort();
  let { api } = await backendPair(env, port);
  const history = new History();
  const callers = Array.from({ length: 4 }, (_, i) => new BackendCaller(() => api, `apiterm${i}`));
  const clients = callers.map((c) => c.ws(pageLikeRetry));
  const subs: Followed[] = [];
  for (let i = 0; i < 20; i++) {
    const c = callers[i % 4];
    const r = await create(history, c);
    assert.ok(r.task, r.code);
    subs.push(follow(history, c, clients[i % 4], r.task.id));
  }
  await waitUntil(() => subs.every((f) => f.record.events.length > 0), { timeoutMs: 20_000, what: 'subscriptions established' });

  const t0 = Date.now();
  const exit = await api.stop({ timeoutMs: 20_000 });
  const tookMs = Date.now() - t0;
  running.delete(api);
  assert.equal(exit.code, 0, `API exit ${JSON.stringify(exit)}`);
  assert.ok(tookMs < 10_000, `API shut down in ${tookMs} ms`);
  await waitUntil(() => closesOf(clients).length >= clients.length, { timeoutMs: 5000, what: 'every client saw its socket close' });
  const codes = closesOf(clients);
  assert.ok(codes.every((c) => RETRYABLE_CLOSE.has(c)), `close codes ${codes}`);

  api = keep(await backend(env, 'api', { BACKEND_PORT: String(port) }, 'api-restarted'));
  await allEnded(subs, 30_000);
  await verify(`SIGTERM api (exit 0 in ${tookMs} ms, close codes ${[...new Set(codes)]})`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  for (const s of [...running]) await drop(s);
});

test('SIGTERM of the frontend: exit 0, close 1012, clients resubscribe to its successor and get their final states', async () => {
  const env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '3000', TASK_MAX_DURATION_MS: '10000' });
  const { api } = await backendPair(env, await freePort());
  const port = await freePort();
  let web: Frontend = keep(await frontend(env, api.url, port));
  const history = new History();
  const users = Array.from({ length: 10 }, (_, i) => new WebCaller(() => web.url, `webterm${i}`));
  const subs: Followed[] = [];
  const clients: WsClient[] = [];
  for (const u of users) {
    const r = await create(history, u, 60_000);
    assert.ok(r.task, r.code);
    const ws = u.ws(pageLikeRetry);
    clients.push(ws);
    subs.push(follow(history, u, ws, r.task.id));
  }
  await waitUntil(() => subs.every((f) => f.record.events.length > 0), { timeoutMs: 30_000, what: 'subscriptions established' });
  const t0 = Date.now();
  const exit = await web.stop({ timeoutMs: 20_000 });
  const tookMs = Date.now() - t0;
  running.delete(web);
  assert.equal(exit.code, 0, `frontend exit ${JSON.stringify(exit)}`);
  assert.ok(tookMs < 10_000, `frontend shut down in ${tookMs} ms`);
  const codes = closesOf(clients);
  assert.ok(codes.length >= clients.length && codes.every((c) => RETRYABLE_CLOSE.has(c)), `close codes ${codes}`);
  web = keep(await frontend(env, api.url, port));
  await allEnded(subs, 60_000);
  await verify(`SIGTERM frontend (exit 0 in ${tookMs} ms, close codes ${[...new Set(codes)]})`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  for (const s of [...running]) await drop(s);
});

test('backend kill -9 and restart under live subscriptions through the frontend', async () => {
  const env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '4000', TASK_MAX_DURATION_MS: '12000' });
  const apiPort = await freePort();
  let { api, worker } = await backendPair(env, apiPort);
  const web = keep(await frontend(env, api.url));
  const history = new History();
  const users = Array.from({ length: 5 }, (_, i) => new WebCaller(() => web.url, `bekill${i}`));
  const subs: Followed[] = [];
  for (const u of users) {
    const ws = u.ws(); // no client retries needed: the browser's socket to the frontend stays up
    for (let i = 0; i < 6; i++) {
      const r = await create(history, u, 60_000);
      assert.ok(r.task, r.code);
      subs.push(follow(history, u, ws, r.task.id));
    }
  }
  // A few tasks stay WAITING through the outage (no worker meanwhile): their snapshot after the
  // frontend resubscribes upstream repeats the version the browser already has.
  await drop(worker);
  for (let i = 0; i < 3; i++) {
    const r = await create(history, users[0], 60_000);
    assert.ok(r.task, r.code);
    subs.push(follow(history, users[0], users[0].ws(), r.task.id));
  }
  await waitUntil(() => subs.every((f) => f.record.events.length > 0), { timeoutMs: 30_000, what: 'subscriptions established' });

  api.kill('SIGKILL');
  await api.exited;
  running.delete(api);
  // HTTP during the outage: a coded SERVICE_UNAVAILABLE, quickly.
  const probes: { code?: string; ms: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const res = taskOrCode(await users[0].http(TASK, { id: subs[0].record.taskId }, 30_000), 'task');
    probes.push({ code: res.code, ms: Date.now() - t0 });
  }
  for (const p of probes) {
    assert.equal(p.code, 'SERVICE_UNAVAILABLE', JSON.stringify(probes));
    assert.ok(p.ms < 3000, `answered in ${p.ms} ms`);
  }
  await sleep(2000);
  api = keep(await backend(env, 'api', { BACKEND_PORT: String(apiPort) }, 'api-restarted'));
  // Let the frontend resubscribe while those tasks are still WAITING, then bring a worker back.
  await sleep(6000);
  worker = keep(await backend(env, 'worker'));
  await allEnded(subs, 60_000);
  await verify(`backend kill -9 + restart behind the frontend (queries meanwhile: ${probes.map((p) => `${p.code} ${p.ms} ms`).join(', ')})`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  for (const s of [...running]) await drop(s);
});

test('frontend kill -9 and restart under 200 connected clients: all resubscribe and get their final states', async () => {
  const env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '5000', TASK_MAX_DURATION_MS: '20000', WORKER_CONCURRENCY: '200' });
  const { api } = await backendPair(env, await freePort());
  const port = await freePort();
  let web: Frontend = keep(await frontend(env, api.url, port));
  const history = new History();
  const users = Array.from({ length: 200 }, (_, i) => new WebCaller(() => web.url, `crowd${i}`));
  const subs: Followed[] = [];
  const clients: WsClient[] = [];
  await pool(users, 10, async (u) => {
    const r = await create(history, u, 60_000);
    assert.ok(r.task, r.code);
    const ws = u.ws(pageLikeRetry);
    clients.push(ws);
    subs.push(follow(history, u, ws, r.task.id));
  });
  await waitUntil(() => subs.every((f) => f.record.events.length > 0), { timeoutMs: 60_000, what: 'subscriptions established' });
  const live = subs.filter((f) => !f.record.ended).length;
  web.kill('SIGKILL');
  await web.exited;
  running.delete(web);
  const t0 = Date.now();
  web = keep(await frontend(env, api.url, port));
  await allEnded(subs, 120_000);
  const reconnected = clients.filter((c) => c.connects() >= 2).length;
  await verify(
    `frontend kill -9 + restart under 200 clients (${live} live at the kill, ${reconnected} reconnected, all ended ${Date.now() - t0} ms after the restart began)`,
    history, redis.port, env.prefix, { boundMs: stuckBoundMs(), plan: planOf(env.shared) },
  );
  assert.ok(reconnected >= live, `every client live at the kill reconnected (${reconnected} of ${live})`);
  for (const s of [...running]) await drop(s);
});
