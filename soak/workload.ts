/**
 * The soak's browser-like clients. Each is one session (its cookie works on both frontends: they
 * share the session secret) that, at a modest pace, creates tasks of every kind with and
 * without a retry policy and watches each on its graphql-ws socket (retrying like the page),
 * cancels some, retries some ended ones, reads timelines, and now and then reconnects: a new
 * socket on the other frontend that resubscribes to everything it watches (a page reload).
 * Everything it sees goes into the shared History for the checker.
 */
import { randomUUID } from 'node:crypto';
import { CANCEL, CREATE, isFinal, sleep, type CreateVariables, type WsClient } from '../testkit/index.js';
import { RetryTaskDocument } from '../operations/generated/graphql.js';
import type { History, SeenTask } from '../faults/history.js';
import { follow, pageLikeRetry, readTimeline, taskOrCode, WebCaller, type Followed } from '../faults/stack.js';
import { mulberry32 } from './nemesis.js';

const RETRY = RetryTaskDocument.toString();

export interface WorkloadOptions {
  clients: number;
  /** A client's pause between two actions. */
  paceMs: [number, number];
  /** A client creates nothing more while it watches this many live tasks. */
  maxLive: number;
  /** Seeds the clients' choices (what they do; when depends on the stack). */
  seed: number;
}

export const WORKLOAD_DEFAULTS: Omit<WorkloadOptions, 'seed'> = { clients: 5, paceMs: [300, 1500], maxLive: 12 };

/** What the clients did and what failed for them, for the report. */
export interface WorkloadStats {
  creates: { ok: number; failed: Record<string, number>; retriedOk: number; byKind: Record<string, number>; withRetryPolicy: number };
  cancels: { ok: number; notCancellable: number; failed: Record<string, number> };
  retries: { ok: number; failed: Record<string, number> };
  timelines: { ok: number; failed: Record<string, number> };
  /** Page-like reconnects: a new socket on the other frontend, resubscribing to every live task. */
  reconnects: number;
}

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

/** Answers that say nothing about the outcome (the request may or may not have been applied). */
const codeOf = (error: unknown) => `FETCH_${(error as Error).name}`;

/**
 * graphql-ws's dispose() waits for a connect under way and rejects with that connect's failure
 * (e.g. `1000 All Subscriptions Gone` when it was retrying for subscriptions since cut): the
 * socket is gone either way.
 */
const quietDispose = (ws: WsClient) => Promise.resolve(ws.dispose()).catch(() => undefined);

interface Watched {
  taskId: string;
  followed: Followed;
  /** For a failure's diagnosis: when it was (re)subscribed, on which socket and frontend. */
  since: number;
  socket: number;
  frontend: number;
}

class Client {
  readonly caller: WebCaller;
  private frontend: number;
  private ws: WsClient;
  private readonly sockets: WsClient[] = [];
  readonly watched: Watched[] = [];
  /** Tasks it knows (created or retried), for cancel / retry / timeline picks. */
  private readonly known: string[] = [];

  constructor(
    n: number,
    private readonly history: History,
    private readonly urls: string[],
    private readonly rnd: () => number,
    private readonly stats: WorkloadStats,
    private readonly opts: WorkloadOptions,
    private readonly acknowledgedAt: Map<string, number>,
  ) {
    this.frontend = n % urls.length;
    this.caller = new WebCaller(() => this.urls[this.frontend], `soak${n}`);
    this.ws = this.newSocket();
  }

  private newSocket(): WsClient {
    const n = this.sockets.length;
    const ws = this.caller.ws({
      ...pageLikeRetry,
      on: {
        connected: () => this.socketLog.push(`${new Date().toISOString()} socket ${n} connected`),
        closed: (e) => {
          this.socketLog.push(`${new Date().toISOString()} socket ${n} closed ${(e as { code?: number }).code}`);
          // A close with watches live on it is a resync: graphql-ws reconnects and resubscribes
          // them (a close with none is the lazy socket going idle).
          if (this.live().some((w) => w.socket === n)) this.resyncs += 1;
        },
        error: (e) => this.socketLog.push(`${new Date().toISOString()} socket ${n} error ${(e as Error).message ?? e}`),
      },
    });
    this.sockets.push(ws);
    return ws;
  }

  /** Each socket's connects and closes, for a failure's diagnosis. */
  readonly socketLog: string[] = [];

  private where() {
    return { since: Date.now(), socket: this.sockets.length - 1, frontend: this.frontend };
  }

  /** What this client knows about its watch of `record`'s task, for a failure's diagnosis. */
  diagnose(taskId: string): string | undefined {
    const w = this.watched.find((x) => x.taskId === taskId);
    if (!w) return undefined;
    return `${this.caller.label}: watched since ${new Date(w.since).toISOString()} on socket ${w.socket} (frontend${w.frontend + 1})`;
  }

  /** Sockets closed under live watches (graphql-ws reconnected and resubscribed them). */
  resyncs = 0;

  private live(): Watched[] {
    return this.watched.filter((w) => !w.followed.record.ended);
  }

  private lastSeen(id: string): SeenTask | undefined {
    for (let i = this.watched.length - 1; i >= 0; i--) {
      const w = this.watched[i];
      if (w.taskId === id) return w.followed.record.events.at(-1)?.task;
    }
    return undefined;
  }

  private watch(id: string): void {
    this.known.push(id);
    this.watched.push({ taskId: id, followed: follow(this.history, this.caller, this.ws, id), ...this.where() });
  }

  private variables(): CreateVariables {
    const r = this.rnd();
    const v: CreateVariables = { idempotencyKey: randomUUID() };
    if (r < 0.6) {
      v.input = { simulated: { minDurationMs: 200, maxDurationMs: 2500, failureRate: 0.15 } };
      this.stats.creates.byKind.simulated = (this.stats.creates.byKind.simulated ?? 0) + 1;
    } else if (r < 0.85) {
      v.input = { primes: { below: 50_000 + Math.floor(this.rnd() * 450_000) } };
      this.stats.creates.byKind.primes = (this.stats.creates.byKind.primes ?? 0) + 1;
    } else {
      v.input = { export: { format: this.rnd() < 0.5 ? 'CSV' : 'NDJSON' } } as CreateVariables['input'];
      this.stats.creates.byKind.export = (this.stats.creates.byKind.export ?? 0) + 1;
    }
    const policy = this.rnd();
    if (policy < 0.5) {
      v.retry = { maxAttempts: 2 + Math.floor(this.rnd() * 3), delayMs: 100 + Math.floor(this.rnd() * 900) };
      this.stats.creates.withRetryPolicy += 1;
    } else if (policy < 0.75) {
      v.retry = { maxAttempts: 1 };
    }
    return v;
  }

  /**
   * createTask, asked again with the same idempotency key after an answer that says nothing
   * (a fault in the way), as a careful client would: the task is acknowledged once an answer
   * carries it.
   */
  async create(): Promise<void> {
    const variables = this.variables();
    let lastCode = '';
    for (let attempt = 0; attempt < 4; attempt++) {
      let out: { task?: SeenTask; code?: string };
      try {
        out = taskOrCode(await this.caller.http(CREATE, variables, 20_000), 'createTask');
      } catch (error) {
        out = { code: codeOf(error) };
      }
      if (out.task) {
        this.history.acknowledge(out.task.id, this.caller.label);
        this.acknowledgedAt.set(out.task.id, Date.now());
        this.stats.creates.ok += 1;
        if (attempt > 0) this.stats.creates.retriedOk += 1;
        this.watch(out.task.id);
        return;
      }
      lastCode = out.code ?? 'NONE';
      bump(this.stats.creates.failed, lastCode);
      await sleep(500 + attempt * 1000);
    }
    void lastCode;
  }

  /**
   * cancelTask on a task it watches that was live when last seen (it may have been cancelled
   * already). A fault's answer (SERVICE_UNAVAILABLE, a dropped connection) says nothing about
   * whether it was applied: the checker gets it as `unknown`.
   */
  async cancel(): Promise<void> {
    const live = this.live();
    if (live.length === 0) return;
    const { taskId } = live[Math.floor(this.rnd() * live.length)];
    let out: { task?: SeenTask; code?: string };
    try {
      out = taskOrCode(await this.caller.http(CANCEL, { id: taskId }, 20_000), 'cancelTask');
    } catch (error) {
      out = { code: codeOf(error) };
    }
    if (out.task) {
      this.history.cancelled(taskId, { ok: out.task });
      this.stats.cancels.ok += 1;
    } else if (out.code === 'TASK_NOT_CANCELLABLE') {
      this.history.cancelled(taskId, { code: out.code });
      this.stats.cancels.notCancellable += 1;
    } else {
      this.history.cancelled(taskId, { unknown: out.code ?? 'NONE' });
      bump(this.stats.cancels.failed, out.code ?? 'NONE');
    }
  }

  /** retryTask on a task seen final; the new task is acknowledged and watched. */
  async retry(): Promise<void> {
    const ended = this.known.filter((id) => {
      const t = this.lastSeen(id);
      return t && isFinal(t.status);
    });
    if (ended.length === 0) return;
    const id = ended[Math.floor(this.rnd() * ended.length)];
    let out: { task?: SeenTask; code?: string };
    try {
      out = taskOrCode(await this.caller.http(RETRY, { id }, 20_000), 'retryTask');
    } catch (error) {
      out = { code: codeOf(error) };
    }
    if (out.task) {
      this.history.acknowledge(out.task.id, this.caller.label);
      this.acknowledgedAt.set(out.task.id, Date.now());
      this.stats.retries.ok += 1;
      this.watch(out.task.id);
    } else bump(this.stats.retries.failed, out.code ?? 'NONE');
  }

  async timeline(id?: string): Promise<boolean> {
    const pickFrom = id ? [id] : this.known;
    if (pickFrom.length === 0) return false;
    const taskId = pickFrom[Math.floor(this.rnd() * pickFrom.length)];
    try {
      await readTimeline(this.history, this.caller, taskId);
      this.stats.timelines.ok += 1;
      return true;
    } catch (error) {
      const m = /: ([A-Z_]+|HTTP \d+)$/.exec((error as Error).message);
      bump(this.stats.timelines.failed, m?.[1] ?? codeOf(error));
      return false;
    }
  }

  /** A page reload on the other frontend: a new socket, every live watch cut and resubscribed on it. */
  async reconnect(): Promise<void> {
    this.stats.reconnects += 1;
    const old = this.ws;
    this.frontend = (this.frontend + 1) % this.urls.length;
    this.ws = this.newSocket();
    for (const w of this.live()) {
      w.followed.cut();
      w.followed = follow(this.history, this.caller, this.ws, w.taskId);
      Object.assign(w, this.where());
    }
    await quietDispose(old);
  }

  async step(): Promise<void> {
    const r = this.rnd();
    if (r < 0.5) {
      if (this.live().length < this.opts.maxLive) await this.create();
    } else if (r < 0.62) await this.cancel();
    else if (r < 0.74) await this.retry();
    else if (r < 0.94) await this.timeline();
    else if (r < 0.97) await this.reconnect();
    // else: idle
  }

  async dispose(): Promise<void> {
    for (const s of this.sockets) await quietDispose(s);
  }
}

export class Workload {
  readonly stats: WorkloadStats = {
    creates: { ok: 0, failed: {}, retriedOk: 0, byKind: {}, withRetryPolicy: 0 },
    cancels: { ok: 0, notCancellable: 0, failed: {} },
    retries: { ok: 0, failed: {} },
    timelines: { ok: 0, failed: {} },
    reconnects: 0,
  };
  /** Errors a client action threw (none expected: each handles what faults cause). */
  readonly errors: string[] = [];
  /** When each task was acknowledged (createTask or retryTask answered with it). */
  readonly acknowledgedAt = new Map<string, number>();
  private readonly clients: Client[];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    history: History,
    urls: string[],
    private readonly opts: WorkloadOptions,
  ) {
    this.clients = Array.from(
      { length: opts.clients },
      (_, i) => new Client(i, history, urls, mulberry32(opts.seed * 31 + i), this.stats, opts, this.acknowledgedAt),
    );
  }

  start(): void {
    this.running = true;
    const rnd = mulberry32(this.opts.seed ^ 0x5eed);
    const [lo, hi] = this.opts.paceMs;
    this.loops = this.clients.map(async (c) => {
      while (this.running) {
        try {
          await c.step();
        } catch (error) {
          // Every action catches what a fault can cause; anything else is the soak's own bug.
          const what = error instanceof Error ? (error.stack ?? error.message) : JSON.stringify(error, Object.getOwnPropertyNames(error ?? {}));
          this.errors.push(what);
        }
        await sleep(lo + rnd() * (hi - lo));
      }
    });
  }

  /** No client starts another action (the watches go on). */
  halt(): void {
    this.running = false;
  }

  /** Halts, and waits for the actions under way to end. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  followed(): Followed[] {
    return this.clients.flatMap((c) => c.watched.map((w) => w.followed));
  }

  /** Which client watched `taskId`, since when and where; and that client's socket log. */
  diagnose(taskId: string): string {
    for (const c of this.clients) {
      const d = c.diagnose(taskId);
      if (d) return `${d}\n    ${c.socketLog.slice(-20).join('\n    ')}`;
    }
    return 'no client watched it';
  }

  resyncs(): number {
    return this.clients.reduce((n, c) => n + c.resyncs, 0);
  }

  /** Reads, through the frontends, the whole timeline of every task (after the end), a few at a time. */
  async readAllTimelines(limit = 3): Promise<void> {
    const jobs = this.clients.flatMap((c) => [...new Set(c.watched.map((w) => w.taskId))].map((id) => ({ c, id })));
    let next = 0;
    await Promise.all(
      Array.from({ length: limit }, async () => {
        while (next < jobs.length) {
          const { c, id } = jobs[next++];
          await c.timeline(id);
        }
      }),
    );
  }

  async dispose(): Promise<void> {
    for (const c of this.clients) await c.dispose();
  }
}
