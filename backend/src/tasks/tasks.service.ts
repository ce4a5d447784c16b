import { createHash } from 'node:crypto';
import { withTimeout } from '@longrun/server-common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import type { RedisClient } from '../redis/redis-connection.js';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { CONFIG, type Config } from '../config/config.js';
import type { BulkResult, CreateTaskInput, RetryPolicyInput, TaskFilter, TaskPriority, TaskKind as PublicTaskKind } from '../graphql/generated/schema-types.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { PUBSUB, REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import { DEFAULT_KIND, KINDS, type Kinds } from './kind-registry.js';
import { retryPolicy } from './retry-policy.js';
import { TaskAttempts } from './task-attempts.js';
import { toPublicEvent, type PublicEvent } from './task-events.js';
import { decodeCursor, HISTORY_MAX_FIRST, instant, TaskHistory, type HistoryCounts, type HistoryPage } from './task-history.js';
import { isFinal, toPublic, type PublicTask, type TaskRecord } from './task-state.js';
import { TaskStatusStreams } from './task-status.stream.js';
import { MAX_EVENTS_PAGE, TaskStore, type NewTask, type TaskFile, type TaskPeek } from './task-store.js';
import {
  BadUserInputError,
  CodedError,
  IdempotencyConflictError,
  RateLimitedError,
  ServiceUnavailableError,
  TaskNotCancellableError,
  TaskNotFoundError,
  TaskNotRetryableError,
} from './tasks.errors.js';

/** How often a pending cancel request is re-broadcast (pub/sub delivers at most once). */
const CANCEL_REBROADCAST_MS = 500;
const MAX_PAGE = 100;
/** A bulk action changes at most this many tasks per call... */
export const BULK_MAX_APPLY = 500;
/** ...and reads at most this many (status and kind only) to find them. */
export const BULK_MAX_READ = 10_000;
/** Changes a bulk action makes at once: a running task's cancel waits for its worker (up to CANCEL_TIMEOUT_MS). */
const BULK_CONCURRENCY = 50;

/** A page of `taskHistory`; its counts are read only if the query asks for them, once. */
export interface HistoryConnection extends HistoryPage {
  counts(): Promise<HistoryCounts>;
}

/** The longest `createTask` may defer a task (`delayMs`, `runAt`): 7 days. */
export const MAX_DELAY_MS = 7 * 24 * 3600 * 1000;
/** How far in the past a `runAt` may be (clocks differ) and still mean "now". */
const RUN_AT_SKEW_MS = 60_000;
export const IDEMPOTENCY_KEY_MAX = 200;

/** createTask's controls (see the schema's `createTask`), as the resolver receives them. */
export interface CreateControls {
  idempotencyKey?: unknown;
  delayMs?: unknown;
  runAt?: unknown;
  priority?: TaskPriority | null;
}

/** Checks createTask's controls: when to start (none: at once) and the idempotency key, or BAD_USER_INPUT naming the argument. */
function parseControls(controls: CreateControls, now: number): { schedule: NewTask['schedule']; key: string | undefined } {
  const { idempotencyKey, delayMs, runAt } = controls;
  let key: string | undefined;
  if (idempotencyKey !== null && idempotencyKey !== undefined) {
    if (typeof idempotencyKey !== 'string' || idempotencyKey.length < 1 || idempotencyKey.length > IDEMPOTENCY_KEY_MAX) {
      throw new BadUserInputError('idempotencyKey', `idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX} characters`);
    }
    key = idempotencyKey;
  }
  const hasDelay = delayMs !== null && delayMs !== undefined;
  const hasRunAt = runAt !== null && runAt !== undefined;
  if (hasDelay && hasRunAt) throw new BadUserInputError('runAt', 'Give delayMs or runAt, not both');
  if (hasDelay) {
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
      throw new BadUserInputError('delayMs', `delayMs must be 0 to ${MAX_DELAY_MS} (7 days)`);
    }
    return { schedule: delayMs > 0 ? { delayMs } : undefined, key };
  }
  if (hasRunAt) {
    const at = instant(runAt, 'runAt') ?? now;
    if (at < now - RUN_AT_SKEW_MS || at > now + MAX_DELAY_MS) throw new BadUserInputError('runAt', 'runAt must be between now and 7 days ahead');
    return { schedule: at > now ? { at } : undefined, key };
  }
  return { schedule: undefined, key };
}

/** Runs `fn` on every item, at most `limit` at a time. */
async function eachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** The kind a CreateTaskInput names (its one field; oneOf guarantees at most one) and that kind's input. */
function chosenKind(input: CreateTaskInput | null | undefined): [string, unknown] {
  for (const [name, value] of Object.entries(input ?? {})) if (value !== null && value !== undefined) return [name, value];
  return [DEFAULT_KIND, undefined];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** Redis errors become SERVICE_UNAVAILABLE; coded errors pass through. */
export async function guard<T>(work: Promise<T>): Promise<T> {
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
    private readonly attempts: TaskAttempts,
    private readonly history: TaskHistory,
    @Inject(KINDS) private readonly kinds: Kinds,
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {
    // Each user's counter is one key, so a cluster client serves it like any other.
    this.createLimiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: keys.createLimitPrefix,
      points: config.createLimit.points,
      duration: config.createLimit.windowS,
    });
  }

  /** The kinds this deployment runs, as the schema's TaskKind. */
  taskKinds(): PublicTaskKind[] {
    return [...this.kinds.values()].map((k) => ({
      name: k.name,
      title: k.title,
      description: k.description,
      maxAttempts: k.retry.maxAttempts,
      retryDelayMs: k.retry.delayMs,
    }));
  }

  /**
   * Checks everything first (the kind, its input, the retry policy), so bad input queues
   * nothing and costs no budget; then the record, then its first attempt's job.
   */
  async create(
    owner: string,
    input: CreateTaskInput | null | undefined,
    retry: RetryPolicyInput | null | undefined,
    controls: CreateControls = {},
  ): Promise<PublicTask> {
    const [name, kindInput] = chosenKind(input);
    const kind = this.kinds.get(name);
    if (!kind) throw new BadUserInputError(`input.${name}`, `This deployment has no kind "${name}"`);
    const parsed = kind.parse(kindInput);
    const policy = retryPolicy(kind.retry, retry);
    const { schedule, key } = parseControls(controls, Date.now());
    const priority = controls.priority ?? 'NORMAL';
    const spec: NewTask = { kind: name, input: parsed, ...policy, priority, ...(schedule ? { schedule } : {}) };
    if (key !== undefined) {
      // The request as asked (a delay as given, not its computed time), so a repeat matches.
      const request = [name, parsed, policy, priority, controls.delayMs ?? null, controls.runAt ?? null];
      spec.idempotency = { keyHash: sha256(key), fingerprint: sha256(JSON.stringify(request)) };
    }
    return this.queueNew(owner, spec);
  }

  /** A final task run again: a new task of the same kind, input and policy, linked both ways. */
  async retry(id: string, owner: string): Promise<PublicTask> {
    const original = await this.owned(id, owner);
    if (!isFinal(original.status)) throw new TaskNotRetryableError(original.status);
    const { kind, input, maxAttempts, retryDelayMs } = original;
    return this.queueNew(owner, { kind, input, maxAttempts, retryDelayMs, retryOf: id, priority: original.priority });
  }

  /**
   * Writes the record, then queues its first attempt's job. With an idempotency key the record's
   * write also claims the key (one step): a repeat finds the task and queues nothing, so only the
   * one call that created the task ever queues its job.
   */
  private async queueNew(owner: string, spec: NewTask): Promise<PublicTask> {
    await this.consumeCreateBudget(owner);
    const outcome = await guard(this.store.createOrFind(owner, spec));
    if (!outcome.created) {
      if (outcome.fingerprint !== spec.idempotency?.fingerprint) throw new IdempotencyConflictError();
      return toPublic(await this.owned(outcome.existingId, owner));
    }
    const task = outcome.task;
    try {
      const delayMs = task.scheduledFor === null ? 0 : Date.parse(task.scheduledFor) - Date.now();
      await this.attempts.enqueue(task.id, 1, delayMs, task.priority);
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

  /**
   * A task's place in its owner's line (see `Task.queuePosition`); null unless WAITING, and null
   * when Redis cannot answer this one read: it is a hint beside a status that was read already,
   * and an error here would cost a live view that status (clients drop an event with errors).
   */
  async queuePosition(task: PublicTask, owner: string): Promise<number | null> {
    if (task.status !== 'WAITING') return null;
    try {
      return await this.store.queuePosition(owner, task.id);
    } catch (error) {
      this.logger.warn(`queuePosition of ${task.id} unknown for now: ${(error as Error).message}`);
      return null;
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

  /** One page of the owner's history (see TaskHistory.page); bad arguments are BAD_USER_INPUT naming them. */
  async historyPage(owner: string, filter: TaskFilter | null | undefined, first: number, after: string | null | undefined): Promise<HistoryConnection> {
    if (!Number.isInteger(first) || first < 1 || first > HISTORY_MAX_FIRST) {
      throw new BadUserInputError('first', `first must be between 1 and ${HISTORY_MAX_FIRST}`);
    }
    const position = after === null || after === undefined ? undefined : decodeCursor(after, 'after');
    const spec = this.history.parseFilter(filter);
    const page = await guard(this.history.page(owner, spec, first, position));
    let counts: Promise<HistoryCounts> | undefined;
    return { ...page, counts: () => (counts ??= guard(this.history.counts(owner, spec))) };
  }

  watch(id: string, owner: string): Promise<AsyncIterableIterator<PublicTask>> {
    return guard(this.streams.open(id, owner));
  }

  /** `taskUpdates`: every change of any of the owner's tasks (see TaskStatusStreams.openUpdates). */
  watchAll(owner: string): Promise<AsyncIterableIterator<PublicTask>> {
    return guard(this.streams.openUpdates(owner));
  }

  /** Cancels the owner's live tasks matching `filter`, each through `cancel` (see bulk). */
  cancelMany(owner: string, filter: TaskFilter, dryRun: boolean): Promise<BulkResult> {
    return this.bulk(
      owner,
      filter,
      dryRun,
      (task) => !isFinal(task.status),
      (id) => this.cancel(id, owner),
    );
  }

  /** Retries the owner's final, not yet retried tasks matching `filter`, each through `retry` (see bulk). */
  retryMany(owner: string, filter: TaskFilter, dryRun: boolean): Promise<BulkResult> {
    return this.bulk(
      owner,
      filter,
      dryRun,
      (task) => isFinal(task.status) && !task.retried,
      (id) => this.retry(id, owner),
    );
  }

  /**
   * A bulk action: the matching tasks, newest first (TaskHistory.select, bounded by
   * BULK_MAX_APPLY and BULK_MAX_READ); each `eligible` one is changed by `apply`, which is the
   * single-task operation itself, so every change is the same compare-and-set as ever and a
   * race with a worker has one winner. A task that changed first (the operation refuses it) is
   * skipped; a RATE_LIMITED `apply` (retry's createTask budget) stops the call, and what it did
   * not reach is left for the next call. One bulk action per owner runs at a time.
   */
  private async bulk(
    owner: string,
    filter: TaskFilter,
    dryRun: boolean,
    eligible: (task: TaskPeek) => boolean,
    apply: (id: string) => Promise<unknown>,
  ): Promise<BulkResult> {
    const spec = this.history.parseFilter(filter);
    const select = () => guard(this.history.select(owner, spec, eligible, BULK_MAX_APPLY, BULK_MAX_READ));
    if (dryRun) {
      const { matched, more } = await select();
      const applied = matched.filter((m) => m.eligible).length;
      return { matched: matched.length, applied, skipped: matched.length - applied, hasMore: more, retryAfterSeconds: null };
    }
    return this.withBulkLock(owner, async () => {
      const { matched, more } = await select();
      let applied = 0;
      let unreached = 0;
      let retryAfter: number | undefined;
      let failure: unknown;
      const targets = matched.filter((m) => m.eligible).map((m) => m.peek.id);
      await eachConcurrently(targets, BULK_CONCURRENCY, async (id) => {
        if (retryAfter !== undefined || failure !== undefined) {
          unreached++;
          return;
        }
        try {
          await apply(id);
          applied++;
        } catch (error) {
          if (error instanceof RateLimitedError) {
            retryAfter = Math.max(retryAfter ?? 0, Number(error.extensions.retryAfterSeconds) || 1);
            unreached++;
          } else if (!(error instanceof TaskNotCancellableError || error instanceof TaskNotRetryableError || error instanceof TaskNotFoundError)) {
            failure ??= error;
          }
        }
      });
      // Whatever was applied stays applied; running the call again finishes the job.
      if (failure !== undefined) throw failure;
      if (applied === 0 && retryAfter !== undefined) throw new RateLimitedError(retryAfter);
      const count = matched.length - unreached;
      return { matched: count, applied, skipped: count - applied, hasMore: more || unreached > 0, retryAfterSeconds: retryAfter ?? null };
    });
  }

  /**
   * One bulk action per owner at a time: two at once would act on the same tasks (two "retry all
   * failed" would retry each twice). The lock expires on its own after the longest a call can
   * take (BULK_MAX_APPLY / BULK_CONCURRENCY rounds of cancel timeouts), should its holder die.
   */
  private async withBulkLock<T>(owner: string, work: () => Promise<T>): Promise<T> {
    const key = `${this.keys.bulkLockPrefix}:${owner}`;
    const ttlMs = Math.ceil(BULK_MAX_APPLY / BULK_CONCURRENCY) * this.config.cancelTimeoutMs + 60_000;
    const taken = await guard(this.redis.set(key, '1', 'PX', ttlMs, 'NX'));
    if (taken !== 'OK') throw new RateLimitedError(1, 'Another bulk action of yours is still running');
    try {
      return await work();
    } finally {
      await this.redis.del(key).catch(() => undefined);
    }
  }

  /** The timeline of a task the caller was already found to own (a field of its Task). */
  async events(id: string, after: number, first: number): Promise<PublicEvent[]> {
    if (!Number.isInteger(after) || after < 0) throw new BadUserInputError('after', 'after must be 0 or more');
    if (!Number.isInteger(first) || first < 1 || first > MAX_EVENTS_PAGE)
      throw new BadUserInputError('first', `first must be between 1 and ${MAX_EVENTS_PAGE}`);
    return (await guard(this.store.events(id, after, first))).map(toPublicEvent);
  }

  watchEvents(id: string, owner: string, after: number): Promise<AsyncIterableIterator<PublicEvent>> {
    if (!Number.isInteger(after) || after < 0) throw new BadUserInputError('after', 'after must be 0 or more');
    return guard(this.streams.openEvents(id, owner, after));
  }

  /** The task's file, for its owner only; null for anyone else, for a task without one, or once expired. */
  async file(id: string, owner: string): Promise<TaskFile | null> {
    const record = await this.store.get(id);
    if (!record || record.owner !== owner) return null;
    return this.store.getFile(id);
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
    // A task seen running never waits again for that attempt: only a WAITING one is tried as such.
    if (record.status === 'WAITING') {
      const waiting = await this.cancelWaiting(record);
      if (waiting) return toPublic(waiting);
    }
    return toPublic(await this.cancelRunning(id, owner));
  }

  /** WAITING (for its first attempt or for a retry) to CANCELLED; the attempt's job is removed. Null if it was not WAITING at that attempt. */
  private async cancelWaiting(record: TaskRecord): Promise<TaskRecord | null> {
    const error = record.attempt > 1 ? 'Cancelled while waiting for a retry' : 'Cancelled before it started';
    const waiting = await guard(this.store.apply(record.id, 'cancelWaiting', { finishedAt: Date.now(), error }, { attempt: record.attempt }));
    if (!waiting.applied) return null;
    await this.attempts.dequeue(record.id, record.attempt);
    return waiting.task;
  }

  private async cancelRunning(id: string, owner: string): Promise<TaskRecord> {
    const broadcast = () => this.pubsub.publish(this.keys.cancelChannel, { taskId: id }).catch(() => undefined);
    await this.store.appendEvent(id, { type: 'CANCEL_REQUESTED' }, { status: 'IN_PROGRESS' }).catch(() => undefined);
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
        // The attempt failed meanwhile and the task now waits for a retry: cancel that wait.
        if (last.status === 'WAITING') {
          const record = await this.owned(id, owner);
          if (record.status === 'WAITING') {
            const waiting = await this.cancelWaiting(record);
            if (waiting) return waiting;
          }
        }
      }
      if (last && isFinal(last.status)) return this.cancelOutcome(await this.owned(id, owner));
      // No worker confirmed in time (it died or froze): record the cancel ourselves. Its job's
      // lock will expire and stall detection will fail it; the final status stays CANCELLED.
      this.logger.warn(`task ${id}: no worker confirmed the cancel within ${this.config.cancelTimeoutMs} ms`);
      const forced = await guard(this.store.apply(id, 'cancelRunning', { finishedAt: Date.now(), error: 'Cancelled (its worker did not respond)' }));
      if (forced.applied) return forced.task;
      if (!forced.task) throw new TaskNotFoundError();
      if (forced.task.status === 'WAITING') return (await this.cancelWaiting(forced.task)) ?? this.cancelOutcome(await this.owned(id, owner));
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
