import { setTimeout as sleep } from 'node:timers/promises';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DelayedError, QueueEvents, UnrecoverableError, type Job } from 'bullmq';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { CONFIG, type Config } from '../config/config.js';
import type { LogLevel } from '../graphql/generated/schema-types.js';
import { attemptOfJob, TASKS_QUEUE, type RedisKeys } from '../redis/redis-keys.js';
import { bullConnection, PROCESS_NAME } from '../redis/redis-connection.js';
import { keepBullAlive } from '../redis/redis-keepalive.js';
import { PUBSUB, REDIS_KEYS } from '../redis/redis.module.js';
import { guard, WorkStopped, type AbortReason, type Guarded } from './job-guard.js';
import { KINDS, type Kinds } from './kind-registry.js';
import { errorOfFailedJob, STUCK, TaskAttempts, WORKER_LOST, type AttemptJob } from './task-attempts.js';
import { PermanentError, type KindResult, type TaskContext } from './task-kind.js';
import { LogBudget } from './task-log.js';
import type { TaskRecord } from './task-state.js';
import { TaskStore } from './task-store.js';

/** How long aborted work may take to stop before its job is failed without it. */
const GRACE_MS = 2000;
/**
 * How long a job whose owner is at MAX_RUNNING_PER_USER is put back (delayed) before a worker
 * looks at it again, with up to as much again of jitter so a heavy user's jobs spread out.
 */
export const POSTPONE_MS = 1000;

/** `run`'s answer when the owner runs as many tasks as allowed: the job goes back, unstarted. */
const POSTPONED = Symbol('postponed');

/** A job's return value when its attempt finished: how the reconciler finishes a task whose final write was lost. */
export interface AttemptReturn {
  result?: KindResult;
}

/**
 * The BullMQ processor: runs one attempt of a task (one job) with its kind's handler and
 * reports every change through the TaskStore, each write naming the attempt. Its worker options
 * come from configuration (see TasksModule.forRoot).
 */
@Injectable()
export class TasksProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TasksProcessor.name);
  private cancelSubscription: Promise<number> | undefined;
  /** The job each task runs in this process: aborts are asked for by task id. */
  private readonly running = new Map<string, string>();
  /** Per running job: until when its lock surely holds (its start or last confirmed renewal + the lock duration). */
  private readonly lockedUntil = new Map<string, number>();
  private lockWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly attempts: TaskAttempts,
    @Inject(KINDS) private readonly kinds: Kinds,
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
  ) {
    super();
  }

  /** The worker exists from here on (@nestjs/bullmq makes it during module init). */
  onApplicationBootstrap(): void {
    // The worker's own command connection (job moves, lock renewals, stall checks): dropped and
    // reconnected when its link goes dead. Its blocking connection is BullMQ's to guard.
    keepBullAlive(this.worker.getBackend().client, 'longrun:bull-worker', this.config.redisPing);
    const lockMs = this.config.worker.lockDurationMs;
    this.lockWatch = setInterval(() => this.dropUnrenewed(), Math.max(50, Math.min(1000, lockMs / 4)));
    this.lockWatch.unref();
  }

  onModuleInit(): void {
    // Abort requests are broadcast; only the worker holding the job has something to abort.
    // `reason` is `stuck` when the reconciler found the task silent (see TaskReconciler).
    this.cancelSubscription = this.pubsub.subscribe(this.keys.cancelChannel, (message: { taskId?: unknown; reason?: unknown }) => {
      const reason: AbortReason = message?.reason === 'stuck' ? 'stuck' : 'cancelled';
      const jobId = typeof message?.taskId === 'string' ? this.running.get(message.taskId) : undefined;
      if (jobId && this.worker.cancelJob(jobId, reason)) {
        this.logger.log(`task ${message.taskId}: ${reason === 'stuck' ? 'stuck' : 'cancel requested'}, aborting it in worker ${PROCESS_NAME}`);
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.lockWatch);
    const id = await this.cancelSubscription?.catch(() => undefined);
    if (id !== undefined) this.pubsub.unsubscribe(id);
  }

  /**
   * This worker lost a job it is running (it froze past its lock, or a stall check failed the
   * job): stop that work now, so one attempt never runs twice and the slot is free for the next.
   */
  @OnWorkerEvent('lockRenewalFailed')
  onLockLost(jobIds: string[]): void {
    for (const id of jobIds) {
      if (!this.worker.cancelJob(id, 'lock-lost' satisfies AbortReason)) continue;
      const { taskId, attempt } = attemptOfJob(id);
      this.logger.warn(`task ${taskId}: job lock lost (attempt ${attempt}), its work is stopped`);
    }
  }

  @OnWorkerEvent('locksRenewed')
  onLocksRenewed({ jobIds }: { jobIds: string[] }): void {
    const until = Date.now() + this.config.worker.lockDurationMs;
    for (const id of jobIds) if (this.lockedUntil.has(id)) this.lockedUntil.set(id, until);
  }

  /**
   * A worker cut off from Redis (a partition: its renewals go unanswered) cannot keep its locks:
   * once a job's lock has surely expired, a stall check elsewhere fails the attempt (and retries
   * it while attempts remain), so this work must stop now rather than run on next to the retry.
   * As with a lost lock, the processor then writes nothing: the stall check owns the outcome.
   */
  private dropUnrenewed(): void {
    const now = Date.now();
    for (const [id, until] of this.lockedUntil) {
      if (now <= until) continue;
      this.lockedUntil.delete(id);
      if (!this.worker.cancelJob(id, 'lock-lost' satisfies AbortReason)) continue;
      const { taskId, attempt } = attemptOfJob(id);
      this.logger.warn(`task ${taskId}: no lock renewal reached Redis for ${this.config.worker.lockDurationMs} ms (attempt ${attempt}), its work is stopped`);
    }
  }

  /** All three parameters are declared: BullMQ passes the AbortSignal only then. */
  async process(job: Job<AttemptJob>, token?: string, signal?: AbortSignal): Promise<AttemptReturn> {
    const { taskId } = job.data;
    const attempt = job.data.attempt ?? 1;
    const jobId = job.id ?? taskId;
    this.running.set(taskId, jobId);
    // BullMQ took the lock just before handing us the job.
    this.lockedUntil.set(jobId, Date.now() + this.config.worker.lockDurationMs);
    let outcome: AttemptReturn | typeof POSTPONED;
    try {
      outcome = await guard({ signal, stallTimeoutMs: this.config.worker.stallTimeoutMs, graceMs: GRACE_MS }, (g) => this.run(taskId, attempt, g));
    } catch (error) {
      if (!(error instanceof WorkStopped)) throw error;
      await this.endAborted(taskId, attempt, error.reason);
      throw new UnrecoverableError(error.message);
    } finally {
      if (this.running.get(taskId) === jobId) this.running.delete(taskId);
      this.lockedUntil.delete(jobId);
    }
    if (outcome !== POSTPONED) return outcome;
    // The owner is at the cap: the job goes back to the delayed set, the slot to someone else's
    // job. Nothing was written (the start was refused), so the task stays WAITING at the same
    // attempt, and a DelayedError is no failure: BullMQ counts no attempt for it.
    await job.moveToDelayed(Date.now() + POSTPONE_MS + Math.floor(Math.random() * POSTPONE_MS), token);
    throw new DelayedError();
  }

  /**
   * One attempt: start it, run the kind's handler, then finish with its result, or hand the
   * failure to TaskAttempts (the next attempt, or ERROR). The job of an attempt that failed
   * fails too (UnrecoverableError: BullMQ never retries a job; the next attempt is a job of its own).
   */
  private async run(taskId: string, attempt: number, g: Guarded): Promise<AttemptReturn | typeof POSTPONED> {
    const now = Date.now();
    const changes = { progress: 0, error: '', nextAttemptAt: '' as const, ...(attempt === 1 ? { startedAt: now } : {}) };
    const started = await this.persist(taskId, () => this.store.apply(taskId, 'start', changes, { attempt }));
    if (started === null) throw new UnrecoverableError('Could not start: the task store was unreachable');
    if (!started.applied && started.capped) return POSTPONED;
    // Cancelled (or ended, or moved on) before we got here: nothing to run.
    if (!started.applied) return {};
    const task = started.task;
    const kind = this.kinds.get(task.kind);
    const ctx = new AttemptContext(task, attempt, g, this.store, this.logger);
    let result: KindResult;
    try {
      if (!kind) throw new PermanentError(`This deployment has no kind "${task.kind}"`);
      result = await kind.run(ctx, task.input === undefined ? kind.parse(undefined) : task.input);
      g.signal.throwIfAborted();
    } catch (error) {
      if (g.signal.aborted) throw error;
      const message = error instanceof Error && error.message ? error.message : 'The task failed';
      await ctx.flush();
      await this.persist(taskId, () => this.attempts.failed(taskId, attempt, message, error instanceof PermanentError));
      throw new UnrecoverableError(message);
    }
    await ctx.flush();
    const finishedAt = Date.now();
    await this.persist(taskId, () => this.store.apply(taskId, 'finish', { progress: 100, finishedAt, result: JSON.stringify(result) }, { attempt }));
    return { result };
  }

  /** Ends the attempt whose work was aborted, as its reason says (see AbortReason). */
  private async endAborted(taskId: string, attempt: number, reason: AbortReason): Promise<void> {
    if (reason === 'cancelled') {
      await this.persist(taskId, () => this.store.apply(taskId, 'cancelRunning', { finishedAt: Date.now(), error: 'Cancelled by the user' }, { attempt }));
    } else if (reason === 'stuck') {
      this.logger.error(`task ${taskId}: stuck (no progress within TASK_STALL_TIMEOUT_MS), its work is stopped`);
      await this.persist(taskId, () => this.attempts.failed(taskId, attempt, STUCK));
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
 * Reports every failed or stalled job as a failed attempt, whoever failed it. A job whose worker
 * died or froze past its lock is found by a stall check *without running our processor*, and
 * BullMQ 6 does not fail it there: it goes back to the queue marked to fail when a worker next
 * takes it, which waits for a free slot. So the `stalled` event (maxStalledCount 0: such a job
 * never runs again) fails the attempt at once ("worker lost": retried while attempts remain),
 * and `failed` covers the rest. An attempt already reported (by its processor, say) is left
 * alone by the store's attempt check.
 */
@Injectable()
export class JobFailureListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobFailureListener.name);
  private events: QueueEvents | undefined;

  constructor(
    private readonly attempts: TaskAttempts,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  onModuleInit(): void {
    this.events = new QueueEvents(TASKS_QUEUE, {
      connection: bullConnection(this.config, 'longrun:events'),
      prefix: this.keys.bullPrefix,
    });
    this.events.on('failed', ({ jobId, failedReason }) => this.fail(jobId, errorOfFailedJob(failedReason), failedReason));
    this.events.on('stalled', ({ jobId }) => this.fail(jobId, WORKER_LOST, 'stalled'));
  }

  private fail(jobId: string, error: string, why: string): void {
    const { taskId, attempt } = attemptOfJob(jobId);
    this.attempts.failed(taskId, attempt, error).then(
      (outcome) => outcome !== 'none' && this.logger.warn(`task ${taskId} attempt ${attempt} failed outside its processor (${why}): ${outcome}`),
      (e: Error) => this.logger.error(`could not record the failure of job ${jobId}: ${e.message}`),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.events?.close();
  }
}

/** What the kind's handler sees of its attempt (see TaskContext). */
class AttemptContext implements TaskContext {
  readonly taskId: string;
  readonly owner: string;
  readonly maxAttempts: number;
  readonly signal: AbortSignal;
  private lastProgress = -1;
  private readonly budget = new LogBudget();
  /** Timeline writes in flight: settled before the attempt's outcome is written, so the timeline keeps their order. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    task: TaskRecord,
    readonly attempt: number,
    private readonly guarded: Guarded,
    private readonly store: TaskStore,
    private readonly logger: Logger,
  ) {
    this.taskId = task.id;
    this.owner = task.owner;
    this.maxAttempts = task.maxAttempts;
    this.signal = guarded.signal;
  }

  async progress(percent: number): Promise<void> {
    this.guarded.beat();
    const progress = Math.max(0, Math.min(100, Math.floor(Number.isFinite(percent) ? percent : 0)));
    if (progress === this.lastProgress || this.signal.aborted) return;
    this.lastProgress = progress;
    // Best-effort: a report lost to a Redis blip is superseded by the next one.
    const reported = await this.track(this.store.apply(this.taskId, 'progress', { progress }, { attempt: this.attempt })).catch((e: Error) => {
      this.logger.warn(`task ${this.taskId}: progress not recorded (${e.message})`);
      return null;
    });
    // Someone else ended the task or moved it on (a forced cancel, a stall check, the reconciler): stop working.
    if (reported && !reported.applied) this.guarded.abort('superseded');
  }

  log(message: string, level: LogLevel = 'INFO'): void {
    for (const line of this.budget.admit(String(message), level)) {
      const append = this.store.appendEvent(this.taskId, { type: 'LOG', attempt: this.attempt, ...line }, { attempt: this.attempt });
      void this.track(append).catch(() => undefined);
    }
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private track<T>(write: Promise<T>): Promise<T> {
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write)).catch(() => undefined);
    return write;
  }
}
