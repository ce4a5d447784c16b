import { hostname } from 'node:os';
import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config, RedisTopology } from '../config/config.js';

/**
 * A command connection: one server (single or Sentinel-found master) or a whole cluster. Both
 * speak the same commands; in a cluster every multi-key command, script and transaction must
 * keep its keys in one slot (see redis-keys.ts).
 */
export type RedisClient = Redis | Cluster;

/** Reconnect forever, backing off to at most 2 s between tries. */
const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);

/** This process's name in Redis (CLIENT LIST) and in BullMQ (a job's `processedBy`). */
export const PROCESS_NAME = `${hostname()}:${process.pid}`;

/** What every connection of any mode needs: auth and TLS. */
function nodeOptions(topology: RedisTopology): RedisOptions {
  return {
    username: topology.username,
    password: topology.password,
    tls: topology.tls ? {} : undefined,
  };
}

/** ioredis options for one server: the single one, or the master the Sentinels name. */
function serverOptions(config: Config, extra: RedisOptions): RedisOptions {
  const topology = config.redis;
  const where: RedisOptions =
    topology.mode === 'sentinel'
      ? {
          sentinels: topology.nodes,
          name: topology.sentinelName,
          // The Sentinels are asked with the same credentials as the master.
          sentinelUsername: topology.username,
          sentinelPassword: topology.password,
          // Reconnect to the new master as soon as a Sentinel announces a failover, rather
          // than when the old one happens to drop us...
          failoverDetector: true,
          // ...and if a write still reaches the demoted one, reconnect and resend it there.
          reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
        }
      : { ...topology.nodes[0] };
  return { ...nodeOptions(topology), ...where, db: topology.db, retryStrategy, ...extra };
}

/**
 * A new client for `config`'s topology with per-connection `extra` options
 * (`enableOfflineQueue`, `maxRetriesPerRequest`, `connectionName`...).
 *  - single: ioredis `Redis` to the one server;
 *  - sentinel: ioredis `Redis` that asks the Sentinels for the master and follows failovers;
 *  - cluster: ioredis `Cluster` from the seed nodes; it discovers the rest and follows MOVED/ASK.
 */
export function createRedisClient(config: Config, extra: RedisOptions = {}): RedisClient {
  if (config.redis.mode !== 'cluster') return new Redis(serverOptions(config, extra));
  const { enableOfflineQueue, ...perNode } = extra;
  const options: ClusterOptions = {
    redisOptions: { ...nodeOptions(config.redis), ...perNode },
    clusterRetryStrategy: retryStrategy,
    // A failover answers CLUSTERDOWN/TRYAGAIN for a moment: retry then instead of failing.
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
  };
  if (enableOfflineQueue !== undefined) options.enableOfflineQueue = enableOfflineQueue;
  return new Cluster(config.redis.nodes, options);
}

/** Connections handed to BullMQ as instances (cluster mode); BullMQ never closes those itself. */
const sharedBullClients = new Set<Cluster>();

/**
 * BullMQ's connection for one of our Queue/Worker/QueueEvents: options for a single or Sentinel
 * Redis (BullMQ opens, duplicates and closes its own connections), or an ioredis `Cluster`
 * instance, which is how BullMQ takes a cluster (it duplicates it for blocking reads). Blocking
 * clients must never give up on a command, hence `maxRetriesPerRequest: null`.
 */
export function bullConnection(config: Config, connectionName: string): ConnectionOptions {
  const extra: RedisOptions = { maxRetriesPerRequest: null, connectionName };
  if (config.redis.mode !== 'cluster') {
    return serverOptions(config, extra) as ConnectionOptions;
  }
  const cluster = createRedisClient(config, extra) as Cluster;
  sharedBullClients.add(cluster);
  return cluster;
}

/** Closes the cluster clients given to BullMQ; call after every Queue/Worker is closed. */
export async function closeBullClients(): Promise<void> {
  const clients = [...sharedBullClients];
  sharedBullClients.clear();
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/**
 * The servers whose settings matter: every master of a cluster (each holds part of the keys),
 * else the one client itself.
 */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
