import { TimeoutError, withTimeout, type Readiness } from '@longrun/server-common';
import type { Worker } from 'bullmq';
import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';

/** How long a readiness probe waits for Redis before calling it unreachable. */
const PROBE_TIMEOUT_MS = 1000;

export interface HealthTargets {
  redis: Redis;
  /** API roles: the subscriber that feeds every taskStatus stream. */
  pubsub?: RedisPubSub;
  /** Worker roles: the BullMQ worker that must be consuming. */
  worker?: Worker;
  /** Set once shutdown began: not ready, whatever else holds. */
  stopping?: () => boolean;
}

/** What /readyz checks: Redis answers PING quickly, and each part this role runs is working. */
export async function readiness(t: HealthTargets): Promise<Readiness> {
  const checks: Record<string, string> = {};
  if (t.stopping?.()) checks.process = 'shutting down';
  checks.redis = await probe(t.redis.ping().then((pong) => (pong === 'PONG' ? 'ok' : `unexpected reply ${pong}`)));
  if (t.pubsub) {
    const status = (t.pubsub.getSubscriber() as unknown as Redis).status;
    checks.subscriber = status === 'ready' ? 'ok' : `connection ${status}`;
  }
  if (t.worker) checks.worker = await workerCheck(t.worker);
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

async function workerCheck(worker: Worker): Promise<string> {
  if (worker.closing) return 'closing';
  if (!worker.isRunning()) return 'not running';
  if (worker.isPaused()) return 'paused';
  // The worker waits for jobs on a dedicated blocking connection: if that is down, it consumes
  // nothing even though its loop runs.
  const blocking = (worker as unknown as { backend?: { blockingClient?: Promise<{ status: string }> } }).backend?.blockingClient;
  if (!blocking) return 'ok';
  return probe(blocking.then((client) => (client.status === 'ready' ? 'ok' : `blocking connection ${client.status}`)));
}

/** A check's outcome within PROBE_TIMEOUT_MS; failures become a short reason. */
function probe(check: Promise<string>): Promise<string> {
  return withTimeout(check, PROBE_TIMEOUT_MS).catch((error: unknown) =>
    error instanceof TimeoutError ? `no answer within ${PROBE_TIMEOUT_MS} ms` : 'unreachable',
  );
}
