import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { CONFIG, type Config } from '../config/config.js';
import { closeBullClients, createRedisClient, type RedisClient } from './redis-connection.js';
import { keepAlive } from './redis-keepalive.js';
import { redisKeys } from './redis-keys.js';

export const REDIS = Symbol('REDIS');
export const PUBSUB = Symbol('PUBSUB');
export const REDIS_KEYS = Symbol('REDIS_KEYS');

/**
 * The command client fails fast while Redis is unreachable (no offline queue, one try per
 * command), so a request during an outage gets SERVICE_UNAVAILABLE at once instead of hanging.
 */
function commandClient(config: Config): RedisClient {
  return kept(config, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'longrun:cmd' });
}

/** A client with the keep-alive that drops it when its link goes dead (see redis-keepalive.ts). */
function kept(config: Config, options: RedisOptions & { connectionName: string }): RedisClient {
  const client = createRedisClient(config, options);
  keepAlive(client, options.connectionName, config.redisPing);
  return client;
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
          // Cluster clients work too: PUBLISH on any node reaches subscribers on every node.
          publisher: kept(config, { connectionName: 'longrun:pub' }),
          subscriber: kept(config, { connectionName: 'longrun:sub' }),
        }),
    },
  ],
  exports: [REDIS, PUBSUB, REDIS_KEYS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pubsub.close();
    this.redis.disconnect();
    // Runs after every module's own shutdown (the queue's and worker's included).
    await closeBullClients();
  }
}
