/**
 * SIGTERM of the API and of the frontend under live subscriptions: exit 0 within the bound,
 * retryable close codes, and clients resubscribe to the successor and get their final states.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, waitUntil, type Frontend, type WsClient } from '../testkit/index.js';
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
  RETRYABLE_CLOSE,
  sharedEnv,
  stuckBoundMs,
  verify,
  WebCaller,
  type Followed,
} from './stack.js';
import { closesOf, tierStack } from './tiers.js';

const stack = tierStack();

test('SIGTERM of the API under live subscriptions: exit 0, retryable close, clients resubscribe after its restart', async () => {
  const env = sharedEnv(stack.redis.url, { TASK_MIN_DURATION_MS: '4000', TASK_MAX_DURATION_MS: '8000' });
  const port = await freePort();
  let { api } = await stack.backendPair(env, port);
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
  stack.forget(api);
  assert.equal(exit.code, 0, `API exit ${JSON.stringify(exit)}`);
  assert.ok(tookMs < 10_000, `API shut down in ${tookMs} ms`);
  await waitUntil(() => closesOf(clients).length >= clients.length, { timeoutMs: 5000, what: 'every client saw its socket close' });
  const codes = closesOf(clients);
  assert.ok(
    codes.every((c) => RETRYABLE_CLOSE.has(c)),
    `close codes ${codes}`,
  );

  api = stack.keep(await backend(env, 'api', { BACKEND_PORT: String(port) }, 'api-restarted'));
  await allEnded(subs, 30_000);
  await verify(`SIGTERM api (exit 0 in ${tookMs} ms, close codes ${[...new Set(codes)]})`, history, stack.redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  await stack.stopAll();
});

test('SIGTERM of the frontend: exit 0, close 1012, clients resubscribe to its successor and get their final states', async () => {
  const env = sharedEnv(stack.redis.url, { TASK_MIN_DURATION_MS: '3000', TASK_MAX_DURATION_MS: '10000' });
  const { api } = await stack.backendPair(env, await freePort());
  const port = await freePort();
  let web: Frontend = stack.keep(await frontend(env, api.url, port));
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
  stack.forget(web);
  assert.equal(exit.code, 0, `frontend exit ${JSON.stringify(exit)}`);
  assert.ok(tookMs < 10_000, `frontend shut down in ${tookMs} ms`);
  const codes = closesOf(clients);
  assert.ok(codes.length >= clients.length && codes.every((c) => RETRYABLE_CLOSE.has(c)), `close codes ${codes}`);
  web = stack.keep(await frontend(env, api.url, port));
  await allEnded(subs, 60_000);
  await verify(`SIGTERM frontend (exit 0 in ${tookMs} ms, close codes ${[...new Set(codes)]})`, history, stack.redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  await stack.stopAll();
});
