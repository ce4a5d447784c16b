/**
 * Shared set-up of the tier fault files (one file per scenario group, so each stays well within
 * the runner's per-file timeout): a private Redis, and every process a test starts, stopped
 * after it whatever happens.
 */
import { after, before } from 'node:test';
import { disposeAllClients, killAllChildren, startRedis, type Backend, type RedisServer, type WsClient } from '../testkit/index.js';
import { backend, type StackEnv } from './stack.js';

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
