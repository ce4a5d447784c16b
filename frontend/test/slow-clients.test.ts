/**
 * Clients that stop reading (issue 16 part 2): the gateway bounds the bytes it holds for each
 * browser socket (WS_MAX_BUFFERED_BYTES). Sockets that subscribe and then never read sit beside
 * sockets that do, while many status events are written through the product's TaskStore (the
 * worker's own CAS; no worker runs here). The non-readers are closed with 4008 (seen in the
 * frontend's metric and log; a client that reads again finds the close frame or a cut
 * connection), the bytes queued for them never pass the bound, their upstream subscriptions are
 * released, the frontend's memory after a full GC comes back near where it was, and the readers
 * get every event with their latency not blown up (behaviour, not speed: generous bounds).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { disposeAllClients, Inspector, INSPECTOR_LINE, killAllChildren, REPO_ROOT, waitUntil, type Memory } from '../../testkit/index.js';
import { redisKeys } from '../../backend/src/redis/redis-keys.js';
import { Browser, startStack, type Stack } from './support.js';

/** What this test uses of the backend's TaskStore (its source's Nest decorators do not compile here). */
interface Store {
  create(owner: string, spec: { kind: string; input: unknown; maxAttempts: number; retryDelayMs: number }): Promise<{ id: string }>;
  apply(id: string, name: string, changes: Record<string, unknown>, options: { attempt: number }): Promise<{ applied: boolean; task: { version: number } }>;
}
// The product's own store (the same CAS the worker runs), from the built backend.
const { TaskStore } = (await import(`${REPO_ROOT}/backend/dist/tasks/task-store.js`)) as { TaskStore: new (...args: unknown[]) => Store };
const { loadConfig } = (await import(`${REPO_ROOT}/backend/dist/config/config.js`)) as { loadConfig(env: Record<string, string>): unknown };

const BOUND = 256 * 1024;
/** What the gateway allows one socket (its default): each non-reader's subscriptions multiply every event it is sent. */
const SUBS_PER_SOCKET = 100;
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
/** Every scalar field: about 450 bytes a message. */
const UPDATES =
  'subscription Updates { taskUpdates { id kind status progress version createdAt startedAt finishedAt error attempt maxAttempts nextAttemptAt scheduledFor priority queuePosition } }';

let stack: Stack;
let redis: Redis;
let store: Store;
let inspector: Inspector;

before(async () => {
  stack = await startStack({
    // No worker: nothing but this test changes the tasks.
    backendEnv: { BACKEND_ROLE: 'api' },
    frontendEnv: {
      WS_MAX_BUFFERED_BYTES: String(BOUND),
      METRICS_TOKEN,
      // Hundreds of subscribe messages from one address in a few seconds.
      ADDRESS_OPS_LIMIT: '100000',
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
    },
  });
  redis = new Redis(stack.redis.url);
  const config = loadConfig({ REDIS_URL: stack.redis.url, REDIS_PREFIX: stack.backend.prefix, TASK_RETENTION_S: '3600' });
  store = new TaskStore(redis, redisKeys(stack.backend.prefix), config);
  inspector = await Inspector.connect((await stack.frontend.logs.waitFor(INSPECTOR_LINE, 30_000))[1]);
});

after(async () => {
  inspector?.close();
  await disposeAllClients();
  redis?.disconnect();
  await stack?.stop();
  await killAllChildren();
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
  assert.equal(res.status, 200);
  return res.text();
}
const frontendMetrics = () => scrape(`${stack.frontend.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
const backendMetrics = () => scrape(new URL('/metrics', stack.backend.url).toString());

function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

/** A session and one task of its own, IN_PROGRESS (as a worker starts it). */
async function userWithTask(): Promise<{ browser: Browser; taskId: string }> {
  const browser = await new Browser(stack).init();
  const user = browser.sessionValue!.split('.')[0];
  const task = await store.create(user, { kind: 'simulated', input: {}, maxAttempts: 1, retryDelayMs: 1000 });
  const started = await store.apply(task.id, 'start', { startedAt: Date.now(), progress: 0, error: '', nextAttemptAt: '' }, { attempt: 1 });
  assert.ok(started.applied, 'started');
  return { browser, taskId: task.id };
}

/** Status writes, stamped just before they are sent: `${id}:${version}` → ms. */
class Writer {
  readonly stamps = new Map<string, number>();
  private readonly progress = new Map<string, number>();

  /** Writes to each of `tasks` `perSecond` times a second until `done()` or `maxMs`. */
  async drive(tasks: string[], perSecond: number, done: () => boolean, maxMs: number): Promise<void> {
    const started = Date.now();
    const writes: Promise<unknown>[] = [];
    while (!done() && Date.now() - started < maxMs) {
      for (const id of tasks) writes.push(this.write(id));
      await new Promise((r) => setTimeout(r, 1000 / perSecond));
    }
    await Promise.all(writes);
  }

  private async write(id: string): Promise<void> {
    const n = (this.progress.get(id) ?? 0) + 1;
    this.progress.set(id, n);
    const t = performance.now();
    const result = await store.apply(id, 'progress', { progress: 5 * (1 + (n % 19)) }, { attempt: 1 });
    if (result.applied) this.stamps.set(`${id}:${result.task.version}`, t);
  }
}

/** A browser tab that reads: every taskUpdates event it gets, with when it got it. */
class Reader {
  readonly arrivals = new Map<string, number>();
  private stop: (() => void) | undefined;

  constructor(
    readonly browser: Browser,
    readonly taskId: string,
  ) {}

  async start(): Promise<void> {
    const client = this.browser.ws();
    let first: () => void = () => undefined;
    const subscribed = new Promise<void>((resolve) => (first = resolve));
    this.stop = client.subscribe<{ taskUpdates: { id: string; version: number } }>(
      { query: UPDATES },
      {
        next: (r) => {
          const task = r.data?.taskUpdates;
          if (task) this.arrivals.set(`${task.id}:${task.version}`, performance.now());
          first();
        },
        error: (e) => assert.fail(`a reader's subscription failed: ${JSON.stringify(e)}`),
        complete: () => undefined,
      },
    );
    // The feed starts with the task's current state: the subscription is live upstream.
    await subscribed;
  }

  /** Latencies (ms) of the writes to its task stamped in `stamps`; fails if one never came. */
  latencies(stamps: Map<string, number>): number[] {
    const out: number[] = [];
    for (const [key, t] of stamps) {
      if (!key.startsWith(`${this.taskId}:`)) continue;
      const at = this.arrivals.get(key);
      assert.ok(at !== undefined, `reader of ${this.taskId} missed ${key}`);
      out.push(at - t);
    }
    return out;
  }

  close(): void {
    this.stop?.();
  }
}

/**
 * A tab that subscribes SUBS_PER_SOCKET times to its feed, takes the first events, then stops
 * reading: its TCP socket is paused, so the kernel's buffers fill and then the gateway's.
 */
class NonReader {
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  private readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
    socket.on('error', () => undefined);
  }

  /** With `stall` false it keeps reading: the same load on the gateway from a tab that reads. */
  static async open(browser: Browser, stall = true): Promise<NonReader> {
    const socket = new WebSocket(stack.ws, 'graphql-transport-ws', { headers: { origin: stack.origin, cookie: browser.cookie! } });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const reader = new NonReader(socket);
    const nexts = new Set<string>();
    let acked: () => void = () => undefined;
    let allNext: () => void = () => undefined;
    const ack = new Promise<void>((r) => (acked = r));
    const all = new Promise<void>((r) => (allNext = r));
    socket.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; id?: string; payload?: unknown };
      if (m.type === 'connection_ack') acked();
      else if (m.type === 'next') {
        nexts.add(m.id!);
        if (nexts.size === SUBS_PER_SOCKET) allNext();
      } else if (m.type === 'error') assert.fail(`a non-reader's subscribe was refused: ${JSON.stringify(m)}`);
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await ack;
    for (let i = 0; i < SUBS_PER_SOCKET; i++) socket.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query: UPDATES } }));
    await within(all, 20_000, 'every subscription of a non-reader started');
    if (stall) (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    return reader;
  }

  /** Reads again: whatever the kernel kept, then the close frame or the cut. */
  resume(): void {
    (this.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  terminate(): void {
    this.socket.terminate();
  }
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const median = (values: number[]) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

describe('clients that stop reading', () => {
  test('a tab stalled for a moment and reading again within the grace gets 4008 "Slow consumer"', async () => {
    const slowBefore = sample(await frontendMetrics(), 'longrun_gateway_ws_slow_consumers_total');
    const { browser, taskId } = await userWithTask();
    const stalled = await NonReader.open(browser);
    const writer = new Writer();
    let over = false;
    const watching = (async () => {
      while (!over) {
        over = sample(await frontendMetrics(), 'longrun_gateway_ws_slow_consumers_total') > slowBefore;
        if (!over) await new Promise((r) => setTimeout(r, 50));
      }
      stalled.resume();
    })();
    await writer.drive([taskId], 40, () => over, 60_000);
    await watching;
    const closed = await within(stalled.closed, 15_000, 'the stalled socket closed');
    assert.equal(closed.code, 4008, JSON.stringify(closed));
    assert.match(closed.reason, /slow consumer/i);
    assert.ok(stack.frontend.logs.lines(/slow consumer/i).length >= 1, 'the frontend logged it');
  });

  test('non-readers beside readers: closed at the bound, released, memory back; readers get every event in time', async () => {
    const READERS = 3;
    const NON_READERS = 3;
    const readers: Reader[] = [];
    for (let i = 0; i < READERS; i++) {
      const { browser, taskId } = await userWithTask();
      const reader = new Reader(browser, taskId);
      await reader.start();
      readers.push(reader);
    }
    const readerTasks = readers.map((r) => r.taskId);

    // Phase A: readers alone.
    const alone = new Writer();
    await alone.drive(readerTasks, 10, () => false, 4000);
    await new Promise((r) => setTimeout(r, 500));
    const latencyAlone = median(readers.flatMap((r) => r.latencies(alone.stamps)));

    // Phase A': the load phase B puts on the gateway, from tabs that read (the control).
    const busy: NonReader[] = [];
    const busyTasks: string[] = [];
    for (let i = 0; i < NON_READERS; i++) {
      const { browser, taskId } = await userWithTask();
      busy.push(await NonReader.open(browser, false));
      busyTasks.push(taskId);
    }
    const control = new Writer();
    await Promise.all([control.drive(busyTasks, 40, () => false, 4000), control.drive(readerTasks, 10, () => false, 4000)]);
    for (const b of busy) b.terminate();
    await new Promise((r) => setTimeout(r, 500));
    const latencyControl = median(readers.flatMap((r) => r.latencies(control.stamps)));
    await waitUntil(async () => sample(await backendMetrics(), 'longrun_task_subscriptions') === READERS, {
      timeoutMs: 15_000,
      what: 'the control tabs gone',
    });
    const memoryBefore: Memory = await inspector.memoryAfterGc();
    const metricsBefore = await frontendMetrics();
    const slowBefore = sample(metricsBefore, 'longrun_gateway_ws_slow_consumers_total');
    const upstreamBefore = sample(await backendMetrics(), 'longrun_task_subscriptions');
    assert.equal(upstreamBefore, READERS, "one upstream subscription per reader's feed");

    // Phase B: non-readers join, and their feeds are driven hard until the gateway closes them all.
    const nonReaders: NonReader[] = [];
    const slowTasks: string[] = [];
    for (let i = 0; i < NON_READERS; i++) {
      const { browser, taskId } = await userWithTask();
      nonReaders.push(await NonReader.open(browser));
      slowTasks.push(taskId);
    }
    assert.equal(sample(await backendMetrics(), 'longrun_task_subscriptions'), READERS + NON_READERS, "each non-reader's 100 subscriptions share one upstream");
    let closedAll = false;
    let peakBuffered = 0;
    let peakRss = 0;
    const sampling = (async () => {
      while (!closedAll) {
        const text = await frontendMetrics();
        peakBuffered = Math.max(peakBuffered, sample(text, 'longrun_gateway_ws_buffered_bytes'));
        peakRss = Math.max(peakRss, sample(text, 'process_resident_memory_bytes'));
        closedAll = sample(text, 'longrun_gateway_ws_slow_consumers_total') - slowBefore >= NON_READERS;
        if (!closedAll) await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const beside = new Writer();
    const phaseStarted = Date.now();
    await Promise.all([beside.drive(slowTasks, 40, () => closedAll, 60_000), beside.drive(readerTasks, 10, () => closedAll, 60_000)]);
    closedAll = true;
    await sampling;
    const phaseMs = Date.now() - phaseStarted;
    const slowAfter = sample(await frontendMetrics(), 'longrun_gateway_ws_slow_consumers_total');
    assert.equal(slowAfter - slowBefore, NON_READERS, `every non-reader was closed as a slow consumer (within ${phaseMs} ms)`);
    // The bound holds: what the gateway queued never passed it (one message over, per socket, at most).
    assert.ok(peakBuffered <= NON_READERS * (BOUND + 4096), `peak queued ${peakBuffered} bytes for ${NON_READERS} sockets bounded at ${BOUND}`);

    // Their sockets, subscriptions and upstream subscriptions are gone; the readers' stay.
    await waitUntil(
      async () => {
        const text = await frontendMetrics();
        return sample(text, 'longrun_gateway_ws_sockets') === READERS && sample(text, 'longrun_gateway_subscriptions') === READERS;
      },
      { timeoutMs: 15_000, what: "the non-readers' sockets and subscriptions released" },
    );
    await waitUntil(async () => sample(await backendMetrics(), 'longrun_task_subscriptions') === READERS, {
      timeoutMs: 15_000,
      what: "the non-readers' upstream subscriptions released",
    });

    // A non-reader that reads again finds the close frame or the cut connection, at once.
    for (const n of nonReaders) n.resume();
    const codes = await Promise.all(nonReaders.map((n) => within(n.closed, 15_000, 'a resumed non-reader saw the end')));
    for (const c of codes) assert.ok(c.code === 4008 || c.code === 1006, `closed with ${c.code} ${c.reason}`);

    // Phase C: readers alone again, then the memory after a full GC.
    const afterwards = new Writer();
    await afterwards.drive(readerTasks, 10, () => false, 2000);
    await new Promise((r) => setTimeout(r, 500));
    const memoryAfter = await inspector.memoryAfterGc();

    // Readers got every event of every phase (latencies() fails on a missing one), not blown up.
    const latencyBeside = median(readers.flatMap((r) => r.latencies(beside.stamps)));
    for (const r of readers) r.latencies(afterwards.stamps);
    console.log(
      `[slow-clients] reader latency median: alone ${latencyAlone.toFixed(1)} ms, beside as many busy readers ${latencyControl.toFixed(1)} ms, ` +
        `beside non-readers ${latencyBeside.toFixed(1)} ms; ` +
        `non-readers closed within ${phaseMs} ms (codes on resume: ${codes.map((c) => c.code).join(', ')}); ` +
        `peak queued ${peakBuffered} bytes; frontend heap after GC ${mb(memoryBefore.heapUsed)} before → ${mb(memoryAfter.heapUsed)} after, ` +
        `RSS ${mb(memoryBefore.rss)} → peak ${mb(peakRss)} → ${mb(memoryAfter.rss)}`,
    );
    // Non-readers cost the readers no more than tabs that read would (the fan-out's CPU is the same).
    assert.ok(
      latencyBeside <= Math.max(4 * latencyControl, latencyControl + 250),
      `reader latency ${latencyControl} ms beside busy readers, ${latencyBeside} ms beside non-readers`,
    );
    assert.ok(
      latencyBeside <= Math.max(20 * latencyAlone, latencyAlone + 1000),
      `reader latency ${latencyAlone} ms alone, ${latencyBeside} ms beside non-readers`,
    );
    assert.ok(memoryAfter.heapUsed <= memoryBefore.heapUsed + 16 * 2 ** 20, `heap ${mb(memoryBefore.heapUsed)} → ${mb(memoryAfter.heapUsed)}`);
    assert.ok(memoryAfter.rss <= memoryBefore.rss + 64 * 2 ** 20, `RSS ${mb(memoryBefore.rss)} → ${mb(memoryAfter.rss)}`);
    for (const r of readers) r.close();
  });
});
