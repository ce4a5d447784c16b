/**
 * Shared set-up of the tier fault files (one file per scenario group, so each stays well within
 * the runner's per-file timeout): a private Redis, and every process a test starts, stopped
 * after it whatever happens.
 */
import { after, before } from 'node:test';
import { disposeAllClients, killAllChildren, startRedis, type Backend, type RedisServer, type WsClient } from '../testkit/index.js';
import { backend, sharedEnv, Workers, type StackEnv } from './stack.js';

export interface TierStack {
  readonly redis: RedisServer;
  keep<T extends { stop(): Promise<unknown> }>(s: T): T;
  /** Forgets a process that is gone (killed) or about to be stopped by the test itself. */
  forget(s: { stop(): Promise<unknown> }): void;
  stopAll(): Promise<void>;
  /** An API process on a fixed port (so it can come back on it) and a separate worker. */
  backendPair(env: StackEnv, port: number): Promise<{ api: Backend; worker: Backend }>;
}

/** Registers before/after hooks and returns the stack they manage. */
export function tierStack(): TierStack {
  let redis: RedisServer | undefined;
  const running = new Set<{ stop(): Promise<unknown> }>();
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await disposeAllClients();
    for (const s of running) await s.stop();
    await redis?.stop();
    await killAllChildren();
  });
  const stack: TierStack = {
    get redis() {
      return redis!;
    },
    keep(s) {
      running.add(s);
      return s;
    },
    forget(s) {
      running.delete(s);
    },
    async stopAll() {
      for (const s of [...running]) {
        running.delete(s);
        await s.stop();
      }
    },
    async backendPair(env, port) {
      const [api, worker] = await Promise.all([backend(env, 'api', { BACKEND_PORT: String(port) }), backend(env, 'worker')]);
      return { api: stack.keep(api), worker: stack.keep(worker) };
    },
  };
  return stack;
}

export const closesOf = (clients: WsClient[]) => clients.flatMap((c) => c.closes.map((e) => e.code));

export interface WorkerStack {
  readonly redis: RedisServer;
  readonly env: StackEnv;
  /** One API process for the whole file: workers come and go, callers keep talking to it. */
  readonly api: Backend;
  readonly workers: Workers;
}

/**
 * Shared set-up of the worker fault files (workers, stuck, retries): a private Redis, the
 * file's settings (`extra` over sharedEnv's), one API process, and the workers its scenarios
 * start, kill and stop; everything stopped after the file whatever happens. One `before` hook
 * does it all: node:test does not wait for one root-level hook before running the next.
 */
export function workerStack(extra: Record<string, string> = {}): WorkerStack {
  let redis: RedisServer | undefined;
  let env: StackEnv | undefined;
  let api: Backend | undefined;
  const workers = new Workers(() => env!);
  before(async () => {
    redis = await startRedis();
    env = sharedEnv(redis.url, extra);
    api = await backend(env, 'api');
  });
  after(async () => {
    await disposeAllClients();
    await workers.stopAll();
    await api?.stop();
    await redis?.stop();
    await killAllChildren();
  });
  return {
    get redis() {
      return redis!;
    },
    get env() {
      return env!;
    },
    get api() {
      return api!;
    },
    workers,
  };
}
