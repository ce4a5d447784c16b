import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { CONFIG, type Config } from '../config/config.js';
import type { GqlContext } from '../graphql/context.js';
import type { RedisClient } from '../redis/redis-connection.js';
import { TASKS_QUEUE, type RedisKeys } from '../redis/redis-keys.js';
import { REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import { QueueFullError, RateLimitedError, ServiceUnavailableError } from './tasks.errors.js';

/** What a refusal for a full queue tells the caller to wait: workers drain a queue in seconds, not at once. */
export const QUEUE_FULL_RETRY_S = 10;

/**
 * Whether a call that starts tasks (createTask, retryTask, retryTasks) may go ahead, checked
 * before anything is read or written for it, on top of the per-user budget (TasksService):
 *  - the global admission bound: while more than MAX_QUEUED_TASKS jobs wait to start (waiting,
 *    prioritized or delayed in BullMQ, read as counts: nothing is changed), new work is refused
 *    with SERVICE_UNAVAILABLE and `retryAfterSeconds`, rather than queued without end. It is a
 *    bound checked on entry, so concurrent calls (and one retryTasks, up to BULK_MAX_APPLY tasks)
 *    may pass it by what they add;
 *  - the budget of the client's address (TASK_CREATE_ADDRESS_LIMIT per TASK_CREATE_WINDOW_S, in
 *    Redis so every API process shares it): sessions are free, so the per-user budget alone does
 *    not hold a client that drops its cookie. A caller with no address (one holding the internal
 *    token that calls the backend directly) gets the per-user budget only.
 */
@Injectable()
export class TaskAdmission {
  private readonly addressLimiter: RateLimiterRedis;
  private readonly queueKey: string;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_KEYS) keys: RedisKeys,
  ) {
    this.queueKey = `${keys.bullPrefix}:${TASKS_QUEUE}`;
    this.addressLimiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: keys.createAddressLimitPrefix,
      points: config.createLimit.addressPoints,
      duration: config.createLimit.windowS,
    });
  }

  /**
   * Runs `work` (a call that starts tasks) if admitted, spending one of its address's points;
   * throws the coded refusal otherwise. A call that fails (bad input, the per-user budget, a
   * task that cannot be retried) started nothing and gets its point back.
   */
  async run<T>(ctx: GqlContext, work: () => Promise<T>): Promise<T> {
    await this.admit(ctx);
    try {
      return await work();
    } catch (error) {
      if (ctx.client) await this.addressLimiter.reward(ctx.client, 1).catch(() => undefined);
      throw error;
    }
  }

  private async admit(ctx: GqlContext): Promise<void> {
    let queued: number;
    try {
      // Read with the API's own client, which fails at once while Redis is down (BullMQ's
      // connection would wait for Redis to come back): the same lists BullMQ's job counts read,
      // in one pipeline (one write and one reply to read, where three commands took three each;
      // the keys share the queue's hash tag, so a cluster serves it from one node).
      const replies = await this.redis.pipeline().llen(`${this.queueKey}:wait`).zcard(`${this.queueKey}:prioritized`).zcard(`${this.queueKey}:delayed`).exec();
      queued = 0;
      for (const [error, count] of replies ?? [[new Error('no replies'), 0]]) {
        if (error) throw error;
        queued += count as number;
      }
    } catch {
      throw new ServiceUnavailableError();
    }
    if (queued >= this.config.maxQueuedTasks) throw new QueueFullError(QUEUE_FULL_RETRY_S);
    if (ctx.client) await this.spend(ctx.client, 1);
  }

  /**
   * Charges a bulk call's address for the tasks it started beyond the one `admit` took (a
   * penalty: it never refuses, the work is done), so retryTasks costs an address what as many
   * createTask calls would.
   */
  async charge(ctx: GqlContext, started: number): Promise<void> {
    if (!ctx.client || started <= 1) return;
    await this.addressLimiter.penalty(ctx.client, started - 1).catch(() => undefined);
  }

  private async spend(client: string, points: number): Promise<void> {
    try {
      await this.addressLimiter.consume(client, points);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), 'Too many tasks started from this address');
      }
      throw new ServiceUnavailableError();
    }
  }
}
