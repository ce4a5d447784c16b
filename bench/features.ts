/**
 * The new features' cost (`--only features`; docs/performance.md): a task's log lines to one
 * watcher (`taskEvents`), an owner's live list (`taskUpdates`) against `taskStatus` for the same
 * writes, and 1,000 watchers of one share link (`sharedTaskStatus`). As for the status latency
 * rows, this process writes through the product's own TaskStore (the scripts a worker runs) and
 * stamps each write; load-client processes subscribe through the frontend and stamp each receipt;
 * they are matched by (task id, seq) for timeline events and (task id, version) for statuses.
 * The raw chain (raw-sub, raw-relay) gets the same rate of PUBLISHes where a baseline fits.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BenchShareDocument } from '../operations/generated/graphql.js';
import { REPO_ROOT, sleep, type Memory } from '../testkit/index.js';
import type { BenchContext, BenchStack } from './context.js';
import type { FeatureCommand } from './feature-client.js';
import type { Sub } from './load-client.js';
import type { Row } from './run.js';
import { commandTime } from './redis-info.js';
import { median, percentile, round } from './stats.js';

const { TaskStore } = (await import(join(REPO_ROOT, 'backend/dist/tasks/task-store.js'))) as any;
const { LOG_LINES_PER_SECOND, LOG_BURST } = (await import(join(REPO_ROOT, 'backend/dist/tasks/task-log.js'))) as any;

const SIZES = {
  full: { pairs: 3, seconds: 4, logRate: 200, flood: 5000, ownerTasks: 50, listRate: 200, watchers: 1000, shareRate: 4, idleS: 4 },
  quick: { pairs: 2, seconds: 3, logRate: 200, flood: 3000, ownerTasks: 50, listRate: 200, watchers: 1000, shareRate: 4, idleS: 3 },
  smoke: { pairs: 1, seconds: 1, logRate: 50, flood: 100, ownerTasks: 5, listRate: 50, watchers: 20, shareRate: 4, idleS: 1 },
} as const;
/** Log lines in flight at once while flooding (the driver's window, as a busy worker would pipeline them). */
const FLOOD_WINDOW = 64;

const now = () => Number(process.hrtime.bigint());

interface Timed {
  p50: number;
  p99: number;
  /** Median over writes of the latency of its last receipt (for fan-out: the last watcher). */
  lastP50: number;
  delivered: number;
  expected: number;
  /** Writes the store refused (none, unless a task was not running). */
  refused: number;
  /** CPU per delivered message, per process in `pids` order, above the process's idle CPU (see measureIdle), µs. */
  cpuUs: number[];
  /** Redis's time per write command (INFO commandstats), µs. */
  redisUsPerWrite: number;
}

/**
 * Writes at `rate` per second for `seconds` (every 5 ms, as the status latency trials do), each
 * through `write(i)`, which answers the key its receipts will carry (`<id>:<seq or version>`);
 * each write is stamped just before it is sent. Then waits for `fanout` receipts per write and
 * matches them.
 */
async function timed(
  ctx: BenchContext,
  o: { rate: number; seconds: number; fanout: number; pids: number[]; commands: string[]; write: (i: number) => Promise<string | null> },
): Promise<Timed> {
  const { s } = ctx;
  await Promise.all(s.clients.map((c) => c.call({ type: 'record', on: true })));
  const cpu0 = o.pids.map(ctx.cpuMs);
  const wall0 = Date.now();
  const time0 = await commandTime(s.redisClient, o.commands);
  const stamps = new Map<string, number>();
  const total = Math.max(1, Math.round(o.rate * o.seconds));
  const writes: Promise<unknown>[] = [];
  const start = Date.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * o.rate) + 1);
    for (; sent < due; sent++) {
      const t = now();
      writes.push(o.write(sent).then((key) => key && stamps.set(key, t)));
    }
    await sleep(5);
  }
  await Promise.all(writes);
  const receipts = await waitForReceipts(ctx, stamps.size * o.fanout);
  const time1 = await commandTime(s.redisClient, o.commands);
  const cpu1 = o.pids.map(ctx.cpuMs);
  const wallS = (Date.now() - wall0) / 1000;
  const matched = match(receipts, stamps);
  return {
    ...matched,
    expected: stamps.size * o.fanout,
    refused: total - stamps.size,
    cpuUs: o.pids.map((pid, k) => (Math.max(0, cpu1[k] - cpu0[k] - (idle.get(pid) ?? 0) * wallS) * 1000) / Math.max(1, matched.delivered)),
    redisUsPerWrite: (time1.usec - time0.usec) / Math.max(1, time1.calls - time0.calls),
  };
}

/**
 * Each process's CPU while nothing is written (ms per s), subtracted from a trial's: at a few
 * hundred messages a second, timers and housekeeping (Redis's cron, the API's checks) would
 * otherwise be a large part of the CPU per message.
 */
const idle = new Map<number, number>();
async function measureIdle(ctx: BenchContext, pids: number[], seconds: number): Promise<void> {
  const cpu0 = pids.map(ctx.cpuMs);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const wallS = (Date.now() - t0) / 1000;
  for (const [k, pid] of pids.entries()) idle.set(pid, (ctx.cpuMs(pid) - cpu0[k]) / wallS);
}

type Receipts = { ids: string[]; versions: number[]; t: number[] };

/** Until `expected` receipts arrived, or nothing new came for 3 s (bounded); then collects them from every load client. */
async function waitForReceipts(ctx: BenchContext, expected: number): Promise<Receipts> {
  const { s } = ctx;
  let last = -1;
  let lastChange = Date.now();
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    const n = (await Promise.all(s.clients.map((c) => c.call({ type: 'count' })))).reduce((a, r) => a + r.n, 0);
    if (n >= expected) break;
    if (n !== last) [last, lastChange] = [n, Date.now()];
    else if (Date.now() - lastChange > 3000) break;
    await sleep(50);
  }
  await Promise.all(s.clients.map((c) => c.call({ type: 'record', on: false })));
  const out: Receipts = { ids: [], versions: [], t: [] };
  for (const c of s.clients) {
    const r = await c.call({ type: 'collect' });
    out.ids.push(...r.ids);
    out.versions.push(...r.versions);
    out.t.push(...r.t);
  }
  return out;
}

function match(r: Receipts, stamps: Map<string, number>) {
  const latencies: number[] = [];
  const lastPerWrite = new Map<string, number>();
  for (let i = 0; i < r.ids.length; i++) {
    const key = `${r.ids[i]}:${r.versions[i]}`;
    const t = stamps.get(key);
    if (t === undefined) continue;
    const ms = (r.t[i] - t) / 1e6;
    latencies.push(ms);
    lastPerWrite.set(key, Math.max(lastPerWrite.get(key) ?? 0, ms));
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), lastP50: median([...lastPerWrite.values()]), delivered: latencies.length };
}

/** Opens `sockets` of `kind` on the load clients (spread over them), each its own graphql-ws client. */
async function connectFeature(ctx: BenchContext, kind: FeatureCommand['kind'], sockets: FeatureCommand['sockets'], clients = ctx.s.clients): Promise<void> {
  const parts: FeatureCommand['sockets'][] = clients.map(() => []);
  for (const [i, x] of sockets.entries()) parts[i % clients.length].push(x);
  const started = Date.now();
  const replies = await Promise.all(
    clients.map((c, i) => c.call({ type: 'connect-feature', kind, url: ctx.s.gqlWs, sockets: parts[i], concurrency: 25, timeoutMs: 60_000 })),
  );
  const failures = replies.reduce((a, r) => a + r.failures, 0);
  ctx.log(`${kind}: ${sockets.length} sockets in ${((Date.now() - started) / 1000).toFixed(1)} s${failures ? `, ${failures} FAILED` : ''}`);
  if (failures > 0) throw new Error(`${failures} ${kind} subscriptions failed`);
}

/** The raw chain's subscribers (raw-relay → raw-sub), one socket each. */
async function connectRaw(ctx: BenchContext, subs: Sub[], clients = ctx.s.clients): Promise<void> {
  const parts: Sub[][] = clients.map(() => []);
  for (const [i, x] of subs.entries()) parts[i % clients.length].push(x);
  const replies = await Promise.all(
    clients.map((c, i) => c.call({ type: 'connect', mode: 'raw', url: ctx.s.rawRelay.ready[1], subs: parts[i], concurrency: 25, timeoutMs: 60_000 })),
  );
  const failures = replies.reduce((a, r) => a + r.failures, 0);
  if (failures > 0) throw new Error(`${failures} raw subscriptions failed`);
}

/** A raw write: a PUBLISH through raw-sub, shaped like a snapshot, with its own version. */
function rawWriter(s: BenchStack, id: string) {
  let version = 1;
  const owner = 'x'.repeat(32);
  return () => {
    version++;
    const v = version;
    return s.redisClient
      .publish(`raw:${id}`, JSON.stringify({ id, owner, status: 'IN_PROGRESS', progress: String(v % 100), version: String(v) }))
      .then(() => `${id}:${v}`);
  };
}

/** Progress of a task's next write: 5 %, 10 %, … 95 %, then again (as the status latency trials write it). */
function progressWriter(s: BenchStack) {
  const writes = new Map<string, number>();
  return async (id: string) => {
    const n = writes.get(id) ?? 0;
    writes.set(id, n + 1);
    const r = await s.store.apply(id, 'progress', { progress: 5 * (1 + (n % 19)) }, { attempt: 1 });
    return r.applied ? `${id}:${r.task.version}` : null;
  };
}

function logPair(ctx: BenchContext, what: string, sys: Timed, base: Timed, names: [string, string]): void {
  const side = (name: string, t: Timed) =>
    `${name} p50 ${t.p50.toFixed(2)} p99 ${t.p99.toFixed(2)} ms (last ${t.lastP50.toFixed(2)}; ${t.delivered}/${t.expected}), CPU/message ` +
    `${t.cpuUs.map((x) => x.toFixed(0)).join('+')} µs, ${t.redisUsPerWrite.toFixed(1)} µs per write in Redis`;
  ctx.log(`  ${what}: ${side(names[1], base)}; ${side(names[0], sys)}`);
}

// ───────────────────────── a task's log lines to one watcher ─────────────────────────

/**
 * One task, one `taskEvents` watcher through the frontend; this process appends log lines with
 * the store's event script (what a worker's `ctx.log` calls, past the LogBudget, which a worker
 * applies before it: 20 lines/s per task, bursts of 50). The store here lifts the per-task line
 * count (LOG_LINES_PER_TASK) so a trial is not cut short. First at a stated rate, against the
 * same rate of PUBLISHes through the raw chain; then a flood with FLOOD_WINDOW lines in flight:
 * the highest rate that arrives.
 */
async function logLines(ctx: BenchContext) {
  const { s } = ctx;
  const size = SIZES[ctx.mode];
  const store = new TaskStore(s.redisClient, s.keys, { ...s.config, task: { ...s.config.task, logLinesPerTask: 1e9 } });
  const client = [s.clients[0]];
  const pids = [s.api.pid, s.frontend.pid, s.redis.process.pid!];
  const newTask = async () => {
    const session = ctx.newSession(s.secret);
    const id = await ctx.startedRecord(s, session.user);
    await connectFeature(ctx, 'events', [{ cookie: session.cookie, taskIds: [id] }], client);
    return id;
  };
  const line = (id: string) => async (i: number) => {
    const seq = await store.appendEvent(id, { type: 'LOG', attempt: 1, level: 'INFO', message: `bench line ${i}: ${'x'.repeat(40)}` }, { attempt: 1 });
    return seq > 0 ? `${id}:${seq}` : null;
  };
  const system: Timed[] = [];
  const raw: Timed[] = [];
  for (let i = 0; i < size.pairs; i++) {
    const rawId = randomUUID();
    await connectRaw(ctx, [{ taskId: rawId }], client);
    const write = rawWriter(s, rawId);
    raw.push(
      await timed(ctx, { rate: size.logRate, seconds: size.seconds, fanout: 1, pids: [s.rawSub.pid, s.rawRelay.pid, pids[2]], commands: ['publish'], write }),
    );
    await ctx.closeAll(s);
    const id = await newTask();
    system.push(await timed(ctx, { rate: size.logRate, seconds: size.seconds, fanout: 1, pids, commands: ['evalsha', 'eval'], write: line(id) }));
    await ctx.closeAll(s);
    logPair(ctx, `log lines at ${size.logRate}/s, pair ${i + 1}`, system.at(-1)!, raw.at(-1)!, ['system', 'raw']);
  }
  // The flood: as many lines as get through, FLOOD_WINDOW in flight.
  const flood = async (write: (i: number) => Promise<string | null>) => {
    await Promise.all(client.map((c) => c.call({ type: 'record', on: true })));
    const stamps = new Map<string, number>();
    const t0 = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: FLOOD_WINDOW }, async () => {
        while (next < size.flood) {
          const t = now();
          const key = await write(next++);
          if (key) stamps.set(key, t);
        }
      }),
    );
    const r = await waitForReceipts(ctx, stamps.size);
    const got = r.t.filter((_, i) => stamps.has(`${r.ids[i]}:${r.versions[i]}`));
    const span = (Math.max(...got) - t0) / 1e9;
    return { rate: got.length / span, delivered: got.length, sent: stamps.size };
  };
  const rawId = randomUUID();
  await connectRaw(ctx, [{ taskId: rawId }], client);
  const rawFlood = await flood(rawWriter(s, rawId));
  await ctx.closeAll(s);
  const sysFlood = await flood(line(await newTask()));
  await ctx.closeAll(s);
  ctx.log(
    `  log lines flooded (${FLOOD_WINDOW} in flight): system ${sysFlood.rate.toFixed(0)} lines/s (${sysFlood.delivered}/${sysFlood.sent}), raw ` +
      `${rawFlood.rate.toFixed(0)}/s (${rawFlood.delivered}/${rawFlood.sent})`,
  );
  return { rate: size.logRate, system, raw, flood: { system: sysFlood, raw: rawFlood }, budget: { perSecond: LOG_LINES_PER_SECOND, burst: LOG_BURST } };
}

// ───────────────────────── the live list ─────────────────────────

/**
 * One owner with `ownerTasks` running tasks; progress writes round robin over them. In turn:
 * the owner's live list open (`taskUpdates`, one socket: every change on the owner's channel)
 * and, for the same writes, a `taskStatus` subscription per task (one socket, as a page holds
 * them). Only one of the two is open in a trial, so each trial's CPU is its own.
 */
async function liveList(ctx: BenchContext) {
  const { s } = ctx;
  const size = SIZES[ctx.mode];
  const session = ctx.newSession(s.secret);
  // All of them running at once: past the owner's running cap (MAX_RUNNING_PER_USER), which the
  // driver's own store lifts (a worker would have queued the rest).
  const lifted = { ...s, store: new TaskStore(s.redisClient, s.keys, { ...s.config, maxRunningPerUser: 1e9 }) };
  const ids: string[] = [];
  for (let i = 0; i < size.ownerTasks; i++) ids.push(await ctx.startedRecord(lifted, session.user));
  const running = await Promise.all(ids.map((id) => s.store.get(id)));
  if (!running.every((r: any) => r?.status === 'IN_PROGRESS')) throw new Error('live list: not every task of the owner is running');
  const progress = progressWriter(s);
  const write = (i: number) => progress(ids[i % ids.length]);
  const client = [s.clients[0]];
  const pids = [s.api.pid, s.frontend.pid];
  const updates: Timed[] = [];
  const status: Timed[] = [];
  const trial = () => timed(ctx, { rate: size.listRate, seconds: size.seconds, fanout: 1, pids, commands: ['evalsha', 'eval'], write });
  for (let i = 0; i < size.pairs; i++) {
    await connectFeature(ctx, 'status', [{ cookie: session.cookie, taskIds: ids }], client);
    status.push(await trial());
    await ctx.closeAll(s);
    await connectFeature(ctx, 'updates', [{ cookie: session.cookie }], client);
    updates.push(await trial());
    await ctx.closeAll(s);
    logPair(ctx, `live list, ${ids.length} tasks of one owner, ${size.listRate}/s, pair ${i + 1}`, updates.at(-1)!, status.at(-1)!, [
      'taskUpdates',
      'taskStatus',
    ]);
  }
  return { tasks: ids.length, rate: size.listRate, updates, status };
}

// ───────────────────────── 1,000 watchers of one share link ─────────────────────────

type Snapshot = Record<'frontend' | 'api' | 'rawRelay' | 'rawSub', Memory>;
async function memory(s: BenchStack): Promise<Snapshot> {
  return {
    frontend: await s.inspect.frontend.memoryAfterGc(),
    api: await s.inspect.api.memoryAfterGc(),
    rawRelay: await s.inspect.rawRelay.memoryAfterGc(),
    rawSub: await s.inspect.rawSub.memoryAfterGc(),
  };
}

/**
 * One running task shared by its owner (`shareTask` through the frontend); `watchers` sessions
 * each open a socket with `sharedTaskStatus(token)`, as that many people with the link would.
 * Memory per watcher after GC (none, then all), idle CPU per watcher (each link is re-checked
 * every 2 s), then progress writes at `shareRate`/s, each delivered to every watcher, against
 * the same number of raw-chain sockets on one id.
 */
async function sharedLink(ctx: BenchContext) {
  const { s } = ctx;
  const size = SIZES[ctx.mode];
  const owner = ctx.newSession(s.secret);
  const id = await ctx.startedRecord(s, owner.user);
  const res = await fetch(s.gqlHttp, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie },
    body: JSON.stringify({ query: BenchShareDocument.toString(), variables: { id } }),
  });
  const token = ((await res.json()) as any).data?.shareTask?.token as string | undefined;
  if (!token) throw new Error('shareTask answered no token');
  const rawId = randomUUID();
  await sleep(1000);
  const before = await memory(s);
  await connectFeature(
    ctx,
    'shared',
    Array.from({ length: size.watchers }, () => ({ cookie: ctx.newSession(s.secret).cookie, token })),
  );
  await connectRaw(
    ctx,
    Array.from({ length: size.watchers }, () => ({ taskId: rawId })),
  );
  await sleep(1000);
  const after = await memory(s);
  const per = (k: keyof Snapshot) => (after[k].heapUsed - before[k].heapUsed) / size.watchers / 1024;
  const mem = { frontendHeapKB: per('frontend'), apiHeapKB: per('api'), rawRelayHeapKB: per('rawRelay'), rawSubHeapKB: per('rawSub') };
  // Idle: no writes; the API re-checks each link every 2 s. Against the idle CPU without the
  // watchers (measured first in featuresPhase); the trials below subtract this one.
  const sysPids = [s.api.pid, s.frontend.pid, s.redis.process.pid!];
  const bare = sysPids.map((pid) => idle.get(pid) ?? 0);
  await measureIdle(ctx, [...sysPids, s.rawSub.pid, s.rawRelay.pid], Math.max(2, size.idleS));
  const idleUsPerWatcherS = (sysPids.reduce((a, pid, k) => a + (idle.get(pid) ?? 0) - bare[k], 0) * 1000) / size.watchers;
  ctx.log(
    `  shared link, ${size.watchers} watchers: per watcher frontend heap ${mem.frontendHeapKB.toFixed(1)} KB, backend heap ` +
      `${mem.apiHeapKB.toFixed(1)} KB (raw relay ${mem.rawRelayHeapKB.toFixed(1)} KB); idle CPU ${idleUsPerWatcherS.toFixed(1)} µs per watcher per s`,
  );
  const progress = progressWriter(s);
  const rawWrite = rawWriter(s, rawId);
  const system: Timed[] = [];
  const raw: Timed[] = [];
  // Enough writes per trial for a p99 over the deliveries: at least 10.
  const seconds = Math.max(size.seconds, Math.ceil(10 / size.shareRate));
  for (let i = 0; i < size.pairs; i++) {
    raw.push(
      await timed(ctx, {
        rate: size.shareRate,
        seconds,
        fanout: size.watchers,
        pids: [s.rawSub.pid, s.rawRelay.pid],
        commands: ['publish'],
        write: rawWrite,
      }),
    );
    system.push(
      await timed(ctx, {
        rate: size.shareRate,
        seconds,
        fanout: size.watchers,
        pids: [s.api.pid, s.frontend.pid],
        commands: ['evalsha', 'eval'],
        write: () => progress(id),
      }),
    );
    logPair(ctx, `shared link, ${size.watchers} watchers, ${size.shareRate} writes/s, pair ${i + 1}`, system.at(-1)!, raw.at(-1)!, ['system', 'raw']);
  }
  await ctx.closeAll(s);
  return { watchers: size.watchers, rate: size.shareRate, memory: mem, idleUsPerWatcherS, system, raw };
}

export async function featuresPhase(ctx: BenchContext) {
  ctx.log('the new features: log lines to one watcher, the live list, watchers of one share link');
  const { s } = ctx;
  await measureIdle(ctx, [s.api.pid, s.frontend.pid, s.redis.process.pid!, s.rawSub.pid, s.rawRelay.pid], SIZES[ctx.mode].idleS);
  const logs = await logLines(ctx);
  const list = await liveList(ctx);
  const shared = await sharedLink(ctx);
  return { logs, list, shared };
}

type Features = Awaited<ReturnType<typeof featuresPhase>>;

export function featureRows(f: Features): Row[] {
  const rows: Row[] = [];
  const r2 = (x: number) => round(x, 2);
  const info = 'none (information)';
  const pairRow = (id: string, metric: string, unit: string, sys: number[], base: number[]) => {
    const ratio = median(sys.map((x, i) => x / base[i]));
    rows.push({ id, metric, unit, system: r2(median(sys)), baseline: r2(median(base)), ratio: r2(ratio), goal: info, pass: Number.isFinite(ratio) });
  };
  const { logs, list, shared } = f;
  const budget = `the product lets ${logs.budget.perSecond}/s per task through, bursts of ${logs.budget.burst}`;
  pairRow(
    'log_latency_p50',
    `log lines, one task to one watcher (taskEvents): p50 at ${logs.rate}/s; ${budget} (raw: PUBLISH)`,
    'ms',
    logs.system.map((t) => t.p50),
    logs.raw.map((t) => t.p50),
  );
  pairRow(
    'log_latency_p99',
    `log lines, one task to one watcher: p99 at ${logs.rate}/s (raw: PUBLISH)`,
    'ms',
    logs.system.map((t) => t.p99),
    logs.raw.map((t) => t.p99),
  );
  pairRow(
    'timeline_append_log_us',
    'timeline append: Redis time per log line, the event script (raw: PUBLISH)',
    'µs',
    logs.system.map((t) => t.redisUsPerWrite),
    logs.raw.map((t) => t.redisUsPerWrite),
  );
  pairRow(
    'log_cpu_line',
    'log lines: CPU per line, API + frontend + Redis (raw: raw-sub + raw-relay + Redis)',
    'µs',
    logs.system.map((t) => t.cpuUs.reduce((a, b) => a + b, 0)),
    logs.raw.map((t) => t.cpuUs.reduce((a, b) => a + b, 0)),
  );
  pairRow(
    'log_max_rate',
    'log lines: highest rate delivered end to end, one task to one watcher (raw: PUBLISH)',
    'lines/s',
    [logs.flood.system.rate],
    [logs.flood.raw.rate],
  );
  const listName = `live list (taskUpdates), ${list.tasks} tasks of one owner, ${list.rate} changes/s`;
  pairRow(
    'updates_latency_p50',
    `${listName}: p50 (baseline: taskStatus per task)`,
    'ms',
    list.updates.map((t) => t.p50),
    list.status.map((t) => t.p50),
  );
  pairRow(
    'updates_latency_p99',
    `${listName}: p99 (baseline: taskStatus per task)`,
    'ms',
    list.updates.map((t) => t.p99),
    list.status.map((t) => t.p99),
  );
  pairRow(
    'updates_cpu_event',
    'live list: CPU per change, API + frontend (baseline: taskStatus per task)',
    'µs',
    list.updates.map((t) => t.cpuUs[0] + t.cpuUs[1]),
    list.status.map((t) => t.cpuUs[0] + t.cpuUs[1]),
  );
  const sharedName = `${shared.watchers} watchers of one share link (sharedTaskStatus), ${shared.rate} writes/s`;
  pairRow(
    'shared_latency_p50',
    `${sharedName}: p50 (raw: as many raw-chain sockets on one id)`,
    'ms',
    shared.system.map((t) => t.p50),
    shared.raw.map((t) => t.p50),
  );
  pairRow(
    'shared_latency_p99',
    `${sharedName}: p99 (raw: the same)`,
    'ms',
    shared.system.map((t) => t.p99),
    shared.raw.map((t) => t.p99),
  );
  pairRow(
    'shared_latency_last',
    `${sharedName}: until the last watcher has it, median write (raw: the same)`,
    'ms',
    shared.system.map((t) => t.lastP50),
    shared.raw.map((t) => t.lastP50),
  );
  pairRow(
    'shared_cpu_delivery',
    'share link watchers: CPU per delivery, API + frontend (raw: raw-sub + raw-relay)',
    'µs',
    shared.system.map((t) => t.cpuUs[0] + t.cpuUs[1]),
    shared.raw.map((t) => t.cpuUs[0] + t.cpuUs[1]),
  );
  const m = shared.memory;
  rows.push({
    id: 'shared_frontend_heap',
    metric: `share link watchers: frontend heap per watcher (${shared.watchers}) (raw: raw-relay)`,
    unit: 'KB',
    system: round(m.frontendHeapKB, 1),
    baseline: round(m.rawRelayHeapKB, 1),
    ratio: r2(m.frontendHeapKB / m.rawRelayHeapKB),
    goal: info,
    pass: Number.isFinite(m.frontendHeapKB),
  });
  rows.push({
    id: 'shared_backend_heap',
    metric: `share link watchers: backend heap per watcher (${shared.watchers}) (raw: raw-sub)`,
    unit: 'KB',
    system: round(m.apiHeapKB, 1),
    baseline: round(m.rawSubHeapKB, 1),
    // raw-sub holds one Redis subscription for all of them: about nothing per watcher, no ratio.
    ratio: null,
    goal: info,
    pass: Number.isFinite(m.apiHeapKB),
  });
  rows.push({
    id: 'shared_idle_cpu',
    metric: 'share link watchers: idle CPU per watcher, API + frontend + Redis (its link re-checked every 2 s)',
    unit: 'µs/s',
    system: r2(shared.idleUsPerWatcherS),
    baseline: null,
    ratio: null,
    goal: info,
    pass: Number.isFinite(shared.idleUsPerWatcherS),
  });
  return rows;
}
