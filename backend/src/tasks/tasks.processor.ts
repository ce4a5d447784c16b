import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { QueueEvents, UnrecoverableError, type Job } from 'bullmq';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { CONFIG, type Config } from '../config/config.js';
import { TASKS_QUEUE, type RedisKeys } from '../redis/redis-keys.js';
import { bullConnection, PROCESS_NAME } from '../redis/redis-connection.js';
import { PUBSUB, REDIS_KEYS } from '../redis/redis.module.js';
import { planTask } from './task-plan.js';
import { TaskStore } from './task-store.js';
import type { RunTaskJob } from './tasks.service.js';

/** Progress is reported in steps of this many percent (each step is one status event). */
const PROGRESS_STEP = 5;
/** ...but never more often than this. */
const MIN_PROGRESS_INTERVAL_MS = 100;

export const WORKER_LOST = 'Worker lost: the task stopped reporting and was abandoned';
export const SIMULATED_FAILURE = 'The task failed (a simulated failure, as configured by TASK_FAILURE_RATE)';

/**
 * The BullMQ processor: runs the simulated work and reports every change through the TaskStore.
 * Its worker options come from configuration (see TasksModule.forRoot).
 */
@Injectable()
export class TasksProcessor extends WorkerHost implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TasksProcessor.name);
  private cancelSubscription: Promise<number> | undefined;

  constructor(
    private readonly store: TaskStore,
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
  ) {
    super();
  }

  onModuleInit(): void {
    // Cancel requests are broadcast; only the worker holding the job has something to abort.
    this.cancelSubscription = this.pubsub.subscribe(this.keys.cancelChannel, (message: { taskId?: unknown }) => {
      if (typeof message?.taskId === 'string' && this.worker.cancelJob(message.taskId, 'cancelled')) {
        this.logger.log(`task ${message.taskId}: cancel requested, aborting it in worker ${PROCESS_NAME}`);
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    const id = await this.cancelSubscription?.catch(() => undefined);
    if (id !== undefined) this.pubsub.unsubscribe(id);
  }

  /** All three parameters are declared: BullMQ passes the AbortSignal only then. */
  async process(job: Job<RunTaskJob>, _token?: string, signal?: AbortSignal): Promise<void> {
    const { taskId } = job.data;
    const started = await this.persist(taskId, () => this.store.apply(taskId, 'start', { startedAt: Date.now(), progress: 0 }));
    // Cancelled (or failed) before we got here: nothing to run.
    if (started === null) throw new UnrecoverableError('Could not start: the task store was unreachable');
    if (!started.applied) return;

    const plan = planTask(taskId, this.config.task);
    const steps = Math.max(1, Math.min(100 / PROGRESS_STEP, Math.floor(plan.durationMs / MIN_PROGRESS_INTERVAL_MS)));
    const begin = Date.now();
    try {
      for (let step = 1; step <= steps; step++) {
        const due = begin + (plan.durationMs * step) / steps;
        await sleep(Math.max(0, due - Date.now()), undefined, { signal });
        if (step === steps) break;
        const progress = Math.floor((100 * step) / steps);
        // Progress is best-effort: a report lost to a Redis blip is superseded by the next one.
        const reported = await this.store.apply(taskId, 'progress', { progress }).catch((e: Error) => {
          this.logger.warn(`task ${taskId}: progress not recorded (${e.message})`);
          return null;
        });
        // Someone else ended it (a forced cancel, or stall detection): stop working.
        if (reported && !reported.applied) return;
      }
    } catch (error) {
      if (signal?.aborted) {
        await this.persist(taskId, () => this.store.apply(taskId, 'cancelRunning', { finishedAt: Date.now(), error: 'Cancelled by the user' }));
        throw new UnrecoverableError('cancelled');
      }
      throw error;
    }

    if (plan.fails) {
      await this.persist(taskId, () => this.store.apply(taskId, 'fail', { finishedAt: Date.now(), error: SIMULATED_FAILURE }));
      throw new UnrecoverableError(SIMULATED_FAILURE);
    }
    await this.persist(taskId, () => this.store.apply(taskId, 'finish', { progress: 100, finishedAt: Date.now() }));
  }

  /**
   * A status write that must not be lost to a short Redis outage (the command connection fails
   * fast, by design, for API requests): retried with backoff for up to one lock duration, the
   * longest a job survives without Redis anyway. If it still fails, the job ends as the work
   * did (completed, or failed with its reason) once BullMQ reaches Redis again, and the
   * reconciler brings the record in line with it.
   */
  private async persist<T>(taskId: string, write: () => Promise<T>): Promise<T | null> {
    const deadline = Date.now() + this.config.worker.lockDurationMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (Date.now() >= deadline) {
          this.logger.error(`task ${taskId}: status write failed, left to the reconciler (${(error as Error).message})`);
          return null;
        }
        await sleep(Math.min(50 * 2 ** attempt, 1000));
      }
    }
  }
}

/**
 * Turns every failed job into an ERROR record, whoever failed it. A job whose worker died is
 * failed by another worker's stall check *without running our processor*, so this listener is
 * what ends such a task (reason "worker lost"). Records already final are left alone by the CAS.
 */
@Injectable()
export class JobFailureListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobFailureListener.name);
  private events: QueueEvents | undefined;

  constructor(
    private readonly store: TaskStore,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  onModuleInit(): void {
    this.events = new QueueEvents(TASKS_QUEUE, {
      connection: bullConnection(this.config, 'longrun:events'),
      prefix: this.keys.bullPrefix,
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      const error = /stalled/i.test(failedReason) ? WORKER_LOST : failedReason || 'The task failed';
      this.store.apply(jobId, 'fail', { finishedAt: Date.now(), error }).then(
        (r) => r.applied && this.logger.warn(`task ${jobId} failed outside its processor: ${failedReason}`),
        (e: Error) => this.logger.error(`could not record failure of ${jobId}: ${e.message}`),
      );
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.events?.close();
  }
}
