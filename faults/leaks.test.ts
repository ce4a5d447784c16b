/**
 * 10,000 subscribe/close cycles through the frontend, cut at random points (before the
 * upstream subscription exists, right after the snapshot, mid-stream), with whole sockets
 * dropped now and then. Afterwards the frontend's upstream sockets, the backend's Redis channel
 * subscriptions (PUBSUB on the private Redis) and both processes' heap after a full GC (read
 * through each process's inspector: both run with --inspect on a loopback port) return to
 * baseline; RSS is bounded too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  disposeAllClients,
  Inspector,
  INSPECTOR_LINE,
  killAllChildren,
  redisCall,
  rssBytes,
  tcpConnectionsTo,
  sleep,
  startRedis,
  waitUntil,
  type Backend,
  type Frontend,
  type RedisServer,
  type Service,
  type WsClient,
} from '../testkit/index.js';
import { redisKeys } from '../backend/src/redis/redis-keys.js';
import { check, History, assertNoViolations } from './history.js';
import { backend, create, follow, frontend, pool, sharedEnv, WebCaller, type StackEnv } from './stack.js';

const CYCLES = 10_000;
const USERS = 10;

let redis: RedisServer;
let env: StackEnv;
let api: Backend;
let web: Frontend;
let apiInspector: Inspector;
let webInspector: Inspector;
/** Lets the test read each process's heap after a full GC; no debug endpoint in the product. */
const INSPECT = { NODE_OPTIONS: '--inspect=127.0.0.1:0' };

async function inspectorOf(service: Service): Promise<Inspector> {
  return Inspector.connect((await service.logs.waitFor(INSPECTOR_LINE, 30_000))[1]);
}

before(async () => {
  redis = await startRedis();
  // Long tasks: every cycle watches a live task, so nothing ends on its own.
  env = sharedEnv(redis.url, { TASK_MIN_DURATION_MS: '600000', TASK_MAX_DURATION_MS: '600000' });
  api = await backend(env, 'all', INSPECT);
  web = await frontend(env, api.url, undefined, INSPECT);
  [apiInspector, webInspector] = await Promise.all([inspectorOf(api), inspectorOf(web)]);
});

after(async () => {
  apiInspector?.close();
  webInspector?.close();
  await disposeAllClients();
  await web?.stop();
  await api?.stop();
  await redis?.stop();
  await killAllChildren();
});

async function taskChannels(): Promise<number> {
  const channels = (await redisCall(redis.port, 'PUBSUB', 'CHANNELS', redisKeys(env.prefix).taskChannel('*'))) as string[];
  return channels.length;
}

interface Sample {
  upstream: number;
  channels: number;
  frontendMb: number;
  backendMb: number;
  /** Heap used after a full GC, MB. */
  frontendHeapMb: number;
  backendHeapMb: number;
}
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
async function sample(withHeap = false): Promise<Sample> {
  const backendPort = Number(new URL(api.url).port);
  const [fh, bh] = withHeap ? await Promise.all([webInspector.memoryAfterGc(), apiInspector.memoryAfterGc()]) : [undefined, undefined];
  return {
    upstream: tcpConnectionsTo(backendPort),
    channels: await taskChannels(),
    frontendMb: Math.round(rssBytes(web.pid) / 1024 / 1024),
    backendMb: Math.round(rssBytes(api.pid) / 1024 / 1024),
    frontendHeapMb: fh ? mb(fh.heapUsed) : NaN,
    backendHeapMb: bh ? mb(bh.heapUsed) : NaN,
  };
}
const show = (s: Sample) =>
  `upstream sockets ${s.upstream}, task channels ${s.channels}, heap after GC frontend ${s.frontendHeapMb} MB / ` +
  `backend ${s.backendHeapMb} MB, RSS ${s.frontendMb} / ${s.backendMb} MB`;

test(`${CYCLES} subscribe/close cycles cut at random points: sockets, channels and memory return to baseline`, async () => {
  const history = new History();
  const users = Array.from({ length: USERS }, (_, i) => new WebCaller(() => web.url, `cycler${i}`));
  const tasks: string[][] = [];
  for (const u of users) {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await create(history, u, 60_000);
      assert.ok(r.task, r.code);
      ids.push(r.task.id);
    }
    tasks.push(ids);
  }
  // Warm up (first requests, JIT, pools), then let the lazy upstream socket close.
  await runCycles(history, users, tasks, 200);
  await sleep(1000);
  const baseline = await quiet({ upstream: Infinity, channels: 0, frontendMb: 0, backendMb: 0, frontendHeapMb: 0, backendHeapMb: 0 });
  assert.equal(baseline.channels, 0, 'the warm-up released its channels');

  await runCycles(history, users, tasks, CYCLES / 2);
  const mid = await quiet(baseline);
  await runCycles(history, users, tasks, CYCLES / 2);
  const end = await quiet(baseline);

  console.log(`[faults] ${CYCLES} cycles: baseline ${show(baseline)}; after half ${show(mid)}; at the end ${show(end)}`);
  // Order and ownership of whatever the cut subscriptions saw.
  assertNoViolations(
    check(history, new Map()).filter((v) => v.kind !== 'loss'),
    'cycles',
  );
  const coded = history.subscriptions.filter((s) => s.errorCodes.length > 0);
  assert.deepEqual(
    coded.slice(0, 3).map((s) => s.errorCodes),
    [],
    'no cycle got a GraphQL error',
  );
  assert.ok(end.upstream <= baseline.upstream, `upstream sockets back to baseline (${end.upstream} > ${baseline.upstream})`);
  assert.equal(end.channels, 0, 'no task channel left subscribed');
  // Heap after a full GC is back near its baseline: a leak of even 1 KB per cycle would be
  // ~10 MB here. The slack covers caches that fill once (parsed documents, JIT, pools).
  assert.ok(end.frontendHeapMb - baseline.frontendHeapMb < 8, `frontend heap ${baseline.frontendHeapMb} → ${end.frontendHeapMb} MB`);
  assert.ok(end.backendHeapMb - baseline.backendHeapMb < 8, `backend heap ${baseline.backendHeapMb} → ${end.backendHeapMb} MB`);
  assert.ok(
    end.frontendHeapMb - mid.frontendHeapMb < 4,
    `frontend heap grew ${end.frontendHeapMb - mid.frontendHeapMb} MB over the second ${CYCLES / 2} cycles`,
  );
  assert.ok(end.backendHeapMb - mid.backendHeapMb < 4, `backend heap grew ${end.backendHeapMb - mid.backendHeapMb} MB over the second ${CYCLES / 2} cycles`);
  // RSS: generous absolute bounds, and little growth over the second half (a leak grows per cycle).
  assert.ok(end.frontendMb < Math.max(2 * baseline.frontendMb, baseline.frontendMb + 150), `frontend RSS ${baseline.frontendMb} → ${end.frontendMb} MB`);
  assert.ok(end.backendMb < Math.max(2 * baseline.backendMb, baseline.backendMb + 150), `backend RSS ${baseline.backendMb} → ${end.backendMb} MB`);
  assert.ok(end.frontendMb - mid.frontendMb < 60, `frontend RSS grew ${end.frontendMb - mid.frontendMb} MB over the second ${CYCLES / 2} cycles`);
  assert.ok(end.backendMb - mid.backendMb < 60, `backend RSS grew ${end.backendMb - mid.backendMb} MB over the second ${CYCLES / 2} cycles`);
});

/** Waits (bounded) for the upstream sockets and channels to drain after a run, then samples. */
async function quiet(baseline: Sample): Promise<Sample> {
  let last = await sample();
  await waitUntil(
    async () => {
      last = await sample();
      return last.upstream <= baseline.upstream && last.channels === 0;
    },
    { timeoutMs: 20_000, intervalMs: 250, what: `drained to baseline (${show(baseline)})` },
  ).catch(() => undefined);
  return sample(true);
}

/** `count` cycles spread over the users, 3 at a time per user; every 250th drops the whole socket. */
async function runCycles(history: History, users: WebCaller[], tasks: string[][], count: number): Promise<void> {
  const perUser = Math.ceil(count / users.length);
  await Promise.all(
    users.map(async (user, u) => {
      let client: WsClient = user.ws({ lazy: false });
      await pool(
        Array.from({ length: perUser }, (_, i) => i),
        3,
        async (i) => {
          const f = follow(history, user, client, tasks[u][i % 3]);
          const cutAfter = Math.random();
          // A third cut at once (often before the upstream subscription exists), a third just
          // after the snapshot, a third after a random few milliseconds.
          if (cutAfter < 1 / 3) await sleep(0);
          else if (cutAfter < 2 / 3)
            await waitUntil(() => f.record.events.length > 0 || f.record.ended, { timeoutMs: 30_000, intervalMs: 5 }).catch(() => undefined);
          else await sleep(Math.floor(Math.random() * 30));
          f.cut();
          if (i % 250 === 249) {
            const old = client;
            client = user.ws({ lazy: false });
            // Drop the socket abruptly, whatever is in flight on it.
            old.terminate();
            await old.dispose();
          }
        },
      );
      await client.dispose();
    }),
  );
}
