import { withTimeout } from '@longrun/server-common';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { CONFIG, type Config } from '../config/config.js';
import { jobIdFor, TASKS_QUEUE } from '../redis/redis-keys.js';
import { keepBullAlive } from '../redis/redis-keepalive.js';
import { backoffMs } from './retry-policy.js';
import type { TaskPriority } from '../graphql/generated/schema-types.js';
import { BULL_PRIORITY, isFinal } from './task-state.js';
import { TaskStore } from './task-store.js';

/** What the job of one attempt carries. (`attempt` is absent on jobs queued before retries existed.) */
export interface AttemptJob {
  taskId: string;
  attempt?: number;
}

export const WORKER_LOST = 'Worker lost: the task stopped reporting and was abandoned';
export const STUCK = 'Stuck: the task stopped reporting progress and was stopped';

/**
 * The error an attempt failed with, from its job's failed reason as BullMQ records it: a stall
 * (the worker died or froze) is "worker lost", an empty reason a generic failure.
 */
export function errorOfFailedJob(failedReason: string | undefined): string {
  if (!failedReason) return 'The task failed';
  return /stalled/i.test(failedReason) ? WORKER_LOST : failedReason;
}

export type AttemptOutcome = 'retry' | 'failed' | 'none';

/**
 * Queues attempts and decides what a failed one leads to: the next attempt (after its backoff)
 * while attempts remain and the failure is not permanent, else ERROR. The processor, the
 * failure listener and the reconciler all report failures here, each naming the attempt, and
 * the store's attempt check lets only the first report of an attempt count.
 */
@Injectable()
export class TaskAttempts implements OnModuleInit {
  private readonly logger = new Logger(TaskAttempts.name);

  constructor(
    private readonly store: TaskStore,
    @InjectQueue(TASKS_QUEUE) private readonly queue: Queue<AttemptJob>,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  /** The queue's connection (shared by everything in this process that queues or reads jobs) gets the keep-alive. */
  onModuleInit(): void {
    keepBullAlive(this.queue.getBackend().client, 'longrun:bull-queue', this.config.redisPing);
  }

  /**
   * Queues the job of `attempt`, to start after `delayMs`, at the task's priority (see
   * BULL_PRIORITY). Adding a job id that exists is a no-op.
   */
  async enqueue(taskId: string, attempt: number, delayMs = 0, priority: TaskPriority = 'NORMAL'): Promise<void> {
    const age = this.config.task.retentionS;
    await withTimeout(
      this.queue.add(
        'run',
        { taskId, attempt },
        {
          jobId: jobIdFor(taskId, attempt),
          attempts: 1,
          delay: Math.max(0, delayMs),
          priority: BULL_PRIORITY[priority],
          removeOnComplete: { age },
          removeOnFail: { age },
        },
      ),
      2000,
    );
  }

  /** Removes a queued (waiting or delayed) attempt's job; best-effort (its start is refused anyway once the task moved on). */
  async dequeue(taskId: string, attempt: number): Promise<void> {
    await this.queue.remove(jobIdFor(taskId, attempt)).catch(() => undefined);
  }

  /** Attempt `attempt` of the task failed with `error`: schedule the next one or end the task. */
  async failed(taskId: string, attempt: number, error: string, permanent = false): Promise<AttemptOutcome> {
    const record = await this.store.get(taskId);
    if (!record || isFinal(record.status) || record.attempt !== attempt) return 'none';
    const now = Date.now();
    if (permanent || attempt >= record.maxAttempts) {
      const ended = await this.store.apply(taskId, 'fail', { finishedAt: now, error }, { attempt });
      return ended.applied ? 'failed' : 'none';
    }
    const next = attempt + 1;
    const delay = backoffMs(record.retryDelayMs, next);
    const message = `Attempt ${next} of ${record.maxAttempts} in ${(delay / 1000).toFixed(1)} s`;
    const retried = await this.store.apply(taskId, 'retry', { error, nextAttemptAt: now + delay, progress: 0 }, { attempt, event: { message } });
    if (!retried.applied) return 'none';
    // If this fails (Redis away), the reconciler queues the waiting attempt (see reconcileAction).
    await this.enqueue(taskId, next, delay, record.priority).catch((e: Error) =>
      this.logger.warn(`task ${taskId}: attempt ${next} not queued yet (${e.message})`),
    );
    return 'retry';
  }
}
