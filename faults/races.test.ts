/**
 * Races and load, at the counts: cancel racing completion (500 trials), subscribe
 * racing tasks that end within milliseconds (1,000), and a burst of 500 tasks with a live
 * subscriber each through the frontend.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { disposeAllClients, killAllChildren, sleep, startRedis, type Backend, type Frontend, type RedisServer } from '../testkit/index.js';
import { History } from './history.js';
import {
  allEnded,
  backend,
  BackendCaller,
  cancel,
  create,
  follow,
  frontend,
  planOf,
  pool,
  sharedEnv,
  stuckBoundMs,
  verify,
  WebCaller,
  type Followed,
} from './stack.js';

let redis: RedisServer;
const started: { stop(): Promise<unknown> }[] = [];

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await disposeAllClients();
  for (const s of started.reverse()) await s.stop();
  await redis?.stop();
  await killAllChildren();
});

async function stack(extra: Record<string, string>) {
  const env = sharedEnv(redis.url, extra);
  const b: Backend = await backend(env, 'all');
  started.push(b);
  return { env, b };
}

test('cancel racing completion, 500 trials: one final status, the answer agrees with it', async () => {
  const { env, b } = await stack({ TASK_MIN_DURATION_MS: '50', TASK_MAX_DURATION_MS: '400' });
  const history = new History();
  const callers = Array.from({ length: 5 }, (_, i) => new BackendCaller(() => b, `racer${i}`));
  const sockets = callers.map((c) => c.ws());
  const subs: Followed[] = [];
  const outcome = { cancelled: 0, refused: 0 };
  await pool(
    Array.from({ length: 500 }, (_, i) => i),
    25,
    async (i) => {
      const caller = callers[i % callers.length];
      const r = await create(history, caller);
      assert.ok(r.task, `createTask: ${r.code}`);
      subs.push(follow(history, caller, sockets[i % sockets.length], r.task.id));
      // Spread over the whole life of a task: before it starts, while it runs, around its end.
      await sleep(Math.floor(Math.random() * 500));
      const answer = await cancel(history, caller, r.task.id);
      if (answer.task) outcome.cancelled++;
      else outcome.refused++;
    },
  );
  await allEnded(subs, 30_000);
  await verify(`cancel racing completion ×500 (${outcome.cancelled} cancelled, ${outcome.refused} refused)`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  assert.ok(outcome.cancelled > 0 && outcome.refused > 0, 'both outcomes happened');
});

test('subscribe racing millisecond tasks, 1,000: every subscriber gets the final event', async () => {
  // Unseeded (an empty variable means unset): the ERROR share must lie in the binomial band.
  const { env, b } = await stack({ TASK_MIN_DURATION_MS: '0', TASK_MAX_DURATION_MS: '20', WORKER_CONCURRENCY: '100', TASK_RANDOM_SEED: '' });
  const history = new History();
  const callers = Array.from({ length: 10 }, (_, i) => new BackendCaller(() => b, `instant${i}`));
  const sockets = callers.map((c) => c.ws());
  const subs: Followed[] = [];
  await pool(
    Array.from({ length: 1000 }, (_, i) => i),
    50,
    async (i) => {
      const caller = callers[i % callers.length];
      const r = await create(history, caller);
      assert.ok(r.task, `createTask: ${r.code}`);
      subs.push(follow(history, caller, sockets[i % sockets.length], r.task.id));
    },
  );
  await allEnded(subs, 60_000);
  await verify('subscribe racing millisecond tasks ×1000 (unseeded)', history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    failureRate: Number(env.shared.TASK_FAILURE_RATE),
  });
});

test('a burst of 500 tasks with a subscriber each, through the frontend', async () => {
  const { env, b } = await stack({});
  const web: Frontend = await frontend(env, b.url);
  started.push(web);
  const history = new History();
  // 10 users (sessions), 50 tasks each, one socket per user (the page shares one too).
  const users = Array.from({ length: 10 }, (_, i) => new WebCaller(() => web.url, `burst${i}`));
  const subs: Followed[] = [];
  const began = Date.now();
  await Promise.all(
    users.map(async (user) => {
      // Generous timeouts: this machine is shared, and the burst is the point, not the latency.
      const first = await create(history, user, 60_000); // sets the session cookie
      assert.ok(first.task, `createTask: ${first.code}`);
      const ws = user.ws();
      subs.push(follow(history, user, ws, first.task.id));
      await pool(Array.from({ length: 49 }), 3, async () => {
        const r = await create(history, user, 60_000);
        assert.ok(r.task, `createTask: ${r.code}`);
        subs.push(follow(history, user, ws, r.task.id));
      });
    }),
  );
  const createdMs = Date.now() - began;
  await allEnded(subs, 90_000);
  await verify(`burst of 500 through the frontend (created in ${createdMs} ms, drained in ${Date.now() - began} ms)`, history, redis.port, env.prefix, {
    boundMs: stuckBoundMs(),
    plan: planOf(env.shared),
  });
  assert.equal(history.created.size, 500);
});
