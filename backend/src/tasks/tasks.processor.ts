import { setTimeout as sleep } from 'node:timers/promises';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { QueueEvents, UnrecoverableError, type Job } from 'bullmq';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { CONFIG, type Config } from '../config/config.js';
import { TASKS_QUEUE, type RedisKeys } from '../redis/redis-keys.js';
import { bullConnection, PROCESS_NAME } from '../redis/redis-connection.js';
import { PUBSUB, REDIS_KEYS } from '../redis/redis.module.js';
import { guard, WorkStopped, type AbortReason, type Guarded } from './job-guard.js';
import { planTask } from './task-plan.js';
import { TaskStore } from './task-store.js';
import type { RunTaskJob } from './tasks.service.js';

/** Progress is reported in steps of this many percent (each step is one status event). */
const PROGRESS_STEP = 5;
/** ...but never more often than this. */
const MIN_PROGRESS_INTERVAL_MS = 100;

export const WORKER_LOST = 'Worker lost: the task stopped reporting and was abandoned';
export const SIMULATED_FAILURE = 'The task failed (a simulated failure, as configured by TASK_FAILURE_RATE)';
export const STUCK = 'Stuck: the task stopped reporting progress and was stopped';
/** How long aborted work may take to stop before its job is failed without it. */
const GRACE_MS = 2000;

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
    // Abort requests are broadcast; only the worker holding the job has something to abort.
    // `reason` is `stuck` when the reconciler found the task silent (see TaskReconciler).
    this.cancelSubscription = this.pubsub.subscribe(this.keys.cancelChannel, (message: { taskId?: unknown; reason?: unknown }) => {
      const reason: AbortReason = message?.reason === 'stuck' ? 'stuck' : 'cancelled';
      if (typeof message?.taskId === 'string' && this.worker.cancelJob(message.taskId, reason)) {
        this.logger.log(`task ${message.taskId}: ${reason === 'stuck' ? 'stuck' : 'cancel requested'}, aborting it in worker ${PROCESS_NAME}`);
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    const id = await this.cancelSubscription?.catch(() => undefined);
    if (id !== undefined) this.pubsub.unsubscribe(id);
  }

  /**
   * This worker lost a job it is running (it froze past its lock, or a stall check failed the
   * job): stop that work now, so one job never runs twice and the slot is free for the next.
   */
  @OnWorkerEvent('lockRenewalFailed')
  onLockLost(jobIds: string[]): void {
    for (const id of jobIds) {
      if (this.worker.cancelJob(id, 'lock-lost' satisfies AbortReason)) this.logger.warn(`task ${id}: job lock lost, its work is stopped`);
    }
  }

  /** All three parameters are declared: BullMQ passes the AbortSignal only then. */
  async process(job: Job<RunTaskJob>, _token?: string, signal?: AbortSignal): Promise<void> {
    const { taskId } = job.data;
    try {
      await guard({ signal, stallTimeoutMs: this.config.worker.stallTimeoutMs, graceMs: GRACE_MS }, (g) => this.run(taskId, g));
    } catch (error) {
      if (!(error instanceof WorkStopped)) throw error;
      await this.endAborted(taskId, error.reason);
      throw new UnrecoverableError(error.message);
    }
  }

  /** The simulated work: start, sleep with progress reports, then finish or fail as planned. */
  private async run(taskId: string, { signal, beat }: Guarded): Promise<void> {
    const started = await this.persist(taskId, () => this.store.apply(taskId, 'start', { startedAt: Date.now(), progress: 0 }));
    // Cancelled (or failed) before we got here: nothing to run.
    if (started === null) throw new UnrecoverableError('Could not start: the task store was unreachable');
    if (!started.applied) return;

    const plan = planTask(taskId, this.config.task);
    const steps = Math.max(1, Math.min(100 / PROGRESS_STEP, Math.floor(plan.durationMs / MIN_PROGRESS_INTERVAL_MS)));
    const begin = Date.now();
    for (let step = 1; step <= steps; step++) {
      const due = begin + (plan.durationMs * step) / steps;
      await sleep(Math.max(0, due - Date.now()), undefined, { signal });
      beat();
      if (step === steps) break;
      const progress = Math.floor((100 * step) / steps);
      // Progress is best-effort: a report lost to a Redis blip is superseded by the next one.
      const reported = await this.store.apply(taskId, 'progress', { progress }).catch((e: Error) => {
        this.logger.warn(`task ${taskId}: progress not recorded (${e.message})`);
        return null;
      });
      // Someone else ended it (a forced cancel, stall detection, the reconciler): stop working.
      if (reported && !reported.applied) return;
    }
    signal.throwIfAborted();
    if (plan.fails) {
      await this.persist(taskId, () => this.store.apply(taskId, 'fail', { finishedAt: Date.now(), error: SIMULATED_FAILURE }));
      throw new UnrecoverableError(SIMULATED_FAILURE);
    }
    await this.persist(taskId, () => this.store.apply(taskId, 'finish', { progress: 100, finishedAt: Date.now() }));
  }

  /** Ends a task whose work was aborted, as its reason says (see AbortReason). */
  private async endAborted(taskId: string, reason: AbortReason): Promise<void> {
    const finishedAt = Date.now();
    if (reason === 'cancelled') {
      await this.persist(taskId, () => this.store.apply(taskId, 'cancelRunning', { finishedAt, error: 'Cancelled by the user' }));
    } else if (reason === 'stuck') {
      this.logger.error(`task ${taskId}: stuck (no progress within TASK_STALL_TIMEOUT_MS), its work is stopped`);
      await this.persist(taskId, () => this.store.apply(taskId, 'fail', { finishedAt, error: STUCK }));
    }
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
 * Turns every failed or stalled job into an ERROR record, whoever failed it. A job whose worker
 * died or froze past its lock is found by a stall check *without running our processor*, and
 * BullMQ 6 does not fail it there: it goes back to the queue marked to fail when a worker next
 * takes it, which waits for a free slot. So the `stalled` event (maxStalledCount 0: such a job
 * never runs again) ends the task at once ("worker lost"), and `failed` covers the rest. Records
 * already final are left alone by the CAS.
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
    this.events.on('failed', ({ jobId, failedReason }) =>
      this.fail(jobId, /stalled/i.test(failedReason) ? WORKER_LOST : failedReason || 'The task failed', failedReason),
    );
    this.events.on('stalled', ({ jobId }) => this.fail(jobId, WORKER_LOST, 'stalled'));
  }

  private fail(jobId: string, error: string, why: string): void {
    this.store.apply(jobId, 'fail', { finishedAt: Date.now(), error }).then(
      (r) => r.applied && this.logger.warn(`task ${jobId} failed outside its processor: ${why}`),
      (e: Error) => this.logger.error(`could not record failure of ${jobId}: ${e.message}`),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.events?.close();
  }
}
