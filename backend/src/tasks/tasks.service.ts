import { withTimeout } from '@longrun/server-common';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { RedisClient } from '../redis/redis-connection.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { CONFIG, type Config } from '../config/config.js';
import { TASKS_QUEUE, type RedisKeys } from '../redis/redis-keys.js';
import { PUBSUB, REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import { isFinal, toPublic, type PublicTask, type TaskRecord } from './task-state.js';
import { TaskStatusStreams } from './task-status.stream.js';
import { TaskStore } from './task-store.js';
import { BadUserInputError, CodedError, RateLimitedError, ServiceUnavailableError, TaskNotCancellableError, TaskNotFoundError } from './tasks.errors.js';

export interface RunTaskJob {
  taskId: string;
}

/** How often a pending cancel request is re-broadcast (pub/sub delivers at most once). */
const CANCEL_REBROADCAST_MS = 500;
const MAX_PAGE = 100;

/** Redis errors become SERVICE_UNAVAILABLE; coded errors pass through. */
async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof CodedError) throw error;
    throw new ServiceUnavailableError();
  }
}

@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);
  private readonly createLimiter: RateLimiterRedis;

  constructor(
    private readonly store: TaskStore,
    private readonly streams: TaskStatusStreams,
    @InjectQueue(TASKS_QUEUE) private readonly queue: Queue<RunTaskJob>,
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REDIS) redis: RedisClient,
  ) {
    // Each user's counter is one key, so a cluster client serves it like any other.
    this.createLimiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: keys.createLimitPrefix,
      points: config.createLimit.points,
      duration: config.createLimit.windowS,
    });
  }

  async create(owner: string): Promise<PublicTask> {
    await this.consumeCreateBudget(owner);
    const task = await guard(this.store.create(owner));
    const age = this.config.task.retentionS;
    try {
      await withTimeout(this.queue.add('run', { taskId: task.id }, { jobId: task.id, attempts: 1, removeOnComplete: { age }, removeOnFail: { age } }), 2000);
    } catch (error) {
      this.logger.warn(`task ${task.id} could not be queued: ${(error as Error).message}`);
      // Never leave a record WAITING for a job that does not exist.
      await this.store.apply(task.id, 'fail', { finishedAt: Date.now(), error: 'Could not be queued' }).catch(() => undefined);
      throw new ServiceUnavailableError();
    }
    return toPublic(task);
  }

  /** Per-user budget, keyed by the asserted user (every request comes from the gateway's address). */
  private async consumeCreateBudget(owner: string): Promise<void> {
    try {
      await this.createLimiter.consume(owner);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw new ServiceUnavailableError();
    }
  }

  async get(id: string, owner: string): Promise<PublicTask> {
    return toPublic(await this.owned(id, owner));
  }

  async list(owner: string, first: number): Promise<PublicTask[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw new BadUserInputError('first', `first must be between 1 and ${MAX_PAGE}`);
    }
    return (await guard(this.store.listByOwner(owner, first))).map(toPublic);
  }

  watch(id: string, owner: string): Promise<AsyncIterableIterator<PublicTask>> {
    return guard(this.streams.open(id, owner));
  }

  /**
   * WAITING: one compare-and-set to CANCELLED, then the job is removed (if a worker grabs it in
   * between, its own WAITING → IN_PROGRESS fails and it does nothing). IN_PROGRESS: every worker
   * process is asked to abort it; the holder stops the work and writes CANCELLED itself, so the
   * answer means the work has stopped. Whatever wins a race, the answer agrees with the record.
   */
  async cancel(id: string, owner: string): Promise<PublicTask> {
    const record = await this.owned(id, owner);
    if (isFinal(record.status)) throw new TaskNotCancellableError(record.status);

    // A task seen running never waits again: only a WAITING one is tried as such.
    if (record.status === 'WAITING') {
      const waiting = await guard(this.store.apply(id, 'cancelWaiting', { finishedAt: Date.now(), error: 'Cancelled before it started' }));
      if (waiting.applied) {
        await this.queue.remove(id).catch(() => undefined);
        return toPublic(waiting.task);
      }
    }
    return toPublic(await this.cancelRunning(id, owner));
  }

  private async cancelRunning(id: string, owner: string): Promise<TaskRecord> {
    const broadcast = () => this.pubsub.publish(this.keys.cancelChannel, { taskId: id }).catch(() => undefined);
    // The request goes out while the watch opens, not after: the watch reads the record once
    // its subscription is confirmed, so a CANCELLED written in between is its first snapshot.
    const [stream] = await Promise.all([this.watch(id, owner), broadcast()]);
    const timer = setInterval(broadcast, CANCEL_REBROADCAST_MS);
    const deadline = Date.now() + this.config.cancelTimeoutMs;
    try {
      let last: PublicTask | undefined;
      while (Date.now() < deadline) {
        const next = await withTimeout(stream.next(), deadline - Date.now()).catch(() => null);
        if (!next || next.done) break;
        last = next.value;
        if (isFinal(last.status)) break;
      }
      if (last && isFinal(last.status)) return this.cancelOutcome({ ...last, owner });
      // No worker confirmed in time (it died or froze): record the cancel ourselves. Its job's
      // lock will expire and stall detection will fail it; the final status stays CANCELLED.
      this.logger.warn(`task ${id}: no worker confirmed the cancel within ${this.config.cancelTimeoutMs} ms`);
      const forced = await guard(this.store.apply(id, 'cancelRunning', { finishedAt: Date.now(), error: 'Cancelled (its worker did not respond)' }));
      if (forced.applied) return forced.task;
      if (!forced.task) throw new TaskNotFoundError();
      return this.cancelOutcome(forced.task);
    } finally {
      clearInterval(timer);
      await stream.return?.();
    }
  }

  private cancelOutcome(task: TaskRecord): TaskRecord {
    if (task.status === 'CANCELLED') return task;
    throw new TaskNotCancellableError(task.status);
  }

  private async owned(id: string, owner: string): Promise<TaskRecord> {
    const record = await guard(this.store.get(id));
    if (!record || record.owner !== owner) throw new TaskNotFoundError();
    return record;
  }
}
