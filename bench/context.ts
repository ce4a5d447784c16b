/**
 * What bench/run.ts lends the phases that live in their own modules (bench/redis-cost.ts,
 * bench/features.ts): its stack, its load clients and its helpers, so those phases share the
 * driver's clock and processes without importing run.ts (which runs when imported).
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Backend, Frontend, Inspector, RedisServer, Service } from '../testkit/index.js';
import type { Command } from './load-client.js';

export interface BenchClient {
  readonly child: { pid?: number };
  call<T = any>(cmd: Command): Promise<T>;
}

export interface BenchStack {
  redis: RedisServer;
  redisClient: Redis;
  secret: string;
  token: string;
  prefix: string;
  /** The product's TaskStore, keys and config (backend/dist), as the driver uses them. */
  store: any;
  keys: any;
  config: any;
  queue: Queue;
  api: Backend;
  frontend: Frontend;
  gqlHttp: string;
  gqlWs: string;
  rawSub: Service;
  rawRelay: Service;
  inspect: { frontend: Inspector; api: Inspector; rawRelay: Inspector; rawSub: Inspector };
  clients: BenchClient[];
}

export interface BenchContext {
  mode: 'full' | 'quick' | 'smoke';
  s: BenchStack;
  log(msg: string): void;
  newSession(secret: string): { user: string; cookie: string };
  /** A new record, IN_PROGRESS at attempt 1, written through the product's store as the worker starts it. */
  startedRecord(s: BenchStack, owner: string): Promise<string>;
  startWorker(s: BenchStack, env?: Record<string, string>): Promise<Backend>;
  closeAll(s: BenchStack): Promise<void>;
  cpuMs(pid: number): number;
}
