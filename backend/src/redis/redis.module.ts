import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { CONFIG, type Config } from '../config/config.js';
import { redisKeys } from './redis-keys.js';

export const REDIS = Symbol('REDIS');
export const PUBSUB = Symbol('PUBSUB');
export const REDIS_KEYS = Symbol('REDIS_KEYS');

/** Reconnect forever, backing off to at most 2 s between tries. */
const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);

function fromUrl(redisUrl: string) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

/** ioredis options for our own clients. */
export function redisOptions(config: Config, extra: RedisOptions = {}): RedisOptions {
  return { ...fromUrl(config.redisUrl), retryStrategy, ...extra };
}

/** The same connection, as BullMQ's type wants it; BullMQ's blocking clients need no retry cap. */
export function bullConnection(config: Config, connectionName: string): ConnectionOptions {
  return { ...fromUrl(config.redisUrl), retryStrategy, maxRetriesPerRequest: null, connectionName };
}

/**
 * The command client fails fast while Redis is unreachable (no offline queue, one try per
 * command), so a request during an outage gets SERVICE_UNAVAILABLE at once instead of hanging.
 */
function commandClient(config: Config): Redis {
  return new Redis(redisOptions(config, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'longrun:cmd' }));
}

@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [CONFIG], useFactory: commandClient },
    { provide: REDIS_KEYS, inject: [CONFIG], useFactory: (config: Config) => redisKeys(config.prefix) },
    {
      provide: PUBSUB,
      inject: [CONFIG],
      useFactory: (config: Config) =>
        new RedisPubSub({
          publisher: new Redis(redisOptions(config, { connectionName: 'longrun:pub' })),
          subscriber: new Redis(redisOptions(config, { connectionName: 'longrun:sub' })),
        }),
    },
  ],
  exports: [REDIS, PUBSUB, REDIS_KEYS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pubsub.close();
    this.redis.disconnect();
  }
}
