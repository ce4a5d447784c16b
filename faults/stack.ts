/**
 * The fault suite's stack and clients: short settings (so stall detection and reconciliation
 * happen within seconds), processes on free ports via testkit, and clients that record what
 * they see into a History.
 */
import { randomBytes } from 'node:crypto';
import type { ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import {
  backendHeaders,
  CANCEL,
  CREATE,
  freePort,
  gqlHttpResponse,
  startBackend,
  startFrontend,
  STATUS,
  TIMELINE,
  uniquePrefix,
  wsClient,
  type Backend,
  type CreateVariables,
  type Frontend,
  type GqlHttpResponse,
  type WsClient,
  type TaskTimelineQuery,
  redisCall,
} from '../testkit/index.js';
import { redisKeys, TASKS_QUEUE } from '../backend/src/redis/redis-keys.js';
import {
  assertNoViolations,
  check,
  readStored,
  settle,
  type History,
  type SeenTask,
  type Stored,
  type SubscriptionRecord,
  type TimelineRecord,
} from './history.js';

export { TASK } from '../testkit/index.js';

/** Short settings shared by every backend process of a scenario. */
export interface Timing {
  lockMs: number;
  stalledMs: number;
  reconcileMs: number;
  /** TASK_STALL_TIMEOUT_MS: a running task silent this long is stopped by its worker. */
  stallTimeoutMs: number;
}

export const FAST: Timing = { lockMs: 1500, stalledMs: 1000, reconcileMs: 1500, stallTimeoutMs: 5000 };

/**
 * The documented bound for "none stuck" (docs/guarantees.md): a dead worker's lock expires
 * within lockMs, a stall check finds it within stalledMs (a second check may be needed when the
 * first ran just before the lock expired), and a lost status write is repaired by the next
 * reconcile round; work that falls silent is stopped by its own worker after stallTimeoutMs
 * plus the 2 s it gets to stop. Plus slack for this busy 2-core machine.
 */
export function stuckBoundMs(t: Timing = FAST, slackMs = 10_000): number {
  return Math.max(t.lockMs + 2 * t.stalledMs + t.reconcileMs, t.stallTimeoutMs + 2000) + slackMs;
}

export interface StackEnv {
  shared: Record<string, string>;
  prefix: string;
  token: string;
}

/** Environment every backend process of one scenario shares. */
export function sharedEnv(redisUrl: string, extra: Record<string, string> = {}, t: Timing = FAST): StackEnv {
  const prefix = uniquePrefix('faults');
  const token = randomBytes(24).toString('base64url');
  return {
    prefix,
    token,
    shared: {
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      INTERNAL_API_TOKEN: token,
      WORKER_LOCK_DURATION_MS: String(t.lockMs),
      WORKER_STALLED_INTERVAL_MS: String(t.stalledMs),
      RECONCILE_INTERVAL_MS: String(t.reconcileMs),
      TASK_STALL_TIMEOUT_MS: String(t.stallTimeoutMs),
      TASK_MIN_DURATION_MS: '100',
      TASK_MAX_DURATION_MS: '1500',
      TASK_FAILURE_RATE: '0.1',
      TASK_RANDOM_SEED: `faults-${prefix}`,
      TASK_CREATE_LIMIT: '100000',
      CANCEL_TIMEOUT_MS: '3000',
      ...extra,
    },
  };
}

/** The plan settings the backend derives from the shared env (for the seeded ratio check). */
export function planOf(env: Record<string, string>) {
  return {
    minDurationMs: Number(env.TASK_MIN_DURATION_MS),
    maxDurationMs: Number(env.TASK_MAX_DURATION_MS),
    failureRate: Number(env.TASK_FAILURE_RATE),
    seed: env.TASK_RANDOM_SEED,
  };
}

export function backend(env: StackEnv, role: 'api' | 'worker' | 'all', extra: Record<string, string> = {}, name?: string): Promise<Backend> {
  return startBackend({ ...env.shared, BACKEND_ROLE: role, ...extra }, { name: name ?? role });
}

/**
 * The worker processes of one test file, started with its scenario's env. Each scenario can
 * begin without an earlier one's workers (`stopAll`, even if that one failed); the file's
 * `after` stops whatever is left the same way.
 */
export class Workers {
  private readonly live = new Set<Backend>();
  constructor(private readonly env: () => StackEnv) {}

  async start(name: string, extra: Record<string, string> = {}): Promise<Backend> {
    const w = await backend(this.env(), 'worker', extra, name);
    this.live.add(w);
    return w;
  }

  /** kill -9; resolves with when it was sent, once the process is gone. */
  async kill(w: Backend): Promise<number> {
    const at = Date.now();
    w.kill('SIGKILL');
    await w.exited;
    this.live.delete(w);
    return at;
  }

  /** Forgets one the test stops itself. */
  forget(w: Backend): void {
    this.live.delete(w);
  }

  async stopAll(): Promise<void> {
    for (const w of [...this.live]) {
      this.live.delete(w);
      await w.stop();
    }
  }
}

/** A frontend in front of `backendUrl`, on `port` (fixed, so it can come back on the same one). */
export async function frontend(env: StackEnv, backendUrl: string, port?: number, extra: Record<string, string> = {}): Promise<Frontend> {
  return startFrontend({
    NODE_ENV: 'production',
    PORT: String(port ?? (await freePort())),
    BACKEND_URL: backendUrl,
    INTERNAL_API_TOKEN: env.token,
    SESSION_SECRET: sessionSecret,
    COOKIE_SECURE: 'false',
    ...extra,
  });
}
/** One secret per test process, so sessions survive a frontend restart (as with a real deployment). */
const sessionSecret = randomBytes(32).toString('base64url');

/** The task a GraphQL response carries under `field`, or its error code. */
export function taskOrCode(res: GqlHttpResponse | undefined, field: string): { task?: SeenTask; code?: string } {
  const code = res?.body?.errors?.[0]?.extensions?.code;
  if (code !== undefined) return { code: String(code) };
  const task = (res?.body?.data as Record<string, SeenTask> | undefined)?.[field];
  return task ? { task } : { code: `HTTP_${res?.status}` };
}

/** Someone using the API: directly the backend (internal token, asserted user) or the frontend (cookie). */
export interface Caller {
  /** The history's name for this user. */
  readonly label: string;
  http(query: string, variables?: Record<string, unknown>, timeoutMs?: number): Promise<GqlHttpResponse>;
  /** A graphql-ws client acting as this user (lazy; no retries unless given). */
  ws(options?: Partial<ClientOptions>): WsClient;
  /** Extensions to send with each subscribe (the backend reads the user there). */
  readonly extensions: Record<string, unknown> | undefined;
}

export class BackendCaller implements Caller {
  readonly extensions: Record<string, unknown>;
  /** The asserted user id (8–64 of [A-Za-z0-9_-]): the label made unique. */
  readonly label: string;
  constructor(
    private readonly target: () => { url: string; wsUrl: string; token: string },
    label: string,
  ) {
    this.label = `${label}_${randomBytes(4).toString('hex')}`;
    this.extensions = { user: this.label };
  }
  http(query: string, variables?: Record<string, unknown>, timeoutMs = 15_000) {
    const t = this.target();
    return gqlHttpResponse(t.url, query, variables, backendHeaders(t.token, this.label), timeoutMs);
  }
  ws(options: Partial<ClientOptions> = {}) {
    const t = this.target();
    return wsClient(t.wsUrl, { connectionParams: { token: t.token }, ...options });
  }
}

/** A browser-like user of the frontend: its own session cookie on HTTP and WebSocket. */
export class WebCaller implements Caller {
  readonly extensions = undefined;
  private cookie = '';
  constructor(
    private readonly base: () => string,
    readonly label: string,
  ) {}
  async http(query: string, variables?: Record<string, unknown>, timeoutMs = 15_000) {
    const res = await gqlHttpResponse(`${this.base()}/api/graphql`, query, variables, this.cookie ? { cookie: this.cookie } : {}, timeoutMs);
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    return res;
  }
  ws(options: Partial<ClientOptions> = {}) {
    const self = this;
    // The ws library takes headers as a third constructor argument; graphql-ws passes two. The
    // cookie is read at each (re)connect, so a socket made before the first request still counts.
    class CookieSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: self.cookie ? { cookie: self.cookie } : {} });
      }
    }
    return wsClient(`${this.base().replace(/^http/, 'ws')}/api/graphql`, { webSocketImpl: CookieSocket, ...options });
  }
}

/** createTask (`variables`: its input and retry policy); on success the task is acknowledged in the history. */
export async function create(
  history: History,
  caller: Caller,
  timeoutMs?: number,
  variables?: CreateVariables,
): Promise<{ task?: SeenTask; code?: string; ms: number }> {
  const started = Date.now();
  let out: { task?: SeenTask; code?: string };
  try {
    out = taskOrCode(await caller.http(CREATE, variables, timeoutMs), 'createTask');
  } catch (error) {
    out = { code: `FETCH_${(error as Error).name}` };
  }
  if (out.task) history.acknowledge(out.task.id, caller.label);
  return { ...out, ms: Date.now() - started };
}

/** cancelTask; the answer is recorded for the cancel ⇔ answer check. */
export async function cancel(history: History, caller: Caller, id: string): Promise<{ task?: SeenTask; code?: string }> {
  const out = taskOrCode(await caller.http(CANCEL, { id }, 30_000), 'cancelTask');
  history.cancelled(id, out.task ? { ok: out.task } : { code: out.code ?? 'NONE' });
  return out;
}

export interface Followed {
  record: SubscriptionRecord;
  /** Resolves when the subscription ended (complete or error). */
  done: Promise<SubscriptionRecord>;
  /** Stops it early (the record is marked cut). */
  cut(): void;
}

/** A key of the tasks queue in BullMQ's layout: `queueKey(prefix, id, 'lock')`, `queueKey(prefix, 'active')`. */
export function queueKey(prefix: string, ...parts: string[]): string {
  return [redisKeys(prefix).bullPrefix, TASKS_QUEUE, ...parts].join(':');
}

/** The ids of the jobs BullMQ holds as active (running on some worker). */
export async function activeJobIds(redisPort: number, prefix: string): Promise<string[]> {
  return (await redisCall(redisPort, 'LRANGE', queueKey(prefix, 'active'), 0, -1)) as string[];
}

/** Creates `n` tasks (with `variables`, if given) and follows each on one socket; any refusal fails the test. */
export async function startTasks(history: History, caller: Caller, n: number, variables?: CreateVariables): Promise<Followed[]> {
  const ws = caller.ws();
  const out: Followed[] = [];
  for (let i = 0; i < n; i++) {
    const r = await create(history, caller, undefined, variables);
    if (!r.task) throw new Error(`createTask failed: ${r.code}`);
    out.push(follow(history, caller, ws, r.task.id));
  }
  return out;
}

/** Subscribes to a task's status on `client` and records every event into the history. */
export function follow(history: History, caller: Caller, client: WsClient, taskId: string, opts: { expectCodes?: string[] } = {}): Followed {
  const record = history.subscription(taskId, caller.label, opts);
  let resolve!: (r: SubscriptionRecord) => void;
  const done = new Promise<SubscriptionRecord>((r) => (resolve = r));
  const end = () => {
    if (record.ended) return;
    record.ended = true;
    resolve(record);
  };
  const codes = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) => {
    for (const e of errors ?? []) record.errorCodes.push(String(e.extensions?.code ?? 'NO_CODE'));
  };
  const unsubscribe = client.subscribe<{ taskStatus: SeenTask }>(
    { query: STATUS, variables: { id: taskId }, extensions: caller.extensions },
    {
      next: (result) => {
        codes(result.errors);
        const task = result.data?.taskStatus;
        if (task) record.events.push({ task, connection: client.connects(), at: Date.now() });
      },
      error: (error) => {
        if (Array.isArray(error)) codes(error);
        else {
          const e = error as { code?: number; reason?: string; message?: string };
          record.transportError = e.code !== undefined ? `close ${e.code} ${e.reason ?? ''}` : String(e.message ?? error);
        }
        end();
      },
      complete: () => {
        record.completed = true;
        end();
      },
    },
  );
  return {
    record,
    done,
    cut: () => {
      record.cut = true;
      if (record.ended) return;
      unsubscribe();
      end();
    },
  };
}

/**
 * Reads a task's whole timeline through the API, a page at a time, into the history (the
 * checker then holds it to the timeline rules and, if the task had ended, to its record).
 */
export async function readTimeline(history: History, caller: Caller, taskId: string): Promise<TimelineRecord> {
  const page = 500;
  const record: TimelineRecord = { taskId, after: 0, events: [], status: 'WAITING' };
  // Bounded: a timeline holds at most a few thousand events (log lines are capped per task).
  for (let i = 0; i < 100; i++) {
    const res = await caller.http(TIMELINE, { id: taskId, after: record.events.at(-1)?.seq ?? 0, first: page });
    const task = (res.body?.data as TaskTimelineQuery | undefined)?.task;
    if (!task) throw new Error(`timeline of ${taskId}: ${res.body?.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`}`);
    record.status = task.status;
    record.events.push(...task.events);
    if (task.events.length < page) break;
  }
  history.timeline(record);
  return record;
}

/** Waits for every followed subscription to end, at most `timeoutMs`; unfinished ones stay un-ended (a violation). */
export async function allEnded(list: Followed[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(list.map((f) => f.done)),
    new Promise((r) => {
      timer = setTimeout(r, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i], i);
      }
    }),
  );
  return out;
}

/** Like the page's client: retry (almost) forever with jittered exponential backoff. */
export const pageLikeRetry: Partial<ClientOptions> = {
  retryAttempts: 1000,
  shouldRetry: () => true,
  retryWait: async (retries) => {
    const base = Math.min(3000, 200 * 2 ** retries);
    await new Promise((r) => setTimeout(r, base / 2 + Math.random() * (base / 2)));
  },
};

/** Close codes graphql-ws clients treat as retryable (not fatal): the server going away or restarting. */
export const RETRYABLE_CLOSE = new Set([1000, 1001, 1005, 1006, 1012, 1013, 1014]);

export interface VerifyOptions {
  /** How long after the last fault healed every task must be final. */
  boundMs: number;
  plan?: ReturnType<typeof planOf>;
  failureRate?: number;
}

/**
 * Ends a scenario: waits (bounded) for every acknowledged task to be final, reads the records
 * twice (sticky final), checks the whole history and prints one line of what was checked.
 * Returns the stored records for scenario-specific assertions.
 */
export async function verify(what: string, history: History, redisPort: number, prefix: string, opts: VerifyOptions): Promise<Stored> {
  const { stored, tookMs } = await settle(history, redisPort, prefix, opts.boundMs);
  await new Promise((r) => setTimeout(r, 300));
  const later = await readStored(redisPort, prefix, history.taskIds);
  const violations = check(history, stored, { plan: opts.plan, failureRate: opts.failureRate, later });
  const by: Record<string, number> = {};
  for (const r of stored.values()) by[r?.status ?? 'MISSING'] = (by[r?.status ?? 'MISSING'] ?? 0) + 1;
  const events = history.subscriptions.reduce((n, s) => n + s.events.length, 0);
  console.log(
    `[faults] ${what}: ${history.created.size} tasks (${Object.entries(by)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), ` +
      `${history.subscriptions.length} subscriptions / ${events} events, ${history.cancels.length} cancels` +
      (history.timelines.length > 0 ? `, ${history.timelines.length} timelines / ${history.timelines.reduce((n, t) => n + t.events.length, 0)} events` : '') +
      '; ' +
      `all final within ${tookMs} ms of the check (bound ${opts.boundMs} ms); ${violations.length} violations`,
  );
  assertNoViolations(violations, what);
  return stored;
}
