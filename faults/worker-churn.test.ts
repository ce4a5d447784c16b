/**
 * Worker faults under steady load (issue 12): a dozen users create and watch tasks without
 * pause while the only worker (concurrency 10) is killed (-9, restarted 1–3 s later as a
 * supervisor would) or frozen (SIGSTOP 3–5 s, then SIGCONT) every few seconds. Afterwards no
 * task may stay non-final past the documented bound, the queue must keep moving, and no job
 * may be left active under a renewed lock with nobody working on it.
 *
 * Each fault kind runs alone and mixed, several rounds each, because the reported failure
 * showed in 3 runs of 5 (`CHURN_ROUNDS` raises the count; `CHURN_SEED` replays a schedule;
 * `CHURN_PACE_MS` sets the users' pace).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { disposeAllClients, isFinal, killAllChildren, redisCall, sleep, startRedis, type Backend, type RedisServer, type WsClient } from '../testkit/index.js';
import { History, readStored } from './history.js';
import {
  activeJobIds,
  backend,
  BackendCaller,
  create,
  follow,
  planOf,
  queueKey,
  sharedEnv,
  stuckBoundMs,
  verify,
  type Followed,
  type StackEnv,
  type Timing,
} from './stack.js';

/** The settings: 2 s locks, stall checks and reconcile rounds every second. */
const TIMING: Timing = { lockMs: 2000, stalledMs: 1000, reconcileMs: 1000, stallTimeoutMs: 5000 };
const ROUNDS = Number(process.env.CHURN_ROUNDS ?? 2);
const FAULT_SECONDS = Number(process.env.CHURN_FAULT_SECONDS ?? 20);
const USERS = 12;
const CONCURRENCY = 10;
const MAX_TASK_MS = 4000;
/**
 * Each user's pause between tasks: 12 users keep ~3 tasks/s coming, about 3/4 of what one worker
 * does. `CHURN_PACE_MS=400-1200` is the pace (~15/s, a growing backlog): the drain then
 * takes minutes, but a stuck task or a stopped queue still fails at once.
 */
const PACE_MS = (process.env.CHURN_PACE_MS ?? '2500-5500').split('-').map(Number);

let redis: RedisServer;

before(async () => {
  redis = await startRedis({ aof: true });
});

after(async () => {
  await disposeAllClients();
  await redis?.stop();
  await killAllChildren();
});

/** A small seeded generator (mulberry32), so a failing schedule can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type FaultKind = 'kill' | 'stop';

/** The one worker of a scenario, replaced when killed. */
class Supervised {
  current: Backend | undefined;
  starts = 0;
  constructor(private readonly env: StackEnv) {}
  async start(): Promise<void> {
    this.current = await backend(this.env, 'worker', {}, `worker-${++this.starts}`);
  }
  async stop(): Promise<void> {
    await this.current?.stop();
  }
}

/** Users that create a task every 0.4–1.2 s and watch it on their own socket. */
function load(history: History, api: () => Backend, rnd: () => number) {
  const followed: Followed[] = [];
  let running = true;
  const errors: string[] = [];
  const users = Array.from({ length: USERS }, async (_, i) => {
    const caller = new BackendCaller(api, `churn${i}`);
    const ws: WsClient = caller.ws();
    while (running) {
      const r = await create(history, caller, 10_000);
      if (r.task) followed.push(follow(history, caller, ws, r.task.id));
      else errors.push(r.code ?? 'NONE');
      await sleep(PACE_MS[0] + rnd() * (PACE_MS[1] - PACE_MS[0]));
    }
  });
  return {
    followed,
    errors,
    async stop() {
      running = false;
      await Promise.all(users);
    },
  };
}

/** BullMQ's view of its active jobs, for the failure message: id, who runs it, lock ttl. */
async function activeJobs(prefix: string): Promise<string[]> {
  const ids = await activeJobIds(redis.port, prefix);
  return Promise.all(
    ids.map(async (id) => {
      const [by, since] = (await redisCall(redis.port, 'HMGET', queueKey(prefix, id), 'pb', 'processedOn')) as string[];
      return `${id} (by ${by} for ${Date.now() - Number(since)} ms, lock pttl ${await redisCall(redis.port, 'PTTL', queueKey(prefix, id, 'lock'))} ms)`;
    }),
  );
}

/**
 * After the faults: waits until every task is final, failing at once when a running task shows
 * no change for longer than `stallMs` (it is stuck) or no task changes at all for that long
 * while some are not final (the queue stopped). Returns how long the drain took.
 */
async function drain(history: History, prefix: string, stallMs: number, boundMs: number): Promise<number> {
  const started = Date.now();
  const seen = new Map<string, { version: number; at: number }>();
  let lastChange = Date.now();
  for (;;) {
    const stored = await readStored(redis.port, prefix, history.taskIds);
    const now = Date.now();
    const live = [...stored.values()].filter((r) => r && !isFinal(r.status));
    if (live.length === 0) return now - started;
    for (const r of live) {
      const before = seen.get(r!.id);
      if (!before || before.version !== r!.version) {
        seen.set(r!.id, { version: r!.version, at: now });
        lastChange = now;
      } else if (r!.status === 'IN_PROGRESS' && now - before.at > stallMs) {
        assert.fail(
          `task ${r!.id} stuck IN_PROGRESS at version ${r!.version} for ${now - before.at} ms; active jobs: ${(await activeJobs(prefix)).join(', ')}`,
        );
      }
    }
    assert.ok(
      now - lastChange <= stallMs,
      `the queue stopped: ${live.length} tasks not final, none changed for ${now - lastChange} ms; active jobs: ${(await activeJobs(prefix)).join(', ')}`,
    );
    assert.ok(now - started <= boundMs, `${live.length} tasks still not final ${boundMs} ms after the faults`);
    await sleep(250);
  }
}

async function scenario(kinds: FaultKind[], seed: number): Promise<void> {
  const rnd = random(seed);
  const env = sharedEnv(
    redis.url,
    { WORKER_CONCURRENCY: String(CONCURRENCY), TASK_MIN_DURATION_MS: '1000', TASK_MAX_DURATION_MS: String(MAX_TASK_MS) },
    TIMING,
  );
  const api = await backend(env, 'api');
  const worker = new Supervised(env);
  await worker.start();
  const history = new History();
  const users = load(history, () => api, rnd);
  const faults: Record<FaultKind, number> = { kill: 0, stop: 0 };
  try {
    const until = Date.now() + FAULT_SECONDS * 1000;
    while (Date.now() < until) {
      await sleep(1000 + rnd() * 3000);
      const kind = kinds[Math.floor(rnd() * kinds.length)];
      const victim = worker.current!;
      faults[kind]++;
      if (kind === 'kill') {
        victim.kill('SIGKILL');
        await victim.exited;
        await sleep(1000 + rnd() * 2000);
        await worker.start();
      } else {
        victim.kill('SIGSTOP');
        await sleep(3000 + rnd() * 2000);
        victim.kill('SIGCONT');
      }
    }
    await users.stop();
    // Healed: every task must end. A running one reports at least every few hundred ms, so one
    // that shows no change past the documented bound is stuck; what is queued drains at the
    // worker's pace, at most CONCURRENCY tasks per longest task.
    const backlog = [...(await readStored(redis.port, env.prefix, history.taskIds)).values()].filter((r) => r && !isFinal(r.status)).length;
    const stallMs = stuckBoundMs(TIMING);
    const drainedMs = await drain(history, env.prefix, stallMs, stallMs + Math.ceil(backlog / CONCURRENCY) * MAX_TASK_MS);
    const what = `worker ${kinds.join('+')} under load (seed ${seed}: ${faults.kill} kill -9, ${faults.stop} SIGSTOP; drained in ${drainedMs} ms)`;
    await verify(what, history, redis.port, env.prefix, { boundMs: stallMs, plan: planOf(env.shared) });
    assert.deepEqual(await activeJobs(env.prefix), [], 'no job is left active');
    assert.deepEqual(users.errors, [], 'createTask never failed');
  } finally {
    await users.stop();
    await worker.stop();
    await api.stop();
  }
}

const baseSeed = Number(process.env.CHURN_SEED ?? Date.now() % 100_000);

for (const kinds of [['kill'], ['stop'], ['kill', 'stop']] as FaultKind[][]) {
  test(`worker ${kinds.join(' and ')} under steady load, ${ROUNDS} round(s): nothing stuck, the queue keeps moving`, {
    timeout: ROUNDS * 240_000,
  }, async () => {
    for (let round = 0; round < ROUNDS; round++) await scenario(kinds, baseSeed + round);
  });
}
