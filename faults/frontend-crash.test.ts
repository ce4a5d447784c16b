/**
 * The frontend killed (kill -9) and restarted under 200 connected clients that retry with
 * jittered backoff like the page: all resubscribe and get their final states.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, waitUntil, type Frontend, type WsClient } from '../testkit/index.js';
import { History } from './history.js';
import { allEnded, create, follow, frontend, pageLikeRetry, planOf, pool, sharedEnv, stuckBoundMs, verify, WebCaller, type Followed } from './stack.js';
import { tierStack } from './tiers.js';

const stack = tierStack();

test('frontend kill -9 and restart under 200 connected clients: all resubscribe and get their final states', async () => {
  const env = sharedEnv(stack.redis.url, { TASK_MIN_DURATION_MS: '5000', TASK_MAX_DURATION_MS: '20000', WORKER_CONCURRENCY: '200' });
  const { api } = await stack.backendPair(env, await freePort());
  const port = await freePort();
  let web: Frontend = stack.keep(await frontend(env, api.url, port));
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
  stack.forget(web);
  const t0 = Date.now();
  web = stack.keep(await frontend(env, api.url, port));
  await allEnded(subs, 120_000);
  const reconnected = clients.filter((c) => c.connects() >= 2).length;
  await verify(
    `frontend kill -9 + restart under 200 clients (${live} live at the kill, ${reconnected} reconnected, all ended ` +
      `${Date.now() - t0} ms after the restart began)`,
    history,
    stack.redis.port,
    env.prefix,
    { boundMs: stuckBoundMs(), plan: planOf(env.shared) },
  );
  assert.ok(reconnected >= live, `every client live at the kill reconnected (${reconnected} of ${live})`);
  await stack.stopAll();
});
