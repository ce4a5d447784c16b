/**
 * `npm run bench`: the whole stack (production builds) against raw baselines of the same
 * topology, measured side by side in one run. See docs/performance.md for what each metric
 * means.
 *
 *   npm run bench                 the full run (under 10 minutes on 2 cores)
 *   npm run bench -- --quick      shorter trials, smaller sizes
 *   npm run bench -- --smoke      seconds, tiny load, nothing asserted (the bench-smoke test)
 *   --out <file>                  also write the JSON there; --no-history: keep bench/history as is
 *
 * Process layout, the same for system and baseline: Redis; the backend API (raw: raw-sub);
 * the frontend (raw: raw-relay); a worker (raw: a BullMQ worker); load clients in their own
 * processes; this process drives writes and keeps the clock.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  REPO_ROOT,
  killAllChildren,
  randomToken,
  sleep,
  spawnService,
  startBackend,
  startFrontend,
  startRedis,
  waitUntil,
  type Backend,
  type Frontend,
  type RedisServer,
  type Service,
  Inspector,
  INSPECTOR_LINE,
  tcpConnectionsTo,
  type Memory,
} from '../testkit/index.js';
import { encodeSession, newSessionId } from '../frontend/src/server/session.js';
import { frontendEnv, INSPECT } from './stack-env.js';
import { BenchCancelDocument, BenchCreateDocument, BenchWatchDocument } from '../operations/generated/graphql.js';
import type { Command, Sub } from './load-client.js';
import { casBefore } from './raw/cas-before.js';
import { peerRows, peersPhase } from './peers/peers.js';
import type { BenchContext } from './context.js';
import { featureRows, featuresPhase } from './features.js';
import { redisPhase, redisRows, retainedRows } from './redis-cost.js';
import { commandTime } from './redis-info.js';
import { median, percentile, round } from './stats.js';

// The product's own code for records and status writes (the same CAS script the worker runs).
const { TaskStore, recordFromSnapshot } = (await import(join(REPO_ROOT, 'backend/dist/tasks/task-store.js'))) as any;
const { redisKeys } = (await import(join(REPO_ROOT, 'backend/dist/redis/redis-keys.js'))) as any;
const { loadConfig } = (await import(join(REPO_ROOT, 'backend/dist/config/config.js'))) as any;

const argv = process.argv.slice(2);
const mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
const outArg = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined;
const keepHistory = !argv.includes('--no-history') && mode !== 'smoke' && !argv.includes('--only') && !argv.includes('--latency-only');
/** --profile: CPU profiles of the API, frontend and worker during each phase run (bench/out/prof/). */
const profile = argv.includes('--profile');
/**
 * --only <phases>: run just these phases (comma-separated: latency, big, setup, drain, retained,
 * fullpath, cancel, peers, redis, features) and print their rows; nothing goes to bench/history. --latency-only is --only latency.
 */
const PHASES = ['latency', 'big', 'setup', 'drain', 'retained', 'fullpath', 'cancel', 'peers', 'redis', 'features'] as const;
type Phase = (typeof PHASES)[number];
const onlyArg = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : argv.includes('--latency-only') ? 'latency' : undefined;
const only = onlyArg ? new Set(onlyArg.split(',')) : undefined;
for (const name of only ?? []) if (!PHASES.includes(name as Phase)) throw new Error(`--only: unknown phase ${name} (${PHASES.join(', ')})`);
const runs = (phase: Phase) => !only || only.has(phase);
/** The hop breakdown (see hopPhase) runs after the 1,000-subscription pairs; --no-hops skips it. */
const hops = !argv.includes('--no-hops');

const PROFILES = {
  full: {
    pairs: 5,
    trialS: 4,
    subs: 1000,
    bigSubs: 10000,
    bigPairs: 5,
    bigTrialS: 3,
    rate: 2000,
    memSubs: 5000,
    drainN: 1500,
    fanout: 1000,
    drainPairs: 5,
    timelinePairs: 5,
    retainedN: 200,
    e2eN: 250,
    e2ePairs: 5,
    cancelN: 150,
    setupN: 400,
    setupPairs: 5,
    clients: 4,
  },
  quick: {
    pairs: 5,
    trialS: 2,
    subs: 1000,
    bigSubs: 3000,
    bigPairs: 3,
    bigTrialS: 2,
    rate: 2000,
    memSubs: 2000,
    drainN: 1000,
    fanout: 300,
    drainPairs: 3,
    timelinePairs: 3,
    retainedN: 100,
    e2eN: 300,
    e2ePairs: 3,
    cancelN: 30,
    setupN: 300,
    setupPairs: 3,
    clients: 4,
  },
  smoke: {
    pairs: 1,
    trialS: 1,
    subs: 20,
    bigSubs: 40,
    bigPairs: 1,
    bigTrialS: 1,
    rate: 100,
    memSubs: 30,
    drainN: 60,
    fanout: 10,
    drainPairs: 1,
    timelinePairs: 0,
    retainedN: 10,
    e2eN: 20,
    e2ePairs: 1,
    cancelN: 3,
    setupN: 20,
    setupPairs: 1,
    clients: 2,
  },
} as const;
const P = PROFILES[mode];
const INFLIGHT = 50;
const tsx = import.meta.resolve('tsx');
const now = () => Number(process.hrtime.bigint());
const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ───────────────────────── load clients (child processes) ─────────────────────────

class LoadClient {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (msg: any) => {
      const w = this.waiting.get(msg.seq);
      if (!w) return;
      this.waiting.delete(msg.seq);
      if (msg.error) w.reject(new Error(msg.error));
      else w.resolve(msg.reply);
    });
  }
  static async start(): Promise<LoadClient> {
    const child = fork(join(REPO_ROOT, 'bench/load-client.ts'), [], {
      execArgv: ['--import', tsx, '--max-old-space-size=4096'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`load client exited (${code})`)));
    });
    return new LoadClient(child);
  }
  call<T = any>(cmd: Command): Promise<T> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.child.send({ seq, cmd });
    });
  }
  stop(): void {
    this.child.disconnect();
  }
}

/** Splits `items` into `n` nearly equal slices. */
function split<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  for (const [i, x] of items.entries()) out[i % n].push(x);
  return out;
}

// ───────────────────────── the stack and the raw processes ─────────────────────────

interface Stack {
  redis: RedisServer;
  redisClient: Redis;
  prefix: string;
  token: string;
  secret: string;
  api: Backend;
  frontend: Frontend;
  /** The frontend's GraphQL endpoint, over HTTP and over WebSocket. */
  gqlHttp: string;
  gqlWs: string;
  store: any;
  keys: any;
  config: any;
  /** A progress write through the CAS script as it was before the timeline (bench/raw/cas-before.ts). */
  writeBefore: (id: string, progress: number) => Promise<string | null>;
  queue: Queue;
  rawSub: Service;
  rawRelay: Service;
  rawGqlws: Service;
  inspect: { frontend: Inspector; api: Inspector; rawRelay: Inspector; rawSub: Inspector };
  clients: LoadClient[];
  worker?: Backend;
}

function commonBackendEnv(redisUrl: string, prefix: string, token: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    INTERNAL_API_TOKEN: token,
    // Records the bench writes itself have no job: keep the reconciler out of the way.
    RECONCILE_INTERVAL_MS: '3600000',
    TASK_CREATE_LIMIT: '1000000000',
    TASK_CREATE_WINDOW_S: '1',
    TASK_FAILURE_RATE: '0',
    TASK_MIN_DURATION_MS: '0',
    TASK_MAX_DURATION_MS: '0',
    TASK_RETENTION_S: '3600',
  };
}

async function inspectorOf(service: Service): Promise<Inspector> {
  const m = await service.logs.waitFor(INSPECTOR_LINE, 30_000);
  return Inspector.connect(m[1]);
}

async function rawService(file: string, env: Record<string, string>, name: string): Promise<Service> {
  return spawnService(process.execPath, ['--import', tsx, join(REPO_ROOT, 'bench/raw', file)], env, /ready on (ws:\/\/\S+)|raw worker ready/, { name });
}

async function startStack(): Promise<Stack> {
  const redis = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
  const prefix = `bench${Date.now().toString(36)}`;
  const token = randomToken();
  const secret = randomToken() + randomToken();
  log(`redis on ${redis.url}; starting backend API and frontend (production builds)`);
  const api = await startBackend({ ...commonBackendEnv(redis.url, prefix, token), BACKEND_ROLE: 'api', ...INSPECT }, { name: 'api' });
  const frontend = await startFrontend({ ...frontendEnv(api.url, token, secret), ...INSPECT }, { name: 'frontend' });
  const rawSub = await rawService('raw-sub.ts', { REDIS_URL: redis.url, ...INSPECT }, 'raw-sub');
  const rawRelay = await rawService('raw-relay.ts', { RAW_SUB_URL: rawSub.ready[1], ...INSPECT }, 'raw-relay');
  const rawGqlws = await rawService('raw-gqlws.ts', {}, 'raw-gqlws');
  const redisClient = new Redis(redis.url);
  const config = loadConfig({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, TASK_RETENTION_S: '3600' });
  const keys = redisKeys(prefix);
  const store = new TaskStore(redisClient, keys, config);
  const url = new URL(redis.url);
  const queue = new Queue('tasks', { connection: { host: url.hostname, port: Number(url.port) }, prefix: keys.bullPrefix });
  const clients = await Promise.all(Array.from({ length: P.clients }, () => LoadClient.start()));
  const inspect = {
    frontend: await inspectorOf(frontend),
    api: await inspectorOf(api),
    rawRelay: await inspectorOf(rawRelay),
    rawSub: await inspectorOf(rawSub),
  };
  const gqlHttp = `${frontend.url}/api/graphql`;
  const gqlWs = gqlHttp.replace(/^http/, 'ws');
  const writeBefore = casBefore(redisClient, keys);
  return {
    redis,
    redisClient,
    prefix,
    token,
    secret,
    api,
    frontend,
    gqlHttp,
    gqlWs,
    store,
    keys,
    config,
    writeBefore,
    queue,
    rawSub,
    rawRelay,
    rawGqlws,
    inspect,
    clients,
  };
}

async function startWorker(s: Stack, env: Record<string, string> = {}): Promise<Backend> {
  return startBackend(
    { ...commonBackendEnv(s.redis.url, s.prefix, s.token), BACKEND_ROLE: 'worker', WORKER_CONCURRENCY: '50', ...(profile ? INSPECT : {}), ...env },
    { name: 'worker' },
  );
}

/** With --profile: runs `work` under the CPU profilers of the API, frontend and `worker`. */
async function profiled<T>(s: Stack, label: string, worker: Backend | undefined, work: () => Promise<T>): Promise<T> {
  if (!profile) return work();
  const workerInspector = worker ? await inspectorOf(worker) : undefined;
  const targets: Array<[string, Inspector]> = [
    ['api', s.inspect.api],
    ['frontend', s.inspect.frontend],
  ];
  if (workerInspector) targets.push(['worker', workerInspector]);
  await Promise.all(targets.map(([, i]) => i.startProfile()));
  try {
    return await work();
  } finally {
    const dir = join(REPO_ROOT, 'bench/out/prof');
    mkdirSync(dir, { recursive: true });
    for (const [name, i] of targets) writeFileSync(join(dir, `${name}-${label}.cpuprofile`), await i.stopProfile());
    workerInspector?.close();
  }
}

// ───────────────────────── helpers ─────────────────────────

interface Session {
  user: string;
  cookie: string;
}
function newSession(secret: string): Session {
  const user = newSessionId();
  return { user, cookie: `longrun_session=${encodeSession(user, secret)}` };
}

/** A WAITING record written through the product's store as `createTask` without input writes it: the default kind, the configured retry policy. */
function createRecord(s: Stack, owner: string): Promise<{ id: string }> {
  return s.store.create(owner, { kind: 'simulated', input: {}, maxAttempts: s.config.task.maxAttempts, retryDelayMs: s.config.task.retryDelayMs });
}

/** A new record, IN_PROGRESS at attempt 1, written as the worker starts it. */
async function startedRecord(s: Stack, owner: string): Promise<string> {
  const task = await createRecord(s, owner);
  await s.store.apply(task.id, 'start', { startedAt: Date.now(), progress: 0, error: '', nextAttemptAt: '' }, { attempt: 1 });
  return task.id;
}

/** Queues attempt 1 of a task as the product does (TaskAttempts.enqueue): its job is kept as long as its record. */
function queueAttempt(s: Stack, taskId: string): Promise<unknown> {
  const age = s.config.task.retentionS;
  return s.queue.add('run', { taskId, attempt: 1 }, { jobId: taskId, attempts: 1, removeOnComplete: { age }, removeOnFail: { age } });
}

/** `n` records (one per new session), IN_PROGRESS, written through the product's store. */
async function runningTasks(s: Stack, n: number): Promise<Array<Session & { taskId: string }>> {
  const out: Array<Session & { taskId: string }> = [];
  for (let i = 0; i < n; i += 500) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, async () => {
        const session = newSession(s.secret);
        return { ...session, taskId: await startedRecord(s, session.user) };
      }),
    );
    out.push(...batch);
  }
  return out;
}

async function connectAll(s: Stack, modeName: 'system' | 'raw', subs: Sub[]): Promise<void> {
  const url = modeName === 'system' ? s.gqlWs : s.rawRelay.ready[1];
  await connectSplit(s, modeName, subs, (part) => ({ type: 'connect', mode: modeName, url, subs: part, concurrency: 25, timeoutMs: 60_000 }));
}

/** Spreads `subs` over the load clients with `command`; throws if any subscription failed. */
async function connectSplit(s: Stack, what: string, subs: Sub[], command: (part: Sub[]) => Command): Promise<void> {
  const parts = split(subs, s.clients.length);
  const started = Date.now();
  const replies = await Promise.all(s.clients.map((c, i) => c.call(command(parts[i]))));
  const failures = replies.reduce((a, r) => a + r.failures, 0);
  log(`${what}: ${subs.length} subscriptions in ${((Date.now() - started) / 1000).toFixed(1)} s${failures ? `, ${failures} FAILED` : ''}`);
  if (failures > 0) throw new Error(`${failures} ${what} subscriptions failed`);
}

async function closeAll(s: Stack): Promise<void> {
  await Promise.all(s.clients.map((c) => c.call({ type: 'close' })));
}

/** Sum of cpuMs over processes. */
const cpuOf = (pids: number[]) => pids.reduce((a, pid) => a + cpuMs(pid), 0);

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS = 100;

// ───────────────────────── status latency ─────────────────────────

interface Trial {
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
  /** CPU per delivered event in the two middle processes (backend API / raw-sub, frontend / raw-relay), µs. */
  cpuFirstUs: number;
  cpuSecondUs: number;
  /** Redis CPU per delivered event, µs: the CAS script against a bare PUBLISH. */
  cpuRedisUs: number;
  /** Redis's time per write (INFO commandstats: the script, or the PUBLISH), µs. */
  redisUsPerWrite: number;
  /** p50 of the writes' Redis acknowledgement time, ms. */
  ackP50: number;
}

/** Writes made to each task so far, over all trials (raw ids included: the same payload sizes). */
const progressWrites = new Map<string, number>();

/**
 * The progress of a task's next write, as the simulated kind reports it: 5 %, 10 %, … 95 %,
 * then again from 5 %. The timeline keeps PROGRESS at each 10 % step only, so the pattern sets
 * how many writes append an event: 9 in 19 here, as a worker's; the increments of 20 % used
 * before the timeline (any value did then) appended one on four writes in five.
 */
function nextProgress(id: string): number {
  const n = progressWrites.get(id) ?? 0;
  progressWrites.set(id, n + 1);
  return 5 * (1 + (n % 19));
}

/**
 * Writes `rate` status events per second for `seconds`, round robin over `tasks`, stamping each
 * write with hrtime just before it is sent; then matches the clients' receipts by (id, version).
 * Writes go out every `paceMs` (5: in clumps of ~10, the goal's measure; 1: spread out, closer
 * to independent writers, see `spread` in latencyPhase). `before` is the system with the CAS
 * script as it was before the timeline (bench/raw/cas-before.ts), on the same tasks.
 */
async function trial(
  s: Stack,
  which: 'system' | 'raw' | 'before',
  taskIds: string[],
  rawVersions: Map<string, number>,
  seconds: number,
  rawChannelPrefix = 'raw:',
  paceMs = 5,
): Promise<Trial> {
  await Promise.all(s.clients.map((c) => c.call({ type: 'record', on: true })));
  const [first, second] = which === 'raw' ? [s.rawSub.pid, s.rawRelay.pid] : [s.api.pid, s.frontend.pid];
  const redisPid = s.redis.process.pid!;
  // ioredis sends a defined script as EVALSHA (EVAL once, if Redis lacks it).
  const writeCommands = which === 'raw' ? ['publish'] : ['evalsha', 'eval'];
  const timeBefore = await commandTime(s.redisClient, writeCommands);
  const cpuBefore = [cpuMs(first), cpuMs(second), cpuMs(redisPid)];
  const stamps = new Map<string, number>();
  /** How long each write took to be acknowledged by Redis (ms): where a backlog starts. */
  const acks: number[] = [];
  const total = Math.round(P.rate * seconds);
  const start = Date.now();
  let sent = 0;
  const writes: Promise<unknown>[] = [];
  const payloadBase = { owner: 'x'.repeat(32), status: 'IN_PROGRESS', createdAt: String(Date.now()), startedAt: String(Date.now()) };
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * P.rate) + 1);
    for (; sent < due; sent++) {
      const id = taskIds[sent % taskIds.length];
      const progress = nextProgress(id);
      if (which === 'system') {
        const t = now();
        writes.push(
          s.store.apply(id, 'progress', { progress }, { attempt: 1 }).then((r: any) => {
            acks.push((now() - t) / 1e6);
            if (r.applied) stamps.set(`${id}:${r.task.version}`, t);
          }),
        );
      } else if (which === 'before') {
        const t = now();
        writes.push(
          s.writeBefore(id, progress).then((json) => {
            acks.push((now() - t) / 1e6);
            if (json) stamps.set(`${id}:${recordFromSnapshot(json).version}`, t);
          }),
        );
      } else {
        const version = (rawVersions.get(id) ?? 1) + 1;
        rawVersions.set(id, version);
        const t = now();
        stamps.set(`${id}:${version}`, t);
        writes.push(
          s.redisClient
            .publish(`${rawChannelPrefix}${id}`, JSON.stringify({ id, ...payloadBase, progress: String(progress), version: String(version) }))
            .then(() => acks.push((now() - t) / 1e6)),
        );
      }
    }
    await sleep(paceMs);
  }
  await Promise.all(writes);
  // Let the tail arrive: until every write was received, or nothing new came for 3 s (bounded).
  const expected = which === 'raw' ? total : stamps.size;
  let last = -1;
  let lastChange = Date.now();
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const n = (await Promise.all(s.clients.map((c) => c.call({ type: 'count' })))).reduce((a, r) => a + r.n, 0);
    if (n >= expected) break;
    if (n !== last) [last, lastChange] = [n, Date.now()];
    else if (Date.now() - lastChange > 3000) break;
    await sleep(100);
  }
  await Promise.all(s.clients.map((c) => c.call({ type: 'record', on: false })));
  const cpuAfter = [cpuMs(first), cpuMs(second), cpuMs(redisPid)];
  const timeAfter = await commandTime(s.redisClient, writeCommands);
  const latencies: number[] = [];
  for (const c of s.clients) {
    const r = await c.call({ type: 'collect' });
    for (let i = 0; i < r.ids.length; i++) {
      const t = stamps.get(`${r.ids[i]}:${r.versions[i]}`);
      if (t !== undefined) latencies.push((r.t[i] - t) / 1e6);
    }
  }
  latencies.sort((a, b) => a - b);
  const perEvent = (i: number) => ((cpuAfter[i] - cpuBefore[i]) * 1000) / Math.max(1, latencies.length);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    delivered: latencies.length,
    expected: stamps.size,
    cpuFirstUs: perEvent(0),
    cpuSecondUs: perEvent(1),
    cpuRedisUs: perEvent(2),
    redisUsPerWrite: (timeAfter.usec - timeBefore.usec) / Math.max(1, timeAfter.calls - timeBefore.calls),
    ackP50: percentile(
      acks.sort((a, b) => a - b),
      50,
    ),
  };
}

async function latencyPhase(s: Stack, subs: number, pairs: number, seconds: number, memoryAt?: number) {
  log(`status latency: ${subs} subscriptions, ${P.rate} events/s, ${pairs} pairs of ${seconds} s`);
  const tasks = await runningTasks(s, subs);
  const rawIds = tasks.map(() => randomUUID());
  const systemSubs = tasks.map((t) => ({ taskId: t.taskId, cookie: t.cookie }));
  const rawSubs = rawIds.map((id) => ({ taskId: id }));
  let memory: MemoryResult | undefined;
  if (memoryAt) {
    // Memory per subscription on the way up: after GC with none, then with `memoryAt` of them.
    const n = Math.min(memoryAt, subs);
    await sleep(1500);
    const before = await memorySnapshot(s);
    await connectAll(s, 'system', systemSubs.slice(0, n));
    await connectAll(s, 'raw', rawSubs.slice(0, n));
    await sleep(1500);
    memory = perSubscription(before, await memorySnapshot(s), n);
    await connectAll(s, 'system', systemSubs.slice(n));
    await connectAll(s, 'raw', rawSubs.slice(n));
  } else {
    await connectAll(s, 'system', systemSubs);
    await connectAll(s, 'raw', rawSubs);
  }
  const upstreamSockets = tcpConnectionsTo(Number(new URL(s.api.url).port));
  const rawVersions = new Map<string, number>();
  const taskIds = tasks.map((t) => t.taskId);
  const system: Trial[] = [];
  const raw: Trial[] = [];
  // The timeline's cost (at 1,000 subscriptions only): each pair also runs the same writes
  // through the CAS script as it was before the timeline, before or after the system's trial
  // in turn, so neither side always follows the raw trial; then `timelinePairs` more pairs of
  // the two alone, since a 10 % bound needs more pairs than this machine's noise allows in 5.
  const timeline = { system: [] as Trial[], before: [] as Trial[] };
  const beforeTrial = async () => {
    if (!memoryAt) timeline.before.push(await trial(s, 'before', taskIds, rawVersions, seconds));
  };
  for (let i = 0; i < pairs; i++) {
    raw.push(await trial(s, 'raw', rawIds, rawVersions, seconds));
    if (i % 2 === 1) await beforeTrial();
    system.push(await profiled(s, `latency-${subs}-${i}`, undefined, () => trial(s, 'system', taskIds, rawVersions, seconds)));
    if (i % 2 === 0) await beforeTrial();
    if (!memoryAt) timeline.system.push(system.at(-1)!);
    logPair(`pair ${i + 1}`, raw.at(-1)!, system.at(-1)!, timeline.before.at(-1));
  }
  for (let i = 0; !memoryAt && i < P.timelinePairs; i++) {
    if (i % 2 === 1) await beforeTrial();
    timeline.system.push(await trial(s, 'system', taskIds, rawVersions, seconds));
    if (i % 2 === 0) await beforeTrial();
    log(
      `  timeline pair ${i + 1}: system p50 ${timeline.system.at(-1)!.p50.toFixed(2)} p99 ${timeline.system.at(-1)!.p99.toFixed(2)} ms ` +
        `(${timeline.system.at(-1)!.redisUsPerWrite.toFixed(1)} µs per write), before the timeline p50 ` +
        `${timeline.before.at(-1)!.p50.toFixed(2)} p99 ${timeline.before.at(-1)!.p99.toFixed(2)} ms (${timeline.before.at(-1)!.redisUsPerWrite.toFixed(1)} µs per write)`,
    );
  }
  // Information: the same writes spread out (about two per ~1 ms round, not ten per 5 ms). In
  // clumps, each hop works through a burst before the median event is out, so CPU per event
  // shows up as latency; spread out, the hops' fixed costs (wake-ups, syscalls) dominate.
  const spread = { system: [] as Trial[], raw: [] as Trial[] };
  for (let i = 0; !memoryAt && hops && i < Math.min(3, pairs); i++) {
    spread.raw.push(await trial(s, 'raw', rawIds, rawVersions, seconds, 'raw:', 1));
    spread.system.push(await trial(s, 'system', taskIds, rawVersions, seconds, 'raw:', 1));
    logPair(`spread out, pair ${i + 1}`, spread.raw.at(-1)!, spread.system.at(-1)!);
  }
  await closeAll(s);
  await sleep(500);
  const hopTrials = hops && !memoryAt ? await hopPhase(s, tasks, rawIds, rawVersions, seconds, Math.min(3, pairs)) : undefined;
  return {
    system,
    raw,
    timeline: timeline.before.length > 0 ? timeline : undefined,
    upstreamSockets,
    memory,
    hops: hopTrials,
    spread: spread.system.length > 0 ? spread : undefined,
  };
}

function logPair(what: string, r: Trial, y: Trial, b?: Trial): void {
  const side = (name: string, t: Trial) =>
    `${name} p50 ${t.p50.toFixed(2)} p99 ${t.p99.toFixed(2)} ms (${t.delivered}/${t.expected}), CPU/event ` +
    `${t.cpuFirstUs.toFixed(0)}+${t.cpuSecondUs.toFixed(0)} µs (Redis ${t.cpuRedisUs.toFixed(0)}, ${t.redisUsPerWrite.toFixed(1)} µs per write)`;
  log(
    `  ${what}: ${side('raw', r)}; ${side('system', y)}, write ack p50 ${y.ackP50.toFixed(2)} ms (raw ${r.ackP50.toFixed(2)})` +
      (b ? `; ${side('before the timeline', b)}` : ''),
  );
}

/**
 * Where the latency goes (--hops): the same status writes (same rate, same tasks) received
 * earlier on the path. At Redis: system writes (the CAS script) and raw PUBLISHes watched by
 * plain Redis subscribers, interleaved in pairs like the main trials; at the backend API:
 * system writes watched over one multiplexed graphql-ws socket per load client, as the
 * gateway holds it. Information only, measured after the main pairs.
 */
async function hopPhase(
  s: Stack,
  tasks: Array<Session & { taskId: string }>,
  rawIds: string[],
  rawVersions: Map<string, number>,
  seconds: number,
  pairs: number,
) {
  const taskIds = tasks.map((t) => t.taskId);
  const connect = (mode: 'backend' | 'redis', subs: Sub[]) => {
    const url = mode === 'redis' ? s.redis.url : s.api.url.replace(/^http/, 'ws');
    return connectSplit(s, `watched at ${mode}`, subs, (part) => ({ type: 'connect-hop', mode, url, token: s.token, subs: part, timeoutMs: 60_000 }));
  };
  const atRedis = { system: [] as Trial[], raw: [] as Trial[], before: [] as Trial[] };
  await connect('redis', [
    ...tasks.map((t) => ({ taskId: t.taskId, channel: s.keys.taskChannel(t.taskId) })),
    // Not raw-sub's channels: nothing but these subscribers may spend CPU on the raw messages.
    ...rawIds.map((id) => ({ taskId: id, channel: `rawhop:${id}` })),
  ]);
  for (let i = 0; i < pairs; i++) {
    atRedis.raw.push(await trial(s, 'raw', rawIds, rawVersions, seconds, 'rawhop:'));
    // The CAS script before the timeline too, before or after the system's in turn (as in latencyPhase).
    if (i % 2 === 1) atRedis.before.push(await trial(s, 'before', taskIds, rawVersions, seconds));
    atRedis.system.push(await trial(s, 'system', taskIds, rawVersions, seconds));
    if (i % 2 === 0) atRedis.before.push(await trial(s, 'before', taskIds, rawVersions, seconds));
    log(
      `  watched at Redis, pair ${i + 1}: raw PUBLISH p50 ${atRedis.raw.at(-1)!.p50.toFixed(2)} ms, system CAS p50 ` +
        `${atRedis.system.at(-1)!.p50.toFixed(2)} ms, CAS before the timeline p50 ${atRedis.before.at(-1)!.p50.toFixed(2)} ms`,
    );
  }
  await closeAll(s);
  const atBackend: Trial[] = [];
  await connect(
    'backend',
    tasks.map((t) => ({ taskId: t.taskId, user: t.user })),
  );
  for (let i = 0; i < pairs; i++) {
    atBackend.push(await trial(s, 'system', taskIds, rawVersions, seconds));
    log(
      `  watched at the backend API, trial ${i + 1}: p50 ${atBackend.at(-1)!.p50.toFixed(2)} p99 ` +
        `${atBackend.at(-1)!.p99.toFixed(2)} ms (${atBackend.at(-1)!.delivered}/${atBackend.at(-1)!.expected})`,
    );
  }
  await closeAll(s);
  return { atRedis, atBackend };
}

// ───────────────────────── memory per subscription ─────────────────────────

type Snapshot = Record<'frontend' | 'api' | 'rawRelay' | 'rawSub', Memory>;

async function memorySnapshot(s: Stack): Promise<Snapshot> {
  return {
    frontend: await s.inspect.frontend.memoryAfterGc(),
    api: await s.inspect.api.memoryAfterGc(),
    rawRelay: await s.inspect.rawRelay.memoryAfterGc(),
    rawSub: await s.inspect.rawSub.memoryAfterGc(),
  };
}

interface MemoryResult {
  n: number;
  frontendHeapKB: number;
  frontendRssKB: number;
  apiHeapKB: number;
  apiRssKB: number;
  rawRelayHeapKB: number;
  rawRelayRssKB: number;
  rawSubHeapKB: number;
}

function perSubscription(before: Snapshot, after: Snapshot, n: number): MemoryResult {
  const per = (k: keyof Snapshot, f: keyof Memory) => (after[k][f] - before[k][f]) / n / 1024;
  log(
    `  per subscription (${n}): frontend heap ${per('frontend', 'heapUsed').toFixed(1)} KB, RSS ` +
      `${per('frontend', 'rss').toFixed(1)} KB; backend heap ${per('api', 'heapUsed').toFixed(1)} KB; raw relay heap ` +
      `${per('rawRelay', 'heapUsed').toFixed(1)} KB`,
  );
  return {
    n,
    frontendHeapKB: per('frontend', 'heapUsed'),
    frontendRssKB: per('frontend', 'rss'),
    apiHeapKB: per('api', 'heapUsed'),
    apiRssKB: per('api', 'rss'),
    rawRelayHeapKB: per('rawRelay', 'heapUsed'),
    rawRelayRssKB: per('rawRelay', 'rss'),
    rawSubHeapKB: per('rawSub', 'heapUsed'),
  };
}

// ───────────────────────── subscription set-up rate ─────────────────────────

async function setupPhase(s: Stack, n: number, pairs: number) {
  log(`set-up rate: ${n} clients connecting and subscribing, ${pairs} pairs`);
  const tasks = await runningTasks(s, n);
  const run = async (url: string, subs: Sub[]) => {
    const parts = split(subs, s.clients.length);
    const replies = await Promise.all(s.clients.map((c, i) => c.call({ type: 'setup', url, subs: parts[i], concurrency: 25, timeoutMs: 60_000 })));
    const ok = replies.reduce((a, r) => a + r.ok, 0);
    const ms = Math.max(...replies.map((r) => r.ms));
    if (ok !== n) throw new Error(`set-up: ${n - ok} of ${n} failed`);
    return (ok / ms) * 1000;
  };
  const system: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < pairs; i++) {
    raw.push(
      await run(
        s.rawGqlws.ready[1],
        tasks.map((t) => ({ taskId: t.taskId })),
      ),
    );
    system.push(
      await run(
        s.gqlWs,
        tasks.map((t) => ({ taskId: t.taskId, cookie: t.cookie })),
      ),
    );
    log(`  pair ${i + 1}: raw ${raw.at(-1)!.toFixed(0)}/s, system ${system.at(-1)!.toFixed(0)}/s`);
    await sleep(300);
  }
  return { system, raw };
}

// ───────────────────────── throughput ─────────────────────────

async function drainPhase(s: Stack, n: number, fanout: number, pairs: number) {
  log(`processing throughput: drain ${n} queued jobs (${fanout} watched through the frontend), ${pairs} pairs`);
  const url = new URL(s.redis.url);
  const rawPrefix = `rawdrain${Date.now().toString(36)}`;
  const rawQueue = new Queue('rawq', { connection: { host: url.hostname, port: Number(url.port) }, prefix: rawPrefix });
  const system: number[] = [];
  const raw: number[] = [];
  let undelivered = 0;
  /** CPU per job: raw worker + Redis; system: API + frontend + worker + Redis (fan-out included). */
  const rawCpuMs: number[] = [];
  const systemCpuMs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    // Raw: N jobs pre-added, then a worker process drains them.
    await rawQueue.addBulk(
      Array.from({ length: n }, (_, j) => ({ name: 'run', data: {}, opts: { jobId: `d${i}-${j}`, removeOnComplete: true, removeOnFail: true } })),
    );
    const rawWorker = await spawnService(
      process.execPath,
      ['--import', tsx, join(REPO_ROOT, 'bench/raw/raw-bullmq.ts')],
      { REDIS_URL: s.redis.url, RAW_ROLE: 'worker', RAW_PREFIX: rawPrefix, RAW_DRAIN_N: String(n) },
      /raw worker ready/,
      { name: 'raw-worker' },
    );
    const rawCpu0 = cpuOf([rawWorker.pid, s.redis.process.pid!]);
    const drained = await rawWorker.logs.waitFor(/drained (\d+) (\d+)/, 300_000);
    raw.push((n / Number(drained[2])) * 1000);
    rawCpuMs.push((cpuOf([rawWorker.pid, s.redis.process.pid!]) - rawCpu0) / n);
    await rawWorker.stop();

    // System: N records + jobs written as createTask writes them; `fanout` of them watched.
    const sessions = Array.from({ length: fanout }, () => newSession(s.secret));
    const ids: string[] = [];
    for (let j = 0; j < n; j += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, n - j) }, async (_, k) => {
          const owner = j + k < fanout ? sessions[j + k].user : `drain${i}`;
          const task = await createRecord(s, owner);
          await queueAttempt(s, task.id);
          return task.id;
        }),
      );
      ids.push(...batch);
    }
    await connectAll(
      s,
      'system',
      sessions.map((sess, j) => ({ taskId: ids[j], cookie: sess.cookie })),
    );
    const worker = await startWorker(s);
    const pids = [s.api.pid, s.frontend.pid, worker.pid, s.redis.process.pid!];
    const cpu0 = cpuOf(pids);
    const each0 = pids.map(cpuMs);
    // Drained: every task of this pair is final (the live index also loses earlier phases'
    // leftovers to the reconciler, so its size alone can match before any work is done).
    await profiled(s, `drain-${i}`, worker, () =>
      waitUntil(async () => (await s.redisClient.smismember(s.keys.liveTasks, ...ids)).every((m) => m === 0), {
        timeoutMs: 300_000,
        intervalMs: 20,
        what: 'queue drained',
      }),
    );
    const split = pids.map((pid, k) => (cpuMs(pid) - each0[k]) / n);
    // The worker may consume before its ready line is read, so the span comes from the records
    // themselves: first start to last finish of this pair's tasks.
    const records = await Promise.all(ids.map((id) => s.store.get(id)));
    const first = Math.min(...records.map((r) => Date.parse(r!.startedAt ?? r!.createdAt)));
    const last = Math.max(...records.map((r) => Date.parse(r!.finishedAt!)));
    system.push((n / Math.max(1, last - first)) * 1000);
    systemCpuMs.push((cpuOf(pids) - cpu0) / n);
    await worker.stop();
    await sleep(1000);
    const finals = new Map<string, string>();
    for (const c of s.clients) for (const [id, st] of Object.entries((await c.call({ type: 'collect' })).finals)) finals.set(id, st as string);
    undelivered += ids.slice(0, fanout).filter((id) => finals.get(id) !== 'FINISHED').length;
    await closeAll(s);
    log(
      `  pair ${i + 1}: raw ${raw.at(-1)!.toFixed(0)} jobs/s (CPU/job ${rawCpuMs.at(-1)!.toFixed(2)} ms), system ` +
        `${system.at(-1)!.toFixed(0)} tasks/s (CPU/task ${systemCpuMs.at(-1)!.toFixed(2)} ms = API + frontend + worker ` +
        `+ Redis ${split.map((x) => x.toFixed(2)).join(' + ')})`,
    );
  }
  await rawQueue.obliterate({ force: true }).catch(() => undefined);
  await rawQueue.close();
  return { system, raw, undelivered, rawCpuMs, systemCpuMs };
}

// ───────────────────────── Redis memory per retained task ─────────────────────────

/**
 * What a finished task keeps in Redis through its retention window: its record, its timeline
 * and its job (completed jobs are kept as long: removeOnComplete's age). `n` tasks queued as
 * `createTask` queues them, run by a worker, each a second long, so each reports progress at
 * every 10 % and its timeline holds what any task of a second or more holds (CREATED,
 * ATTEMPT_STARTED, the "Planned" log line, 9 PROGRESS, ENDED); then each key's MEMORY USAGE
 * (SAMPLES 0: exact). The baseline is the same tasks without their timelines: what a finished
 * task kept before the timeline (its record has grown by the attempts and kinds fields too).
 */
async function retainedPhase(s: Stack, n: number) {
  log(`Redis memory per retained task: ${n} tasks of 1 s run to their end by a worker`);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const task = await createRecord(s, 'retained');
    await queueAttempt(s, task.id);
    ids.push(task.id);
  }
  const jobKey = (id: string) => `${s.keys.bullPrefix}:tasks:${id}`;
  const worker = await startWorker(s, { TASK_MIN_DURATION_MS: '1000', TASK_MAX_DURATION_MS: '1000' });
  try {
    // Final, and the job completed (BullMQ moves it after the processor's final write).
    await waitUntil(
      async () => {
        const done = await Promise.all(ids.map((id) => s.redisClient.hexists(jobKey(id), 'finishedOn')));
        return done.every((d) => d === 1) && (await s.redisClient.smismember(s.keys.liveTasks, ...ids)).every((m) => m === 0);
      },
      { timeoutMs: 120_000, intervalMs: 100, what: 'retained tasks finished' },
    );
  } finally {
    await worker.stop();
  }
  const usage = async (key: string) => Number(await s.redisClient.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) || 0;
  const sum = { record: 0, timeline: 0, job: 0, events: 0 };
  for (const id of ids) {
    sum.record += await usage(s.keys.task(id));
    sum.timeline += await usage(s.keys.taskEvents(id));
    sum.job += await usage(jobKey(id));
    sum.events += await s.redisClient.llen(s.keys.taskEvents(id));
  }
  const per = { recordB: sum.record / n, timelineB: sum.timeline / n, jobB: sum.job / n, events: sum.events / n };
  log(
    `  per task: record ${per.recordB.toFixed(0)} B + timeline ${per.timelineB.toFixed(0)} B (${per.events.toFixed(1)} events) + job ` +
      `${per.jobB.toFixed(0)} B`,
  );
  return { n, ...per };
}

interface Floor {
  /** CPU per request / per watch in API + frontend + Redis, and in the load client, ms. */
  httpMs: number;
  wsMs: number;
  clientMs: number;
}

/**
 * What the two tiers cost per task when the task costs nothing: `n` one-task list queries over
 * HTTP (createTask's way in) and `n` sockets that each subscribe to a task already final
 * (snapshot, complete, close: a task's watch), INFLIGHT sessions at a time.
 */
async function floorRun(s: Stack, n: number): Promise<Floor> {
  const sessions = Array.from({ length: INFLIGHT }, () => newSession(s.secret));
  const taskIds: string[] = [];
  for (const session of sessions) {
    const id = await startedRecord(s, session.user);
    await s.store.apply(id, 'finish', { progress: 100, finishedAt: Date.now() }, { attempt: 1 });
    taskIds.push(id);
  }
  const pids = [s.api.pid, s.frontend.pid, s.redis.process.pid!];
  const clientPid = s.clients[0].child.pid!;
  const measure = async (kind: 'query' | 'watch') => {
    const cpu0 = cpuOf(pids);
    const client0 = cpuMs(clientPid);
    const r = await profiled(s, `floor-${kind}`, undefined, () =>
      s.clients[0].call({
        type: 'floor',
        kind,
        httpUrl: s.gqlHttp,
        wsUrl: s.gqlWs,
        cookies: sessions.map((x) => x.cookie),
        taskIds,
        total: n,
        timeoutMs: 60_000,
      }),
    );
    if (r.failures > 0) throw new Error(`floor ${kind}: ${r.failures} failures`);
    return { server: (cpuOf(pids) - cpu0) / n, client: (cpuMs(clientPid) - client0) / n };
  };
  const http = await measure('query');
  const ws = await measure('watch');
  return { httpMs: http.server, wsMs: ws.server, clientMs: http.client + ws.client };
}

async function fullPathPhase(s: Stack, n: number, pairs: number) {
  log(`full-path throughput: ${n} tasks, ${INFLIGHT} in flight, one warm-up round, then ${pairs} pairs`);
  const worker = await startWorker(s);
  const rawPrefix = `rawe2e${Date.now().toString(36)}`;
  const rawWorker = await spawnService(
    process.execPath,
    ['--import', tsx, join(REPO_ROOT, 'bench/raw/raw-bullmq.ts')],
    { REDIS_URL: s.redis.url, RAW_ROLE: 'worker', RAW_PREFIX: rawPrefix },
    /raw worker ready/,
    { name: 'raw-worker' },
  );
  const clientPid = s.clients[0].child.pid!;

  /** Raw: a producer process adds `count` jobs, INFLIGHT at a time, each awaited until completed. */
  const runRaw = async (count: number) => {
    const pids = [rawWorker.pid, s.redis.process.pid!];
    const cpu0 = cpuOf(pids);
    const producer = await spawnService(
      process.execPath,
      ['--import', tsx, join(REPO_ROOT, 'bench/raw/raw-bullmq.ts')],
      { REDIS_URL: s.redis.url, RAW_ROLE: 'producer', RAW_PREFIX: rawPrefix, RAW_TOTAL: String(count), RAW_INFLIGHT: String(INFLIGHT) },
      /e2e (\d+) (\d+) cpu (\d+)/,
      { name: 'raw-producer', readyTimeoutMs: 120_000 },
    );
    await producer.stop();
    // The producer stands where the load client stands; it reports its own CPU.
    return { rate: (count / Number(producer.ready[2])) * 1000, cpuMs: (cpuOf(pids) - cpu0) / count, clientCpuMs: Number(producer.ready[3]) / count };
  };

  /** System: `count` tasks through the frontend, INFLIGHT sessions at a time, each watched to its end. */
  const runSystem = async (count: number, label: string) => {
    const cookies = Array.from({ length: INFLIGHT }, () => newSession(s.secret).cookie);
    const pids = [s.api.pid, s.frontend.pid, worker.pid, s.redis.process.pid!];
    const each0 = pids.map(cpuMs);
    const client0 = cpuMs(clientPid);
    const r = await profiled(s, label, worker, () =>
      s.clients[0].call({ type: 'fullpath', httpUrl: s.gqlHttp, wsUrl: s.gqlWs, cookies, total: count, timeoutMs: 60_000 }),
    );
    if (r.failures > 0) throw new Error(`full path: ${r.failures} failures ${JSON.stringify(r.notFinished)}`);
    const per = (ms: number) => ms / Math.max(1, r.finished);
    const split = pids.map((pid, k) => per(cpuMs(pid) - each0[k]));
    return {
      rate: (r.finished / r.ms) * 1000,
      notFinished: count - r.finished,
      cpuMs: split.reduce((a, b) => a + b, 0),
      split,
      // The load client stands for the browsers; on this machine it shares the cores too.
      clientCpuMs: per(cpuMs(clientPid) - client0),
      medians: r.medians as Record<string, number>,
    };
  };

  const system: number[] = [];
  const raw: number[] = [];
  let notFinished = 0;
  const cpuPerTaskMs: number[] = [];
  const cpuSplitMs: number[][] = [];
  const clientCpuMs: number[] = [];
  const rawCpuMs: number[] = [];
  const rawClientCpuMs: number[] = [];
  let floor: Floor | undefined;
  try {
    // Untimed: both sides' code paths get compiled first (the first pair used to run ~40% slower).
    await runRaw(Math.ceil(n / 2));
    await runSystem(Math.ceil(n / 2), 'fullpath-warmup');
    for (let i = 0; i < pairs; i++) {
      const r = await runRaw(n);
      raw.push(r.rate);
      rawCpuMs.push(r.cpuMs);
      rawClientCpuMs.push(r.clientCpuMs);
      const y = await runSystem(n, `fullpath-${i}`);
      system.push(y.rate);
      notFinished += y.notFinished;
      cpuPerTaskMs.push(y.cpuMs);
      cpuSplitMs.push(y.split);
      clientCpuMs.push(y.clientCpuMs);
      const m = y.medians;
      log(
        `  pair ${i + 1}: raw ${r.rate.toFixed(0)} jobs/s (CPU per job in worker + Redis ${r.cpuMs.toFixed(2)} ms, ` +
          `producer ${r.clientCpuMs.toFixed(2)} ms), system ${y.rate.toFixed(0)} tasks/s (CPU per task in API + frontend ` +
          `+ worker + Redis ${y.cpuMs.toFixed(2)} ms = ${y.split.map((x) => x.toFixed(2)).join(' + ')}, load client ` +
          `${y.clientCpuMs.toFixed(2)} ms; median createTask ${m.create.toFixed(1)} ms, then first message after ` +
          `${m.firstMessage.toFixed(1)} ms, final after ${m.final.toFixed(1)} ms)`,
      );
    }
    floor = await floorRun(s, n * 4);
    log(
      `  floor: the tiers' share of a task without the task: ${floor.httpMs.toFixed(2)} ms per HTTP query + ` +
        `${floor.wsMs.toFixed(2)} ms per watch on a page's socket (API + frontend + Redis), load client ` +
        `${floor.clientMs.toFixed(2)} ms`,
    );
  } finally {
    await rawWorker.stop();
    await worker.stop();
  }
  return { system, raw, notFinished, cpuPerTaskMs, cpuSplitMs, clientCpuMs, rawCpuMs, rawClientCpuMs, floor };
}

// ───────────────────────── cancel latency ─────────────────────────

async function cancelPhase(s: Stack, n: number) {
  log(`cancel latency: ${n} running tasks cancelled one after another through the frontend`);
  // Every task must be running at once: concurrency above their number.
  const worker = await startWorker(s, { TASK_MIN_DURATION_MS: '120000', TASK_MAX_DURATION_MS: '120000', WORKER_CONCURRENCY: String(n + 10) });
  const session = newSession(s.secret);
  const post = async (query: string, variables?: unknown) => {
    const res = await fetch(s.gqlHttp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as any;
  };
  const cookieWs = class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie: session.cookie } });
    }
  };
  // A socket holds at most WS_MAX_SUBSCRIPTIONS_PER_SOCKET (100) subscriptions: one per 50 tasks.
  const clients = Array.from({ length: Math.ceil(n / 50) }, () => createClient({ url: s.gqlWs, webSocketImpl: cookieWs, lazy: true, retryAttempts: 0 }));
  const latencies: number[] = [];
  try {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await post(BenchCreateDocument.toString())).data.createTask.id);
    const status = new Map<string, string>();
    const cancelledAt = new Map<string, number>();
    for (const [k, id] of ids.entries()) {
      clients[Math.floor(k / 50)].subscribe<any>(
        { query: BenchWatchDocument.toString(), variables: { id } },
        {
          next: (r) => {
            const st = r.data?.taskStatus?.status;
            if (!st) return;
            status.set(id, st);
            if (st === 'CANCELLED') cancelledAt.set(id, now());
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    }
    await waitUntil(() => ids.every((id) => status.get(id) === 'IN_PROGRESS'), { timeoutMs: 60_000, what: 'tasks running' });
    for (const id of ids) {
      const t0 = now();
      const r = await post(BenchCancelDocument.toString(), { id });
      if (r.data?.cancelTask?.status !== 'CANCELLED') throw new Error(`cancel: ${JSON.stringify(r)}`);
      await waitUntil(() => cancelledAt.get(id), { timeoutMs: 10_000, intervalMs: 1, what: 'CANCELLED at the subscriber' });
      latencies.push((cancelledAt.get(id)! - t0) / 1e6);
      await sleep(20);
    }
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await worker.stop();
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
}

// ───────────────────────── the table ─────────────────────────

export interface Row {
  /** Stable key (the metric's text carries sizes that depend on the profile). */
  id: string;
  metric: string;
  unit: string;
  system: number | null;
  baseline: number | null;
  ratio: number | null;
  goal: string;
  pass: boolean;
}

function fmt(x: number | null): string {
  return x === null ? '—' : String(x);
}

function printTable(rows: Row[]): void {
  const head = ['metric', 'system', 'baseline', 'ratio', 'goal', 'result'];
  const body = rows.map((r) => [
    r.metric,
    `${fmt(r.system)} ${r.unit}`,
    `${fmt(r.baseline)} ${r.baseline === null ? '' : r.unit}`.trim(),
    r.ratio === null ? '—' : `${r.ratio}×`,
    r.goal,
    r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  const started = Date.now();
  const s = await startStack();
  const apiPort = Number(new URL(s.api.url).port);
  try {
    const lat = runs('latency') ? await latencyPhase(s, P.subs, P.pairs, P.trialS) : undefined;
    const big = runs('big') ? await latencyPhase(s, P.bigSubs, P.bigPairs, P.bigTrialS, P.memSubs) : undefined;
    const setup = runs('setup') ? await setupPhase(s, P.setupN, P.setupPairs) : undefined;
    const drain = runs('drain') ? await drainPhase(s, P.drainN, P.fanout, P.drainPairs) : undefined;
    const retained = runs('retained') ? await retainedPhase(s, P.retainedN) : undefined;
    const full = runs('fullpath') ? await fullPathPhase(s, P.e2eN, P.e2ePairs) : undefined;
    const cancel = runs('cancel') ? await cancelPhase(s, P.cancelN) : undefined;
    // Issue 17: the stacks users copy from the docs (bench/peers/peers.ts), fewer and shorter rounds.
    const peers = runs('peers')
      ? await peersPhase({
          s,
          sizes: {
            ...{ subs: P.subs, bigSubs: P.bigSubs, e2eN: P.e2eN },
            // Five rounds at 1,000 (cheap): a p99 of three rounds there moved by more than the sides differ.
            ...{ pairs: Math.min(5, P.pairs), trialS: Math.min(3, P.trialS), bigPairs: Math.min(3, P.bigPairs), bigTrialS: Math.min(2, P.bigTrialS) },
            e2ePairs: Math.min(3, P.e2ePairs),
          },
          trial: (view, ids, seconds) => trial(view, 'system', ids, new Map(), seconds),
          runningTasks,
          connectAll: (view, subs) => connectAll(view, 'system', subs),
          closeAll,
          startWorker,
          newCookie: () => newSession(s.secret).cookie,
          cpuMs,
          log,
          inspectEnv: INSPECT,
          backendEnv: { ...commonBackendEnv(s.redis.url, s.prefix, s.token), BACKEND_ROLE: 'api' },
          frontendEnv: frontendEnv(undefined, s.token, s.secret),
        })
      : undefined;
    // Redis per task and the new features' cost (issue 17): bench/redis-cost.ts, bench/features.ts.
    const ctx: BenchContext = { mode, s, log, newSession, startedRecord, startWorker, closeAll, cpuMs };
    const redisCost = runs('redis') ? await redisPhase(ctx) : undefined;
    const features = runs('features') ? await featuresPhase(ctx) : undefined;

    const pairRatio = (sys: number[], raw: number[]) => median(sys.map((x, i) => x / raw[i]));
    const r2 = (x: number) => round(x, 2);
    const rows: Row[] = [];
    const ratioRow = (id: string, metric: string, unit: string, sys: number[], raw: number[], goal: string, ok: (ratio: number) => boolean) => {
      const ratio = pairRatio(sys, raw);
      rows.push({ id, metric, unit, system: r2(median(sys)), baseline: r2(median(raw)), ratio: r2(ratio), goal, pass: Number.isFinite(ratio) && ok(ratio) });
    };
    if (lat) {
      ratioRow(
        'latency_p50',
        `status latency p50, ${P.subs} subs, ${P.rate}/s`,
        'ms',
        lat.system.map((t) => t.p50),
        lat.raw.map((t) => t.p50),
        '≤ 1.5× raw chain',
        (r) => r <= 1.5,
      );
      ratioRow(
        'latency_p99',
        `status latency p99, ${P.subs} subs, ${P.rate}/s`,
        'ms',
        lat.system.map((t) => t.p99),
        lat.raw.map((t) => t.p99),
        '≤ 2× raw chain',
        (r) => r <= 2,
      );
      ratioRow(
        'cpu_event_backend',
        'CPU per status event, backend API (raw: raw-sub)',
        'µs',
        lat.system.map((t) => t.cpuFirstUs),
        lat.raw.map((t) => t.cpuFirstUs),
        'none (explains latency)',
        () => true,
      );
      ratioRow(
        'cpu_event_frontend',
        'CPU per status event, frontend (raw: raw-relay)',
        'µs',
        lat.system.map((t) => t.cpuSecondUs),
        lat.raw.map((t) => t.cpuSecondUs),
        'none (explains latency)',
        () => true,
      );
      ratioRow(
        'cpu_event_redis',
        'CPU per status event, Redis (raw: PUBLISH)',
        'µs',
        lat.system.map((t) => t.cpuRedisUs),
        lat.raw.map((t) => t.cpuRedisUs),
        'none (explains latency)',
        () => true,
      );
      if (lat.spread)
        ratioRow(
          'latency_p50_spread',
          `status latency p50, ${P.subs} subs, the same writes spread out (info)`,
          'ms',
          lat.spread.system.map((t) => t.p50),
          lat.spread.raw.map((t) => t.p50),
          'none (information)',
          () => true,
        );
      if (lat.timeline) {
        // The timeline's cost: the same writes through the CAS script before it (bench/raw/cas-before.ts).
        const { system, before } = lat.timeline;
        ratioRow(
          'timeline_latency_p50',
          `timeline append: status latency p50, ${P.subs} subs (baseline: the CAS script before the timeline)`,
          'ms',
          system.map((t) => t.p50),
          before.map((t) => t.p50),
          '≤ 1.1× before the timeline',
          (r) => r <= 1.1,
        );
        ratioRow(
          'timeline_latency_p99',
          `timeline append: status latency p99, ${P.subs} subs (baseline: the CAS script before the timeline)`,
          'ms',
          system.map((t) => t.p99),
          before.map((t) => t.p99),
          '≤ 1.1× before the timeline',
          (r) => r <= 1.1,
        );
        ratioRow(
          'timeline_redis_us_write',
          'timeline append: Redis time per status write, CAS script (baseline: before the timeline)',
          'µs',
          system.map((t) => t.redisUsPerWrite),
          before.map((t) => t.redisUsPerWrite),
          'none (explains latency)',
          () => true,
        );
        ratioRow(
          'timeline_cpu_event_redis',
          'CPU per status event, Redis (baseline: the CAS script before the timeline)',
          'µs',
          system.map((t) => t.cpuRedisUs),
          before.map((t) => t.cpuRedisUs),
          'none (explains latency)',
          () => true,
        );
      }
      if (lat.hops) {
        const { atRedis, atBackend } = lat.hops;
        ratioRow(
          'timeline_latency_p50_at_redis',
          'where it goes: p50 at Redis with the timeline (baseline: the CAS script before it)',
          'ms',
          atRedis.system.map((t) => t.p50),
          atRedis.before.map((t) => t.p50),
          'none (information)',
          () => true,
        );
        ratioRow(
          'latency_p50_at_redis',
          'where it goes: p50 at Redis, CAS write (raw: PUBLISH)',
          'ms',
          atRedis.system.map((t) => t.p50),
          atRedis.raw.map((t) => t.p50),
          'none (information)',
          () => true,
        );
        rows.push({
          id: 'latency_p50_at_backend',
          metric: 'where it goes: p50 at the backend API',
          unit: 'ms',
          system: r2(median(atBackend.map((t) => t.p50))),
          baseline: null,
          ratio: null,
          goal: 'none (information)',
          pass: true,
        });
      }
    }
    if (big) {
      const delivered = big.system.reduce((a, t) => a + t.delivered, 0);
      const expected = big.system.reduce((a, t) => a + t.expected, 0);
      const rawDelivered = big.raw.reduce((a, t) => a + t.delivered, 0);
      const rawExpected = big.raw.reduce((a, t) => a + t.expected, 0);
      rows.push({
        id: 'delivered_big',
        metric: `events delivered, ${P.bigSubs} subs`,
        unit: '%',
        system: round((100 * delivered) / expected, 3),
        baseline: round((100 * rawDelivered) / rawExpected, 3),
        ratio: null,
        goal: 'every event (100 %)',
        pass: delivered === expected && expected > 0,
      });
      ratioRow(
        'latency_p99_big',
        `status latency p99, ${P.bigSubs} subs, ${P.rate}/s`,
        'ms',
        big.system.map((t) => t.p99),
        big.raw.map((t) => t.p99),
        '≤ 3× raw chain',
        (r) => r <= 3,
      );
      ratioRow(
        'latency_p50_big',
        `status latency p50, ${P.bigSubs} subs (info)`,
        'ms',
        big.system.map((t) => t.p50),
        big.raw.map((t) => t.p50),
        'none (information)',
        () => true,
      );
    }
    if (full) {
      ratioRow(
        'throughput_full_path',
        'full-path throughput (createTask → all statuses delivered)',
        'tasks/s',
        full.system,
        full.raw,
        '≥ 0.3× raw BullMQ e2e',
        (r) => r >= 0.3 && full.notFinished === 0,
      );
      ratioRow(
        'cpu_task_full_path',
        'CPU per task, full path: API + frontend + worker + Redis (raw: worker + Redis)',
        'ms',
        full.cpuPerTaskMs,
        full.rawCpuMs,
        'none (explains throughput)',
        () => true,
      );
      ratioRow(
        'cpu_task_load_client',
        'CPU per task in the load client (raw: the producer)',
        'ms',
        full.clientCpuMs,
        full.rawClientCpuMs,
        'none (explains throughput)',
        () => true,
      );
      if (full.floor) {
        // On a machine whose cores are saturated, throughput ratio ≈ inverse ratio of all CPU per
        // task. The best case: tasks that cost the tiers only their floor, and the worker no more
        // than raw BullMQ's job. Raw's CPU per job (worker + Redis + producer) over that is the
        // highest full-path ratio these tiers can reach here.
        const rawJob = median(full.rawCpuMs) + median(full.rawClientCpuMs);
        const best = full.floor.httpMs + full.floor.wsMs + full.floor.clientMs + median(full.rawCpuMs);
        rows.push({
          id: 'cpu_floor_http',
          metric: 'floor: CPU per HTTP query through both tiers (API + frontend + Redis)',
          unit: 'ms',
          system: r2(full.floor.httpMs),
          baseline: null,
          ratio: null,
          goal: 'none (explains throughput)',
          pass: true,
        });
        rows.push({
          id: 'cpu_floor_ws',
          metric: "floor: CPU per watch on a page's socket (API + frontend + Redis)",
          unit: 'ms',
          system: r2(full.floor.wsMs),
          baseline: null,
          ratio: null,
          goal: 'none (explains throughput)',
          pass: true,
        });
        rows.push({
          id: 'throughput_full_path_ceiling',
          metric: 'full-path ceiling: raw CPU per job ÷ (floor + raw job + load client)',
          unit: 'ms',
          system: r2(best),
          baseline: r2(rawJob),
          ratio: r2(rawJob / best),
          goal: 'none (information)',
          pass: true,
        });
      }
    }
    if (drain)
      ratioRow(
        'throughput_drain',
        `processing throughput, ${P.fanout} watched`,
        'tasks/s',
        drain.system,
        drain.raw,
        '≥ 0.5× raw BullMQ drain',
        (r) => r >= 0.5 && drain.undelivered === 0,
      );
    if (retained)
      rows.push({
        id: 'timeline_memory_task',
        metric: 'Redis memory per retained task: record + timeline + job (baseline: record + job)',
        unit: 'KB',
        system: r2((retained.recordB + retained.timelineB + retained.jobB) / 1024),
        baseline: r2((retained.recordB + retained.jobB) / 1024),
        ratio: r2((retained.recordB + retained.timelineB + retained.jobB) / (retained.recordB + retained.jobB)),
        goal: 'none (information)',
        pass: true,
      });
    if (retained) rows.push(...retainedRows(retained));
    if (redisCost) rows.push(...redisRows(redisCost));
    if (features) rows.push(...featureRows(features));
    const memRow = (id: string, metric: string, sys: number, raw: number, limit: number) =>
      rows.push({ id, metric, unit: 'KB', system: round(sys, 1), baseline: round(raw, 1), ratio: r2(sys / raw), goal: `≤ ${limit} KB`, pass: sys <= limit });
    const mem = big?.memory;
    if (mem) {
      memRow('frontend_heap', `frontend heap per browser subscription (${mem.n})`, mem.frontendHeapKB, mem.rawRelayHeapKB, 24);
      memRow('frontend_rss', `frontend RSS per browser subscription (${mem.n})`, mem.frontendRssKB, mem.rawRelayRssKB, 48);
      memRow('backend_heap', `backend heap per upstream subscription (${mem.n})`, mem.apiHeapKB, mem.rawSubHeapKB, 12);
    }
    if (cancel) {
      rows.push({
        id: 'cancel_p99',
        metric: `cancel latency p99 (${cancel.n} cancels, light load)`,
        unit: 'ms',
        system: r2(cancel.p99),
        baseline: null,
        ratio: null,
        goal: '≤ 50 ms',
        pass: cancel.p99 <= 50,
      });
      rows.push({
        id: 'cancel_p50',
        metric: 'cancel latency p50 (info)',
        unit: 'ms',
        system: r2(cancel.p50),
        baseline: null,
        ratio: null,
        goal: 'none (information)',
        pass: true,
      });
    }
    if (setup)
      ratioRow('setup_rate', `subscription set-up rate (${P.setupN} clients)`, 'subs/s', setup.system, setup.raw, '≥ 0.5× raw graphql-ws', (r) => r >= 0.5);
    if (peers) rows.push(...peerRows(peers));
    if (lat && big)
      rows.push({
        id: 'upstream_sockets',
        metric: `upstream sockets at ${P.bigSubs} subs (baseline: at ${P.subs})`,
        unit: 'sockets',
        system: big.upstreamSockets,
        baseline: lat.upstreamSockets,
        ratio: null,
        goal: 'constant',
        pass: big.upstreamSockets === lat.upstreamSockets && big.upstreamSockets > 0,
      });

    const result = {
      date: new Date().toISOString(),
      mode,
      seconds: Math.round((Date.now() - started) / 1000),
      machine: {
        nproc: os.availableParallelism?.() ?? os.cpus().length,
        memGB: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
        loadavg: os.loadavg().map((x) => round(x, 2)),
      },
      profile: P,
      rows,
      raw: { latency: lat, latency10k: big, setup, drain, retained, fullPath: full, cancel, peers, redisCost, features },
    };
    printTable(rows);
    const json = JSON.stringify(result, null, 2);
    mkdirSync(join(REPO_ROOT, 'bench/out'), { recursive: true });
    writeFileSync(join(REPO_ROOT, 'bench/out/latest.json'), json);
    if (outArg) writeFileSync(outArg, json);
    if (keepHistory) saveHistory(result.date, { ...result, raw: undefined });
    log(`done in ${result.seconds} s; JSON in bench/out/latest.json${keepHistory ? ' and bench/history/' : ''}`);
    void apiPort;
  } finally {
    for (const c of s.clients) c.stop();
    for (const i of Object.values(s.inspect)) i.close();
    await s.queue.close();
    s.redisClient.disconnect();
    await Promise.all([s.frontend.stop(), s.api.stop(), s.rawSub.stop(), s.rawRelay.stop(), s.rawGqlws.stop()]);
    await s.redis.stop();
  }
}

/** Keeps the newest HISTORY_KEEP runs in bench/history (committed, so regressions show in review). */
const HISTORY_KEEP = 10;
function saveHistory(date: string, result: unknown): void {
  const dir = join(REPO_ROOT, 'bench/history');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const f of files.slice(0, Math.max(0, files.length - HISTORY_KEEP))) rmSync(join(dir, f));
}

main().then(
  () => process.exit(0),
  async (error) => {
    console.error(error instanceof Error ? error.stack : error);
    await killAllChildren();
    process.exit(1);
  },
);
