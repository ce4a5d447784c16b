/** Every Redis key, channel and queue name the backend uses, in one place. */
export const TASKS_QUEUE = 'tasks';

export interface RedisKeys {
  task(id: string): string;
  /** The task's timeline: a list of JSON events, appended to with each change, expiring with the record. */
  taskEvents(id: string): string;
  /** The task's downloadable file (an export), expiring with the record. */
  taskFile(id: string): string;
  ownerTasks(owner: string): string;
  /**
   * Per-owner keys the status scripts keep in step with each record, named in Lua as
   * `ownerKeyPrefix` + owner + `:running` (a set: ids of the owner's IN_PROGRESS tasks, what
   * MAX_RUNNING_PER_USER counts) and `:waiting` (a sorted set: the owner's WAITING tasks in the
   * queue's order, what `queuePosition` ranks).
   */
  ownerKeyPrefix: string;
  ownerWaiting(owner: string): string;
  /** A createTask idempotency key of one owner (the key itself hashed): holds `<task id> <request fingerprint>`. */
  idempotency(owner: string, keyHash: string): string;
  /** Ids of tasks not yet final: what the reconciler checks against their jobs. */
  liveTasks: string;
  /** Held by the one worker process that runs the reconciler this round. */
  reconcilerLock: string;
  /** Pub/sub channel carrying each new snapshot of one task. */
  taskChannel(id: string): string;
  /**
   * Pub/sub channel carrying each new snapshot of any of one owner's tasks (`taskUpdates`):
   * `ownerChannelPrefix` + the owner, so the Lua scripts can name it from the record's owner.
   */
  ownerChannel(owner: string): string;
  ownerChannelPrefix: string;
  /** Pub/sub channel on which API processes ask every worker to abort a running task. */
  cancelChannel: string;
  /** Prefix of the per-user `createTask` rate limiter's keys (rate-limiter-flexible adds the user). */
  createLimitPrefix: string;
  /** Prefix of the per-address `createTask` rate limiter's keys (rate-limiter-flexible adds the address). */
  createAddressLimitPrefix: string;
  /** Prefix of the per-user lock that lets one bulk action (cancelTasks, retryTasks) run at a time. */
  bulkLockPrefix: string;
  /** When the task's share links were last revoked (epoch ms): links issued no later are refused. */
  shareRevoked(id: string): string;
  /** Prefix of the per-user rate limiter on share-link verifications (`sharedTask` and its subscriptions). */
  shareLimitPrefix: string;
  /** BullMQ's key prefix (hash-tagged so a queue's keys share one Redis Cluster slot). */
  bullPrefix: string;
}

/**
 * Every key carries the hash tag `{prefix}`, so on a Redis Cluster they all live in one slot:
 * the status CAS script writes a task and the live index together, creation writes the task,
 * its owner's index and the live index in one MULTI, and a listing reads many tasks in one
 * pipeline; a cluster refuses each of these across slots (CROSSSLOT). BullMQ needs the same
 * for its queue's keys. So a cluster gives this deployment failover, not sharding: one slot,
 * one master at a time, holds all of longrun's data. Channels are not keys (PUBLISH reaches
 * every node), so they carry no tag.
 */
export function redisKeys(prefix: string): RedisKeys {
  const tag = `{${prefix}}`;
  return {
    task: (id) => `${tag}:task:${id}`,
    taskEvents: (id) => `${tag}:task:${id}:events`,
    taskFile: (id) => `${tag}:task:${id}:file`,
    ownerTasks: (owner) => `${tag}:owner:${owner}:tasks`,
    ownerKeyPrefix: `${tag}:owner:`,
    ownerWaiting: (owner) => `${tag}:owner:${owner}:waiting`,
    idempotency: (owner, keyHash) => `${tag}:owner:${owner}:idem:${keyHash}`,
    liveTasks: `${tag}:tasks:live`,
    reconcilerLock: `${tag}:reconciler:lock`,
    taskChannel: (id) => `${prefix}:task-status:${id}`,
    ownerChannel: (owner) => `${prefix}:owner-updates:${owner}`,
    ownerChannelPrefix: `${prefix}:owner-updates:`,
    cancelChannel: `${prefix}:cancel`,
    createLimitPrefix: `${tag}:ratelimit:create`,
    createAddressLimitPrefix: `${tag}:ratelimit:create-address`,
    bulkLockPrefix: `${tag}:lock:bulk`,
    shareRevoked: (id) => `${tag}:task:${id}:share-revoked`,
    shareLimitPrefix: `${tag}:ratelimit:share`,
    bullPrefix: `${tag}:bull`,
  };
}

/**
 * Every attempt of a task is its own BullMQ job: the first has the task's id, attempt n ≥ 2
 * `<taskId>.<n>`. So a retry is a new job (delayed by its backoff), a lost attempt's job can
 * never run again as the next one, and every write of an attempt names the attempt it belongs to.
 */
export function jobIdFor(taskId: string, attempt: number): string {
  return attempt <= 1 ? taskId : `${taskId}.${attempt}`;
}

/** The task and attempt a job runs (see jobIdFor). */
export function attemptOfJob(jobId: string): { taskId: string; attempt: number } {
  const dot = jobId.lastIndexOf('.');
  return dot < 0 ? { taskId: jobId, attempt: 1 } : { taskId: jobId.slice(0, dot), attempt: Number(jobId.slice(dot + 1)) || 1 };
}
