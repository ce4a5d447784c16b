/**
 * A load-client process (forked by bench/run.ts; never part of a server). It holds many
 * WebSocket clients, records when each message arrives (hrtime, comparable across processes
 * on Linux), and answers the orchestrator over IPC.
 *
 *   system: one graphql-ws client (one socket) per subscription, to the frontend (or to the raw
 *           graphql-ws server for the set-up baseline), `taskStatus(id)`;
 *   raw:    one plain ws per subscription to the raw relay: `{"s": id}`, acked with `{"a": id}`;
 *   backend: (--hops) one graphql-ws client per process straight to the backend API, every
 *           subscription multiplexed on it as the gateway does (credential, user per operation);
 *   redis:  (--hops) one Redis subscriber per process on the tasks' channels.
 */
import { Agent, request } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { BenchCreateDocument, BenchListDocument, BenchWatchDocument } from '../operations/generated/graphql.js';
import { isFinal } from '../operations/generated/schema-enums.js';
import { connectFeature, type FeatureCommand } from './feature-client.js';
import { median } from './stats.js';

const WATCH = BenchWatchDocument.toString();
const CREATE_BODY = JSON.stringify({ query: BenchCreateDocument.toString() });
const LIST_BODY = JSON.stringify({ query: BenchListDocument.toString() });

export interface Sub {
  taskId: string;
  /** `longrun_session=...` for the frontend; absent for raw servers. */
  cookie?: string;
  /** The owner, for `backend` mode (asserted per operation, as the gateway does). */
  user?: string;
  /** The task's Redis channel, for `redis` mode. */
  channel?: string;
}

export type Command =
  | { type: 'connect'; mode: 'system' | 'raw'; url: string; subs: Sub[]; concurrency: number; timeoutMs: number }
  | { type: 'connect-hop'; mode: 'backend' | 'redis'; url: string; token?: string; subs: Sub[]; timeoutMs: number }
  | { type: 'record'; on: boolean }
  | { type: 'collect' }
  | { type: 'count' }
  | { type: 'close' }
  | { type: 'setup'; url: string; subs: Sub[]; concurrency: number; timeoutMs: number }
  | { type: 'fullpath'; httpUrl: string; wsUrl: string; cookies: string[]; total: number; timeoutMs: number }
  | { type: 'floor'; kind: 'query' | 'watch'; httpUrl: string; wsUrl: string; cookies: string[]; taskIds: string[]; total: number; timeoutMs: number }
  | FeatureCommand;

const now = () => Number(process.hrtime.bigint());

/**
 * A JSON POST on kept-alive sockets. The load client stands for browsers that run elsewhere, so
 * it should spend as little of this machine's CPU as it can: Node's fetch cost about twice as
 * much per request (npm run bench, CPU per task in the load client).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Receipts while recording: task id, version, receipt time (ns). */
let receipts: { ids: string[]; versions: number[]; t: number[] } = { ids: [], versions: [], t: [] };
let recording = false;
/** Final statuses seen per task (for "every final state delivered" checks). */
const finals = new Map<string, string>();
const closers: Array<() => void> = [];

function record(id: string, version: number): void {
  if (!recording) return;
  receipts.ids.push(id);
  receipts.versions.push(version);
  receipts.t.push(now());
}

function wsWithCookie(cookie: string | undefined): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, cookie ? { headers: { cookie } } : {});
    }
  } as unknown as typeof WebSocket;
}

/**
 * Subscribes to `sub`'s task on `client`; resolves at its first message (the snapshot), records
 * every later one, and keeps final statuses. `extensions` go with the subscribe message.
 */
function watch(client: Client, sub: Sub, extensions?: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let first = true;
    client.subscribe<any>(
      { query: WATCH, variables: { id: sub.taskId }, extensions },
      {
        next: (result) => {
          const task = result.data?.taskStatus;
          if (!task) return reject(new Error(JSON.stringify(result.errors ?? result)));
          if (isFinal(task.status)) finals.set(task.id, task.status);
          if (first) {
            first = false;
            resolve();
          } else record(task.id, task.version);
        },
        // graphql-ws reports the operation's errors as an array, a closed socket as a CloseEvent.
        error: (e) =>
          reject(e instanceof Error ? e : new Error(Array.isArray(e) ? JSON.stringify(e) : `socket closed ${(e as any)?.code} ${(e as any)?.reason}`)),
        complete: () => undefined,
      },
    );
  });
}

/** One graphql-ws client (one socket) with one subscription; resolves at its first message. */
async function systemSub(url: string, sub: Sub): Promise<Client> {
  const client = createClient({ url, webSocketImpl: wsWithCookie(sub.cookie), lazy: true, retryAttempts: 0 });
  await watch(client, sub);
  return client;
}

function rawSub(url: string, sub: Sub): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ s: sub.taskId })));
    let acked = false;
    ws.on('message', (data) => {
      const text = data.toString();
      if (!acked) {
        acked = true;
        resolve(ws);
        return;
      }
      // The raw payload is the snapshot JSON; the id and version are all we read.
      const m = JSON.parse(text) as { id: string; version: string };
      record(m.id, Number(m.version));
    });
  });
}

/** Runs `fn` over `items` with at most `limit` at once; resolves with the failures. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failures++;
        if (failures <= 3) console.error(`load-client: ${(e as Error).message ?? e}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}

function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function connect(cmd: Extract<Command, { type: 'connect' }>) {
  const started = Date.now();
  const failures = await pool(cmd.subs, cmd.concurrency, async (sub) => {
    if (cmd.mode === 'system') {
      const client = await bounded(systemSub(cmd.url, sub), cmd.timeoutMs, 'subscribe');
      closers.push(() => void client.dispose());
    } else {
      const ws = await bounded(rawSub(cmd.url, sub), cmd.timeoutMs, 'raw subscribe');
      closers.push(() => ws.terminate());
    }
  });
  return { type: 'connected', ms: Date.now() - started, failures };
}

/**
 * Where the latency goes (--hops): the same status writes watched one hop earlier, straight at
 * the backend API (one multiplexed socket, as the gateway holds) or at Redis itself.
 */
async function connectHop(cmd: Extract<Command, { type: 'connect-hop' }>) {
  if (cmd.mode === 'redis') {
    const redis = new Redis(cmd.url);
    const byChannel = new Map(cmd.subs.map((s) => [s.channel!, s.taskId]));
    redis.on('message', (channel: string, message: string) => {
      if (!byChannel.has(channel)) return;
      record(byChannel.get(channel)!, Number((JSON.parse(message) as { version: string }).version));
    });
    for (let i = 0; i < cmd.subs.length; i += 500) await redis.subscribe(...cmd.subs.slice(i, i + 500).map((s) => s.channel!));
    closers.push(() => redis.disconnect());
    return { type: 'connected', failures: 0 };
  }
  const client = createClient({ url: cmd.url, webSocketImpl: WebSocket, connectionParams: { token: cmd.token }, lazy: true, retryAttempts: 0 });
  closers.push(() => void client.dispose());
  const results = await Promise.allSettled(cmd.subs.map((sub) => watch(client, sub, { user: sub.user })));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) console.error(`load-client: ${failed.length} backend subscriptions failed: ${(failed[0].reason as Error).message}`);
  return { type: 'connected', failures: failed.length };
}

/** Set-up rate: connect and subscribe every sub (until its first message), then close them all. */
async function setup(cmd: Extract<Command, { type: 'setup' }>) {
  const clients: Client[] = [];
  const started = now();
  const failures = await pool(cmd.subs, cmd.concurrency, async (sub) => {
    clients.push(await bounded(systemSub(cmd.url, sub), cmd.timeoutMs, 'subscribe'));
  });
  const ms = (now() - started) / 1e6;
  await Promise.all(clients.map((c) => c.dispose()));
  return { type: 'setup-done', ms, ok: cmd.subs.length - failures, failures };
}

/**
 * Full path: each slot (one session, one socket) creates a task over HTTP, subscribes to it and
 * waits for its final status, then starts the next; `cookies.length` slots in flight.
 */
/**
 * A page's socket: opened by its first watch and kept across tasks until the slot ends, as the
 * page keeps its one socket open (its list's `taskUpdates` lives on it). Each task costs a
 * subscription on it, not a socket: the raw side keeps its connections too (docs/performance.md).
 */
const pageSocket = (url: string, cookie: string): Client =>
  createClient({ url, webSocketImpl: wsWithCookie(cookie), lazy: true, lazyCloseTimeout: 3_600_000, retryAttempts: 0 });

async function fullpath(cmd: Extract<Command, { type: 'fullpath' }>) {
  let started = 0;
  let finished = 0;
  let failures = 0;
  const notFinished: string[] = [];
  /** Where a task's time goes, per task (ms): createTask answered; first message; final status. */
  const steps = { create: [] as number[], firstMessage: [] as number[], final: [] as number[] };
  const t0 = now();
  const slot = async (cookie: string) => {
    const client = pageSocket(cmd.wsUrl, cookie);
    try {
      while (started < cmd.total) {
        started++;
        const begin = now();
        const body = (await postJson(cmd.httpUrl, CREATE_BODY, { cookie }, cmd.timeoutMs)) as any;
        const id = body?.data?.createTask?.id;
        if (!id) {
          failures++;
          if (failures <= 3) console.error(`load-client: createTask: ${JSON.stringify(body)}`);
          continue;
        }
        const created = now();
        steps.create.push((created - begin) / 1e6);
        const status = await bounded(
          new Promise<string>((resolve, reject) => {
            let last = '';
            client.subscribe<any>(
              { query: WATCH, variables: { id } },
              {
                next: (r) => {
                  if (!last) steps.firstMessage.push((now() - created) / 1e6);
                  last = r.data?.taskStatus?.status ?? last;
                },
                error: reject,
                complete: () => {
                  steps.final.push((now() - created) / 1e6);
                  resolve(last);
                },
              },
            );
          }),
          cmd.timeoutMs,
          'task',
        );
        if (status === 'FINISHED') finished++;
        else notFinished.push(`${id}:${status}`);
      }
    } catch (e) {
      failures++;
      if (failures <= 3) console.error(`load-client: ${(e as Error).message ?? e}`);
    } finally {
      await client.dispose();
    }
  };
  await Promise.all(cmd.cookies.map(slot));
  const medians = { create: median(steps.create), firstMessage: median(steps.firstMessage), final: median(steps.final) };
  return { type: 'fullpath-done', ms: (now() - t0) / 1e6, finished, failures, notFinished: notFinished.slice(0, 5), medians };
}

/**
 * The tiers' own share of a full-path task, without the task: `query` posts a one-task list
 * query over HTTP (as createTask travels); `watch` subscribes, on the slot's page socket, to a
 * task that is already final (subscribe, snapshot, complete: as a task's watch travels). Slot i uses
 * cookies[i] and, for `watch`, taskIds[i] (that session's task).
 */
async function floor(cmd: Extract<Command, { type: 'floor' }>) {
  let started = 0;
  let failures = 0;
  const t0 = now();
  const slot = async (cookie: string, taskId: string) => {
    const client = pageSocket(cmd.wsUrl, cookie);
    try {
      while (started < cmd.total) {
        started++;
        if (cmd.kind === 'query') {
          const body = (await postJson(cmd.httpUrl, LIST_BODY, { cookie }, cmd.timeoutMs)) as any;
          if (!Array.isArray(body?.data?.tasks)) failures++;
        } else {
          await bounded(
            new Promise<void>((resolve, reject) => {
              client.subscribe({ query: WATCH, variables: { id: taskId } }, { next: () => undefined, error: reject, complete: resolve });
            }),
            cmd.timeoutMs,
            'watch',
          );
        }
      }
    } catch (e) {
      failures++;
      if (failures <= 3) console.error(`load-client: floor ${cmd.kind}: ${(e as Error).message ?? e}`);
    } finally {
      await client.dispose();
    }
  };
  await Promise.all(cmd.cookies.map((cookie, i) => slot(cookie, cmd.taskIds[i])));
  return { type: 'floor-done', ms: (now() - t0) / 1e6, failures };
}

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd);
    case 'connect-hop':
      return connectHop(cmd);
    case 'record':
      recording = cmd.on;
      return { type: 'recording', on: cmd.on };
    case 'count':
      return { type: 'count', n: receipts.t.length };
    case 'collect': {
      const out = receipts;
      receipts = { ids: [], versions: [], t: [] };
      return { type: 'receipts', ...out, finals: Object.fromEntries(finals) };
    }
    case 'close':
      for (const close of closers.splice(0)) close();
      finals.clear();
      return { type: 'closed' };
    case 'setup':
      return setup(cmd);
    case 'fullpath':
      return fullpath(cmd);
    case 'floor':
      return floor(cmd);
    case 'connect-feature':
      return connectFeature(cmd, { record, closers, wsWithCookie, pool, bounded });
  }
}

process.on('message', (msg: { seq: number; cmd: Command }) => {
  handle(msg.cmd).then(
    (reply) => process.send?.({ seq: msg.seq, reply }),
    (error: Error) => process.send?.({ seq: msg.seq, error: error.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
