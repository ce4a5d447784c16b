/**
 * Redis per task (`--only redis`; docs/performance.md, docs/scaling.md): what one task costs the
 * Redis server on the full path, from Redis's own counters around a run (INFO commandstats: calls
 * per command; INFO stats: bytes in and out) and its CPU time (/proc), divided by the tasks;
 * against raw BullMQ's producer and worker per job. From the CPU per task: the tasks per second
 * one Redis master can carry. And the retained phase's memory per task, split.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { REPO_ROOT, spawnService } from '../testkit/index.js';
import type { BenchContext } from './context.js';
import { commandStats } from './redis-info.js';
import type { Row } from './run.js';
import { median, round } from './stats.js';

const SIZES = {
  full: { n: 250, rounds: 3, progressN: 100 },
  quick: { n: 150, rounds: 2, progressN: 50 },
  smoke: { n: 10, rounds: 1, progressN: 5 },
} as const;
const INFLIGHT = 50;
/** The share of one core at which a Redis master is taken to be full (its latency climbs past it). */
export const REDIS_CORE_BUDGET = 0.7;
const tsx = import.meta.resolve('tsx');

interface Counters {
  /** Per command: calls and µs (a script's calls to Redis count as commands too, and its µs include theirs). */
  commands: Map<string, { calls: number; usec: number }>;
  netIn: number;
  netOut: number;
  /** Redis's CPU time so far (INFO cpu), s: its main thread, which runs every command, and the whole process. */
  cpuMain: number;
  cpuAll: number;
}

async function counters(redis: Redis): Promise<Counters> {
  const stats = await redis.info('stats');
  const commands = await commandStats(redis);
  const cpu = await redis.info('cpu');
  const num = (text: string, name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    commands,
    netIn: num(stats, 'total_net_input_bytes'),
    netOut: num(stats, 'total_net_output_bytes'),
    cpuMain: num(cpu, 'used_cpu_sys_main_thread') + num(cpu, 'used_cpu_user_main_thread'),
    cpuAll: num(cpu, 'used_cpu_sys') + num(cpu, 'used_cpu_user'),
  };
}

/** The benchmark's own INFO calls are not the task's. */
const OWN = new Set(['info']);

export interface PerTask {
  n: number;
  /** Commands Redis ran per task (a script and each of its calls count). */
  commands: number;
  /** Of which script invocations (EVALSHA, EVAL, FCALL). */
  scripts: number;
  bytesIn: number;
  bytesOut: number;
  /** Redis's main thread's CPU per task (INFO cpu: commands, networking, pub/sub delivery), µs. */
  cpuUs: number;
  /** The whole Redis process's CPU per task (background threads too), µs. */
  cpuAllUs: number;
  /** The commands that ran most per task, with µs per task (a script's µs include its calls'). */
  top: Array<{ command: string; calls: number; usec: number }>;
}

function perTask(a: Counters, b: Counters, n: number): PerTask {
  const rows: Array<{ command: string; calls: number; usec: number }> = [];
  for (const [command, after] of b.commands) {
    if (OWN.has(command)) continue;
    const before = a.commands.get(command) ?? { calls: 0, usec: 0 };
    if (after.calls > before.calls) rows.push({ command, calls: (after.calls - before.calls) / n, usec: (after.usec - before.usec) / n });
  }
  rows.sort((x, y) => y.calls - x.calls);
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((t, r) => t + f(r), 0);
  return {
    n,
    commands: sum((r) => r.calls),
    scripts: sum((r) => (/^(evalsha|eval|fcall)/.test(r.command) ? r.calls : 0)),
    bytesIn: (b.netIn - a.netIn) / n,
    bytesOut: (b.netOut - a.netOut) / n,
    cpuUs: ((b.cpuMain - a.cpuMain) * 1e6) / n,
    cpuAllUs: ((b.cpuAll - a.cpuAll) * 1e6) / n,
    top: rows.slice(0, 12).map((r) => ({ command: r.command, calls: round(r.calls, 2)!, usec: round(r.usec, 1)! })),
  };
}

export async function redisPhase(ctx: BenchContext) {
  const { s, log } = ctx;
  const size = SIZES[ctx.mode];
  log(`Redis per task: ${size.n} tasks on the full path (and raw BullMQ jobs), ${size.rounds} rounds; ${size.progressN} tasks of 1 s`);
  /** Redis's counters around `work`, per task it says it completed. */
  const measure = async (work: () => Promise<number>) => {
    const a = await counters(s.redisClient);
    const n = await work();
    const b = await counters(s.redisClient);
    return perTask(a, b, n);
  };
  const rawPrefix = `rawredis${Date.now().toString(36)}`;
  const rawWorker = await spawnService(
    process.execPath,
    ['--import', tsx, join(REPO_ROOT, 'bench/raw/raw-bullmq.ts')],
    { REDIS_URL: s.redis.url, RAW_ROLE: 'worker', RAW_PREFIX: rawPrefix },
    /raw worker ready/,
    { name: 'raw-worker' },
  );
  const runRaw = async (count: number) => {
    const producer = await spawnService(
      process.execPath,
      ['--import', tsx, join(REPO_ROOT, 'bench/raw/raw-bullmq.ts')],
      { REDIS_URL: s.redis.url, RAW_ROLE: 'producer', RAW_PREFIX: rawPrefix, RAW_TOTAL: String(count), RAW_INFLIGHT: String(INFLIGHT) },
      /e2e (\d+) (\d+) cpu (\d+)/,
      { name: 'raw-producer', readyTimeoutMs: 120_000 },
    );
    await producer.stop();
    return count;
  };
  // The raw producer's own warm-up job and its QueueEvents' reads fall inside the window: one
  // job and a few blocking reads in `count`, which is small against it.
  const runSystem = async (count: number) => {
    const cookies = Array.from({ length: Math.min(INFLIGHT, count) }, () => ctx.newSession(s.secret).cookie);
    const r = await s.clients[0].call({ type: 'fullpath', httpUrl: s.gqlHttp, wsUrl: s.gqlWs, cookies, total: count, timeoutMs: 120_000 });
    // A kept-alive socket the frontend closed as it was reused (ECONNRESET) ends one slot early;
    // its request never reached the server, so the tasks that ran are counted and no more.
    if (r.finished < count * 0.98) throw new Error(`Redis per task: ${r.failures} failures, ${r.finished}/${count} finished`);
    if (r.finished < count) log(`  (${count - r.finished} of ${count} tasks not run: ${r.failures} failures)`);
    return r.finished as number;
  };
  const system: PerTask[] = [];
  const raw: PerTask[] = [];
  let progress: PerTask | undefined;
  let worker = await ctx.startWorker(s);
  try {
    await runRaw(Math.ceil(size.n / 2));
    await runSystem(Math.ceil(size.n / 2));
    for (let i = 0; i < size.rounds; i++) {
      raw.push(await measure(() => runRaw(size.n)));
      system.push(await measure(() => runSystem(size.n)));
      const [r, y] = [raw.at(-1)!, system.at(-1)!];
      log(
        `  round ${i + 1}: raw ${r.commands.toFixed(1)} commands (${r.scripts.toFixed(1)} scripts), ${r.bytesIn.toFixed(0)} B in, ` +
          `${r.bytesOut.toFixed(0)} B out, ${r.cpuUs.toFixed(0)} µs CPU per job; system ${y.commands.toFixed(1)} commands ` +
          `(${y.scripts.toFixed(1)} scripts), ${y.bytesIn.toFixed(0)} B in, ${y.bytesOut.toFixed(0)} B out, ${y.cpuUs.toFixed(0)} µs CPU per task`,
      );
    }
    await rawWorker.stop();
    await worker.stop();
    // A task of the simulated kind that lasts a second: progress at every 10 %, a log line, 13
    // timeline events (as in the retained phase), watched to its end like the others.
    worker = await ctx.startWorker(s, { TASK_MIN_DURATION_MS: '1000', TASK_MAX_DURATION_MS: '1000' });
    progress = await measure(() => runSystem(size.progressN));
    log(
      `  tasks of 1 s: ${progress.commands.toFixed(1)} commands (${progress.scripts.toFixed(1)} scripts), ${progress.bytesIn.toFixed(0)} B in, ` +
        `${progress.bytesOut.toFixed(0)} B out, ${progress.cpuUs.toFixed(0)} µs CPU per task`,
    );
    log(`  top commands per task (system, last round): ${JSON.stringify(system.at(-1)!.top)}`);
  } finally {
    await rawWorker.stop();
    await worker.stop();
  }
  return { system, raw, progress };
}

type RedisCost = Awaited<ReturnType<typeof redisPhase>>;

/** The master's capacity: tasks/s at REDIS_CORE_BUDGET of one core, from the Redis CPU per task. */
export const tasksPerMaster = (cpuUs: number) => (REDIS_CORE_BUDGET * 1e6) / cpuUs;

export function redisRows(c: RedisCost): Row[] {
  const rows: Row[] = [];
  const r2 = (x: number) => round(x, 2);
  const row = (id: string, metric: string, unit: string, pick: (p: PerTask) => number, withRaw = true) => {
    const sys = median(c.system.map(pick));
    const raw = withRaw ? median(c.raw.map(pick)) : Number.NaN;
    rows.push({
      id,
      metric,
      unit,
      system: r2(sys),
      baseline: withRaw ? r2(raw) : null,
      ratio: withRaw ? r2(sys / raw) : null,
      goal: 'none (information)',
      pass: Number.isFinite(sys),
    });
  };
  row('redis_commands_task', 'Redis commands per task, full path, a script and its calls each count (raw: per BullMQ job)', 'commands', (p) => p.commands);
  row('redis_scripts_task', 'Redis script calls per task, full path (raw: per BullMQ job)', 'calls', (p) => p.scripts);
  row('redis_bytes_in_task', 'Redis bytes in per task, full path (raw: per BullMQ job)', 'B', (p) => p.bytesIn);
  row('redis_bytes_out_task', 'Redis bytes out per task, full path, with its watcher (raw: per BullMQ job)', 'B', (p) => p.bytesOut);
  row('redis_cpu_task', "Redis CPU per task, full path: its main thread's (raw: per BullMQ job)", 'µs', (p) => p.cpuUs);
  const sysCap = median(c.system.map((p) => tasksPerMaster(p.cpuUs)));
  const rawCap = median(c.raw.map((p) => tasksPerMaster(p.cpuUs)));
  rows.push({
    id: 'redis_tasks_per_master',
    metric: `tasks/s one Redis master carries at ${REDIS_CORE_BUDGET * 100} % of a core, full path (raw: BullMQ jobs/s)`,
    unit: 'tasks/s',
    system: round(sysCap, 0),
    baseline: round(rawCap, 0),
    ratio: r2(sysCap / rawCap),
    goal: 'none (information)',
    pass: Number.isFinite(sysCap),
  });
  if (c.progress) {
    const p = c.progress;
    const one = (id: string, metric: string, unit: string, value: number, digits = 2) =>
      rows.push({ id, metric, unit, system: round(value, digits), baseline: null, ratio: null, goal: 'none (information)', pass: Number.isFinite(value) });
    one('redis_commands_task_1s', 'Redis commands per task of 1 s (progress every 10 %, 13 events)', 'commands', p.commands);
    one('redis_bytes_task_1s', 'Redis bytes in + out per task of 1 s, with its watcher', 'B', p.bytesIn + p.bytesOut, 0);
    one('redis_cpu_task_1s', 'Redis CPU per task of 1 s', 'µs', p.cpuUs);
    one(
      'redis_tasks_per_master_1s',
      `tasks/s of 1 s one Redis master carries at ${REDIS_CORE_BUDGET * 100} % of a core`,
      'tasks/s',
      tasksPerMaster(p.cpuUs),
      0,
    );
  }
  return rows;
}

/** The retained phase's memory per task, split into what each part keeps (MEMORY USAGE). */
export function retainedRows(r: { n: number; recordB: number; timelineB: number; jobB: number; events: number }): Row[] {
  const one = (id: string, metric: string, bytes: number) =>
    ({ id, metric, unit: 'B', system: round(bytes, 0), baseline: null, ratio: null, goal: 'none (information)', pass: Number.isFinite(bytes) }) as Row;
  return [
    one('retained_record', 'Redis memory per retained task: its record', r.recordB),
    one('retained_timeline', `Redis memory per retained task: its timeline (${round(r.events, 1)} events)`, r.timelineB),
    one('retained_job', 'Redis memory per retained task: its BullMQ job', r.jobB),
  ];
}
