/**
 * The backend API killed (kill -9) and restarted while the frontend holds upstream subscriptions:
 * browsers' subscriptions carry on to their final states (versions never repeat), and HTTP
 * queries meanwhile get SERVICE_UNAVAILABLE quickly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, sleep, waitUntil } from '../testkit/index.js';
import { History } from './history.js';
import { allEnded, backend, create, follow, frontend, planOf, sharedEnv, stuckBoundMs, TASK, taskOrCode, verify, WebCaller, type Followed } from './stack.js';
import { tierStack } from './tiers.js';

const stack = tierStack();

test('backend kill -9 and restart under live subscriptions through the frontend', async () => {
  const env = sharedEnv(stack.redis.url, { TASK_MIN_DURATION_MS: '4000', TASK_MAX_DURATION_MS: '12000' });
  const apiPort = await freePort();
  let { api, worker } = await stack.backendPair(env, apiPort);
  const web = stack.keep(await frontend(env, api.url));
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
  stack.forget(worker);
  await worker.stop();
  for (let i = 0; i < 3; i++) {
    const r = await create(history, users[0], 60_000);
    assert.ok(r.task, r.code);
    subs.push(follow(history, users[0], users[0].ws(), r.task.id));
  }
  await waitUntil(() => subs.every((f) => f.record.events.length > 0), { timeoutMs: 30_000, what: 'subscriptions established' });

  api.kill('SIGKILL');
  await api.exited;
  stack.forget(api);
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
  api = stack.keep(await backend(env, 'api', { BACKEND_PORT: String(apiPort) }, 'api-restarted'));
  // Let the frontend resubscribe while those tasks are still WAITING, then bring a worker back.
  await sleep(6000);
  worker = stack.keep(await backend(env, 'worker'));
  await allEnded(subs, 60_000);
  await verify(
    `backend kill -9 + restart behind the frontend (queries meanwhile: ${probes.map((p) => `${p.code} ${p.ms} ms`).join(', ')})`,
    history,
    stack.redis.port,
    env.prefix,
    {
      boundMs: stuckBoundMs(),
      plan: planOf(env.shared),
    },
  );
  await stack.stopAll();
});
