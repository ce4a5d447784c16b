import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Config } from '../config/config.js';
import { TASK_OBSERVER } from '../tasks/task-observer.js';
import { rootLogger } from './logger.js';
import { BackendMetrics } from './metrics.js';
import { OPS_LOGGER, TaskEvents } from './task-events.js';

/**
 * Operations (docs/operations.md): the process's metrics registry, its logger, and the task observer
 * that turns every status change into metrics and a log line. Health, metrics and dashboard
 * routes are mounted by `attachOps` (ops.ts) once the app exists.
 */
@Global()
@Module({})
export class OpsModule {
  static forRoot(config: Config): DynamicModule {
    return {
      module: OpsModule,
      providers: [
        { provide: BackendMetrics, useValue: new BackendMetrics() },
        { provide: OPS_LOGGER, useValue: rootLogger(config) },
        { provide: TASK_OBSERVER, useClass: TaskEvents },
      ],
      exports: [BackendMetrics, OPS_LOGGER, TASK_OBSERVER],
    };
  }
}
