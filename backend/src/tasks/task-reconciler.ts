import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { RedisClient } from '../redis/redis-connection.js';
import { CONFIG, type Config } from '../config/config.js';
import { jobIdFor, TASKS_QUEUE, type RedisKeys } from '../redis/redis-keys.js';
import { PUBSUB, REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import { reconcileAction, type ReconcileAction } from './reconcile-action.js';
import { errorOfFailedJob, STUCK, TaskAttempts, type AttemptJob } from './task-attempts.js';
import { isFinal, type TaskRecord } from './task-state.js';
import { TaskStore } from './task-store.js';
import type { AttemptReturn } from './tasks.processor.js';

/**
 * Runs in worker processes; one of them per round (a Redis lock) walks the live index and
 * reconciles each record with its BullMQ job.
 */
@Injectable()
export class TaskReconciler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TaskReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly token = randomUUID();
  /** Counts of what the reconciler corrected, since start. */
  readonly corrected = { finish: 0, fail: 0, lost: 0, stuck: 0, requeue: 0 };

  constructor(
    private readonly store: TaskStore,
    private readonly attempts: TaskAttempts,
    @InjectQueue(TASKS_QUEUE) private readonly queue: Queue<AttemptJob, AttemptReturn>,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  onModuleInit(): void {
    const every = this.config.reconcileIntervalMs;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((e: Error) => this.logger.warn(`reconcile round failed: ${e.message}`))
        .finally(() => (this.running = undefined));
    }, every);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round; returns how many records it changed. Skips when another process holds the lock. */
  async runOnce(): Promise<number> {
    const interval = this.config.reconcileIntervalMs;
    const locked = await this.redis.set(this.keys.reconcilerLock, this.token, 'PX', Math.max(1000, interval - 100), 'NX');
    if (locked !== 'OK') return 0;
    const { lockDurationMs, stalledIntervalMs, stallTimeoutMs } = this.config.worker;
    const bounds = {
      // A stall check takes a dead worker's job back within lock + 2 stall intervals; only
      // after that may a job that vanished be called lost.
      graceMs: lockDurationMs + 2 * stalledIntervalMs,
      // The worker holding a silent task stops it after stallTimeoutMs itself; this is the
      // backstop for a holder that cannot (its lock still renewed, its work waiting on nothing).
      stuckAfterMs: stallTimeoutMs + lockDurationMs,
    };
    let cursor = '0';
    let changed = 0;
    do {
      const [next, ids] = await this.store.scanLive(cursor);
      cursor = next;
      const forget: string[] = [];
      for (const id of ids) {
        const record = await this.store.get(id);
        const job = record && !isFinal(record.status) ? await this.queue.getJob(jobIdFor(id, record.attempt)) : undefined;
        // A stalled job waits in the queue to be failed when a worker takes it (BullMQ 6): for
        // the task it has failed already.
        const state = !job ? 'unknown' : job.deferredFailure ? 'failed' : await job.getState();
        const action = reconcileAction(record, state, Date.now(), bounds);
        if (action === 'forget') forget.push(id);
        else if (record && action !== 'none' && (await this.apply(record, action, job))) changed++;
      }
      await this.store.forgetLive(forget);
    } while (cursor !== '0');
    await this.dropExpiredJobs();
    return changed;
  }

  /**
   * A final record expires after TASK_RETENTION_S; its job must go with it. BullMQ's
   * removeOnComplete/removeOnFail ages are enforced only when another job ends in the same set
   * (a failed job waits for the next failure), so each round also cleans both sets by age.
   */
  private async dropExpiredJobs(): Promise<void> {
    const graceMs = this.config.task.retentionS * 1000;
    for (const set of ['completed', 'failed'] as const) await this.queue.clean(graceMs, 1000, set);
  }

  private async apply(
    record: TaskRecord,
    action: Exclude<ReconcileAction, 'none' | 'forget'>,
    job: Job<AttemptJob, AttemptReturn> | undefined,
  ): Promise<boolean> {
    const { id, attempt } = record;
    let applied: boolean;
    if (action === 'finish') {
      const result = job?.returnvalue?.result;
      const finished = await this.store.apply(
        id,
        'finish',
        { progress: 100, finishedAt: Date.now(), ...(result ? { result: JSON.stringify(result) } : {}) },
        { attempt },
      );
      applied = finished.applied;
    } else if (action === 'requeue') {
      const delay = record.nextAttemptAt ? Date.parse(record.nextAttemptAt) - Date.now() : 0;
      await this.attempts.enqueue(id, attempt, delay, record.priority);
      applied = true;
    } else {
      const error =
        action === 'lost' ? 'Lost: its job no longer exists' : action === 'stuck' ? STUCK : errorOfFailedJob(job?.failedReason || job?.deferredFailure);
      applied = (await this.attempts.failed(id, attempt, error)) !== 'none';
    }
    // Whoever holds a stuck task's job stops its work, which frees the slot (see TasksProcessor).
    if (action === 'stuck') await this.pubsub.publish(this.keys.cancelChannel, { taskId: id, reason: 'stuck' });
    if (applied) {
      this.corrected[action]++;
      this.logger.warn(`reconciled task ${id} (attempt ${attempt}): ${action}`);
    }
    return applied;
  }
}
