/**
 * The soak's nemesis: a fault schedule drawn from a seed (pure: the same seed and minutes give
 * the same schedule, which is printed so a failure can be replayed), and its execution against
 * the stack's processes, links and Redis.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { TcpProxy } from '../testkit/index.js';

/** Sleeps `ms`, or less if `signal` aborts first (never rejects). */
const hold = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal }).catch(() => undefined);

/** mulberry32: a small, well-known 32-bit generator; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PROCESSES = ['frontend1', 'frontend2', 'api1', 'api2', 'worker1', 'worker2'] as const;
export type ProcessName = (typeof PROCESSES)[number];
/** gatewayN-apiN: frontend N's link to its API (HTTP and the upstream graphql-ws); X-redis: that process's Redis link. */
export const LINKS = ['gateway1-api1', 'gateway2-api2', 'api1-redis', 'api2-redis', 'worker1-redis', 'worker2-redis'] as const;
export type LinkName = (typeof LINKS)[number];

export type FaultKind = 'kill' | 'stop' | 'redis-restart' | 'pubsub-kill' | 'partition' | 'slow';
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'stop', 'redis-restart', 'pubsub-kill', 'partition', 'slow'];

export interface Fault {
  /** Its place in the schedule (1-based). */
  n: number;
  /** Start, in ms after the workload began. */
  at: number;
  kind: FaultKind;
  /** A process (kill, stop; 'redis' for stop too), a link (partition, slow) or 'redis'. */
  target: ProcessName | LinkName | 'redis';
  /** How long it lasts: down (kill, redis-restart), frozen (stop), cut (partition), slowed (slow). */
  holdMs: number;
  /** slow: the delay added to every chunk, each way. */
  latencyMs?: number;
}

export interface ScheduleOptions {
  /** No fault starts before this (the stack settles, the clients connect). */
  warmupMs: number;
  /**
   * No fault starts this close to the workload's end. A fault may still be on at the end: the
   * final heal cuts it short, and the time from that heal to every task final is measured.
   */
  quietMs: number;
  /** Gap between two faults' starts. */
  gapMs: [number, number];
}

export const SCHEDULE_DEFAULTS: ScheduleOptions = { warmupMs: 5000, quietMs: 1000, gapMs: [1500, 6000] };

/**
 * Relative weights. Partitions and slow links are held moderately short (at most 6 s, 10 s):
 * nothing in the stack detects a silent peer yet, so a partition ends only when it heals.
 */
const WEIGHTS: [FaultKind, number][] = [
  ['kill', 3],
  ['stop', 3],
  ['partition', 3],
  ['slow', 2],
  ['pubsub-kill', 2],
  ['redis-restart', 1],
];

/** The kind whose share of the weights' total `r` falls in. */
function weighted(r: number): FaultKind {
  let left = r;
  for (const [kind, w] of WEIGHTS) {
    if (left < w) return kind;
    left -= w;
  }
  return WEIGHTS[WEIGHTS.length - 1][0];
}

const between = (rnd: () => number, [lo, hi]: [number, number]) => Math.round(lo + rnd() * (hi - lo));
const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)];

/**
 * The faults of a `minutes`-long soak from `seed`. Depends on nothing else: no clock, no
 * environment. Faults may overlap in time (on different targets; the runner serializes faults
 * on one target, see `runSchedule`).
 */
export function schedule(seed: number, minutes: number, opts: ScheduleOptions = SCHEDULE_DEFAULTS): Fault[] {
  const rnd = mulberry32(seed);
  const total = WEIGHTS.reduce((n, [, w]) => n + w, 0);
  const end = minutes * 60_000 - opts.quietMs;
  const out: Fault[] = [];
  let at = opts.warmupMs;
  for (;;) {
    const kind = weighted(rnd() * total);
    let fault: Omit<Fault, 'n' | 'at'>;
    switch (kind) {
      case 'kill':
        fault = { kind, target: pick(rnd, PROCESSES), holdMs: between(rnd, [500, 4000]) };
        break;
      case 'stop': {
        const target = pick(rnd, [...PROCESSES, 'redis'] as const);
        fault = { kind, target, holdMs: between(rnd, target === 'redis' ? [500, 3000] : [500, 5000]) };
        break;
      }
      case 'redis-restart':
        fault = { kind, target: 'redis', holdMs: between(rnd, [500, 4000]) };
        break;
      case 'pubsub-kill':
        fault = { kind, target: 'redis', holdMs: 0 };
        break;
      case 'partition':
        fault = { kind, target: pick(rnd, LINKS), holdMs: between(rnd, [500, 6000]) };
        break;
      case 'slow':
        fault = { kind, target: pick(rnd, LINKS), holdMs: between(rnd, [2000, 10_000]), latencyMs: between(rnd, [20, 400]) };
        break;
    }
    if (at > end) break;
    out.push({ n: out.length + 1, at, ...fault });
    at += between(rnd, opts.gapMs);
  }
  return out;
}

export function describeFault(f: Fault): string {
  const hold = `${(f.holdMs / 1000).toFixed(1)} s`;
  switch (f.kind) {
    case 'kill':
      return `kill -9 ${f.target}, restarted after ${hold}`;
    case 'stop':
      return `SIGSTOP ${f.target} for ${hold}, then SIGCONT`;
    case 'redis-restart':
      return `restart Redis, down ${hold}`;
    case 'pubsub-kill':
      return 'CLIENT KILL TYPE pubsub';
    case 'partition':
      return `partition ${f.target} for ${hold}`;
    case 'slow':
      return `slow ${f.target} by ${f.latencyMs} ms for ${hold}`;
  }
}

/** What the nemesis acts on. */
export interface Targets {
  process(name: ProcessName): {
    kill9(): Promise<void>;
    restart(): Promise<void>;
    freeze(): void;
    thaw(): void;
  };
  link(name: LinkName): TcpProxy;
  redis: {
    freeze(): void;
    thaw(): void;
    restart(downMs: number): Promise<void>;
    /** Kills every pub/sub connection; resolves with how many. */
    killPubsub(): Promise<number>;
  };
}

export interface FaultRun {
  fault: Fault;
  /** When it really began (ms after the workload began): later than `at` if its target was busy. */
  startedAt?: number;
  endedAt?: number;
  /** pubsub-kill: connections killed. */
  killed?: number;
  error?: string;
}

/**
 * Runs `faults` against `targets`, each at its time after `t0`. Faults overlap as scheduled,
 * except that a fault waits for the one before it on the same target to end (a process is not
 * killed while frozen, a link not slowed while cut). `stop` aborted ends the run: no fault
 * starts any more and every fault on is healed at once. Resolves once every started fault has
 * healed (with when, in each run's `endedAt`).
 */
export async function runSchedule(faults: Fault[], targets: Targets, t0: number, opts: { log(line: string): void; stop: AbortSignal }): Promise<FaultRun[]> {
  const runs: FaultRun[] = [];
  const busy = new Map<string, Promise<void>>();
  const inflight: Promise<void>[] = [];
  for (const fault of faults) {
    const wait = t0 + fault.at - Date.now();
    if (wait > 0) await hold(wait, opts.stop);
    if (opts.stop.aborted) break;
    const run: FaultRun = { fault };
    runs.push(run);
    // Serialized per target (and Redis-wide faults with each other).
    const key = fault.target;
    const before = busy.get(key) ?? Promise.resolve();
    const done = before.then(async () => {
      if (opts.stop.aborted) return;
      run.startedAt = Date.now() - t0;
      opts.log(`+${(run.startedAt / 1000).toFixed(1)} s  #${fault.n} ${describeFault(fault)}`);
      try {
        await apply(fault, targets, run, opts.stop);
      } catch (error) {
        run.error = (error as Error).message;
        opts.log(`#${fault.n} failed: ${run.error}`);
      }
      run.endedAt = Date.now() - t0;
    });
    busy.set(key, done);
    inflight.push(done);
  }
  await Promise.all(inflight);
  return runs;
}

async function apply(f: Fault, t: Targets, run: FaultRun, stop: AbortSignal): Promise<void> {
  switch (f.kind) {
    case 'kill': {
      const p = t.process(f.target as ProcessName);
      await p.kill9();
      await hold(f.holdMs, stop);
      await p.restart();
      return;
    }
    case 'stop': {
      const p = f.target === 'redis' ? t.redis : t.process(f.target as ProcessName);
      p.freeze();
      try {
        await hold(f.holdMs, stop);
      } finally {
        p.thaw();
      }
      return;
    }
    case 'redis-restart':
      await t.redis.restart(stop.aborted ? 0 : f.holdMs);
      return;
    case 'pubsub-kill':
      run.killed = await t.redis.killPubsub();
      return;
    case 'partition': {
      const link = t.link(f.target as LinkName);
      link.partition();
      try {
        await hold(f.holdMs, stop);
      } finally {
        link.heal();
      }
      return;
    }
    case 'slow': {
      const link = t.link(f.target as LinkName);
      link.slow(f.latencyMs ?? 0);
      try {
        await hold(f.holdMs, stop);
      } finally {
        link.slow(0);
      }
      return;
    }
  }
}
