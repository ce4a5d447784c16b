import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection.js';
import { CONFIG, type Config } from '../config/config.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import { TASK_OBSERVER, type TaskObserver } from './task-observer.js';
import { isTerminal, recordFromHash, TRANSITIONS, type TaskRecord, type TransitionName } from './task-state.js';

/**
 * One atomic compare-and-set: if the task's status is one of ARGV[1], set ARGV[2] and the given
 * fields, bump the version, on a final status set the retention TTL and drop the id from the
 * live index (KEYS[2]), publish the new snapshot on the task's channel, and return it.
 * Otherwise change nothing and return the current record.
 * Because check, write and publish are one script, cancel racing completion has exactly one
 * winner, a final status never changes, and subscribers see every version in order.
 * `updatedAt` (ARGV[7], the writer's clock, epoch ms) is stored and published with the change
 * so receivers can measure publish-to-deliver latency; it is not part of the public Task.
 */
const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {0, false} end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == cur then allowed = true end
end
local function snapshot()
  local h = redis.call('HGETALL', KEYS[1])
  local t = {}
  for i = 1, #h, 2 do t[h[i]] = h[i + 1] end
  return cjson.encode(t)
end
if not allowed then return {0, snapshot()} end
local fields = cjson.decode(ARGV[3])
local args = {'status', ARGV[2], 'updatedAt', ARGV[7]}
for k, v in pairs(fields) do
  args[#args + 1] = k
  args[#args + 1] = tostring(v)
end
redis.call('HSET', KEYS[1], unpack(args))
redis.call('HINCRBY', KEYS[1], 'version', 1)
if tonumber(ARGV[5]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  redis.call('SREM', KEYS[2], ARGV[6])
end
local snap = snapshot()
redis.call('PUBLISH', ARGV[4], snap)
return {1, snap}
`;

/** Fields a transition may write besides status and version. Times are epoch milliseconds. */
export interface TaskChanges {
  progress?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
}

export type TransitionResult =
  | { applied: true; task: TaskRecord }
  | { applied: false; task: TaskRecord | null };

type CasRedis = RedisClient & {
  taskCas(key: string, liveKey: string, from: string, to: string, fields: string, channel: string, ttl: number, id: string, updatedAt: number): Promise<[number, string | null]>;
};

/** Parses a snapshot published by the CAS script (a JSON object of the record's hash). */
export function recordFromSnapshot(json: string): TaskRecord | null {
  try {
    return recordFromHash(JSON.parse(json) as Record<string, string>);
  } catch {
    return null;
  }
}

/** The one place that creates or changes a task record. */
@Injectable()
export class TaskStore {
  private readonly redis: CasRedis;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
    @Optional() @Inject(TASK_OBSERVER) private readonly observer?: TaskObserver,
  ) {
    redis.defineCommand('taskCas', { numberOfKeys: 2, lua: CAS_SCRIPT });
    this.redis = redis as CasRedis;
  }

  /** Writes a new WAITING record (version 1) and indexes it under its owner. */
  async create(owner: string): Promise<TaskRecord> {
    const id = randomUUID();
    const now = Date.now();
    const ownerKey = this.keys.ownerTasks(owner);
    await this.redis
      .multi()
      .hset(this.keys.task(id), { id, owner, status: 'WAITING', progress: 0, version: 1, createdAt: now })
      .zadd(ownerKey, now, id)
      .sadd(this.keys.liveTasks, id)
      // The index outlives its newest record; entries whose record expired are pruned on read.
      .expire(ownerKey, this.config.task.retentionS + Math.ceil(this.config.task.maxDurationMs / 1000) + 3600)
      .exec()
      .then(throwOnMultiError);
    const task: TaskRecord = {
      id,
      owner,
      status: 'WAITING',
      progress: 0,
      version: 1,
      createdAt: new Date(now).toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
    };
    this.observer?.created(task);
    return task;
  }

  async get(id: string): Promise<TaskRecord | null> {
    return recordFromHash(await this.redis.hgetall(this.keys.task(id)));
  }

  /** The owner's tasks, newest first. */
  async listByOwner(owner: string, first: number): Promise<TaskRecord[]> {
    const ownerKey = this.keys.ownerTasks(owner);
    const ids = await this.redis.zrevrange(ownerKey, 0, first - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.task(id));
    const hashes = (await pipeline.exec()) ?? [];
    const tasks: TaskRecord[] = [];
    const expired: string[] = [];
    hashes.forEach(([err, hash], i) => {
      if (err) throw err;
      const record = recordFromHash(hash as Record<string, string>);
      if (record && record.owner === owner) tasks.push(record);
      else expired.push(ids[i]);
    });
    if (expired.length > 0) await this.redis.zrem(ownerKey, ...expired);
    return tasks;
  }

  /** Ids of tasks that are not final yet, a page at a time (SSCAN cursor semantics). */
  async scanLive(cursor: string, count = 200): Promise<[string, string[]]> {
    return this.redis.sscan(this.keys.liveTasks, cursor, 'COUNT', count);
  }

  /** Drops ids from the live index whose records are final or gone. */
  async forgetLive(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.srem(this.keys.liveTasks, ...ids);
  }

  /** Applies a named transition atomically; see CAS_SCRIPT. */
  async apply(id: string, name: TransitionName, changes: TaskChanges = {}): Promise<TransitionResult> {
    const t = TRANSITIONS[name];
    const ttl = isTerminal(t.to) ? this.config.task.retentionS : 0;
    const [applied, json] = await this.redis.taskCas(
      this.keys.task(id),
      this.keys.liveTasks,
      t.from.join(','),
      t.to,
      JSON.stringify(changes),
      this.keys.taskChannel(id),
      ttl,
      id,
      Date.now(),
    );
    const task = json === null ? null : recordFromSnapshot(json);
    if (applied === 1 && task) {
      this.observer?.applied(name, task);
      return { applied: true, task };
    }
    return { applied: false, task };
  }
}

function throwOnMultiError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('Redis transaction aborted');
  for (const [err] of results) if (err) throw err;
}
