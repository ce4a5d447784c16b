import { BullModule, Processor } from '@nestjs/bullmq';
import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { CONFIG, type Config } from '../config/config.js';
import { FilesController } from './files.controller.js';
import { KINDS, loadKinds } from './kind-registry.js';
import { kindServices } from './kind-services.js';
import { TaskAdmission } from './task-admission.js';
import { TaskAttempts } from './task-attempts.js';
import { PROCESS_NAME } from '../redis/redis-connection.js';
import { TASKS_QUEUE } from '../redis/redis-keys.js';
import { TaskHistory } from './task-history.js';
import { TaskReconciler } from './task-reconciler.js';
import { TaskShares } from './task-shares.js';
import { TaskSharesResolver } from './task-shares.resolver.js';
import { TaskStatusStreams } from './task-status.stream.js';
import { TaskStore } from './task-store.js';
import { JobFailureListener, TasksProcessor } from './tasks.processor.js';
import { TaskConnectionResolver, TaskFieldsResolver, TaskResultResolver, TasksResolver } from './tasks.resolver.js';
import { TasksService } from './tasks.service.js';

/**
 * The tasks feature. `api` processes serve GraphQL; `worker` processes run jobs; `all` does both.
 */
@Module({})
export class TasksModule {
  static forRoot(config: Config): DynamicModule {
    const api: Provider[] = [
      TasksResolver,
      TaskFieldsResolver,
      TaskConnectionResolver,
      TaskResultResolver,
      TasksService,
      TaskAdmission,
      TaskHistory,
      TaskStatusStreams,
      TaskShares,
      TaskSharesResolver,
    ];
    const worker: Provider[] = [workerProcessor(config), JobFailureListener, TaskReconciler];
    const kinds: Provider = {
      provide: KINDS,
      inject: [TaskStore, CONFIG],
      useFactory: (store: TaskStore, c: Config) => loadKinds(c, kindServices(store, c)),
    };
    return {
      module: TasksModule,
      imports: [BullModule.registerQueue({ name: TASKS_QUEUE })],
      controllers: config.role === 'worker' ? [] : [FilesController],
      providers: [TaskStore, TaskAttempts, kinds, ...(config.role === 'worker' ? [] : api), ...(config.role === 'api' ? [] : worker)],
    };
  }
}

/**
 * @nestjs/bullmq reads worker options from the @Processor decorator only; deriving a decorated
 * class here lets them come from configuration. maxStalledCount 0: a job whose worker died is
 * failed at the first stall check, never silently run a second time. Locks are renewed every
 * quarter of their duration (BullMQ's default: half), so a lock always has at least three
 * quarters of its duration left: a Redis failover (Sentinel or Cluster) or outage shorter than
 * that is ridden out, and the running attempts carry on (docs/guarantees.md).
 */
function workerProcessor(config: Config): Provider {
  @Processor(TASKS_QUEUE, {
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockDurationMs,
    lockRenewTime: Math.floor(config.worker.lockDurationMs / 4),
    stalledInterval: config.worker.stalledIntervalMs,
    maxStalledCount: 0,
    // Recorded on each job it takes (`processedBy`): which process ran a task.
    name: PROCESS_NAME,
  })
  class ConfiguredTasksProcessor extends TasksProcessor {}
  return { provide: TasksProcessor, useClass: ConfiguredTasksProcessor };
}
