/** Every Redis key, channel and queue name the backend uses, in one place. */
export const TASKS_QUEUE = 'tasks';

export interface RedisKeys {
  task(id: string): string;
  ownerTasks(owner: string): string;
  /** Ids of tasks not yet final: what the reconciler checks against their jobs. */
  liveTasks: string;
  /** Held by the one worker process that runs the reconciler this round. */
  reconcilerLock: string;
  /** Pub/sub channel carrying each new snapshot of one task. */
  taskChannel(id: string): string;
  /** Pub/sub channel on which API processes ask every worker to abort a running task. */
  cancelChannel: string;
  /** BullMQ's key prefix (hash-tagged so a queue's keys share one Redis Cluster slot). */
  bullPrefix: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    task: (id) => `${prefix}:task:${id}`,
    ownerTasks: (owner) => `${prefix}:owner:${owner}:tasks`,
    liveTasks: `${prefix}:tasks:live`,
    reconcilerLock: `${prefix}:reconciler:lock`,
    taskChannel: (id) => `${prefix}:task-status:${id}`,
    cancelChannel: `${prefix}:cancel`,
    bullPrefix: `{${prefix}}:bull`,
  };
}
