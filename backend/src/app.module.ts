import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { CONFIG, type Config } from './config/config.js';
import { ApiGraphQLModule } from './graphql/graphql.module.js';
import { OpsModule } from './ops/ops.module.js';
import { bullConnection } from './redis/redis-connection.js';
import { REDIS_KEYS, RedisModule } from './redis/redis.module.js';
import type { RedisKeys } from './redis/redis-keys.js';
import { TasksModule } from './tasks/tasks.module.js';

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: Config): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}

/** The composition root: configuration, Redis, the queue, the tasks feature, and (for API roles) GraphQL. */
@Module({})
export class AppModule {
  static forRoot(config: Config): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        OpsModule.forRoot(config),
        RedisModule,
        BullModule.forRootAsync({
          inject: [CONFIG, REDIS_KEYS],
          useFactory: (c: Config, keys: RedisKeys) => ({
            connection: bullConnection(c, 'longrun:bull'),
            prefix: keys.bullPrefix,
          }),
        }),
        TasksModule.forRoot(config),
        ...(config.role === 'worker' ? [] : [ApiGraphQLModule]),
      ],
    };
  }
}
