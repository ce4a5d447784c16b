import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection.js';
import { CONFIG, type Config } from '../config/config.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import { TASK_OBSERVER, type TaskObserver } from './task-observer.js';
import { isFinal, recordFromHash, TRANSITIONS, type TaskRecord, type TransitionName } from './task-state.js';

/**
 * One atomic compare-and-set: if the task's status is one of ARGV[1] (`,A,B,`), set ARGV[2] and
 * the given fields (ARGV[7..] as name/value pairs), bump the version, on a final status set the
 * retention TTL (ARGV[4]) and drop the id (ARGV[5]) from the live index (KEYS[2]), publish the
 * new snapshot on the task's channel (ARGV[3]), and return it. Otherwise change nothing and
 * return the current record.
 * Because check, write and publish are one script, cancel racing completion has exactly one
 * winner, a final status never changes, and subscribers see every version in order.
 * `updatedAt` (ARGV[6], the writer's clock, epoch ms) is stored and published with the change
 * so receivers can measure publish-to-deliver latency; it is not part of the public Task.
 * Every status event waits for this script, so it makes as few Redis calls as the contract
 * allows: the record is read once, the snapshot is built from it and the changes (not read
 * back), and the new version is written in the same HSET.
 */
const CAS_SCRIPT = `
local h = redis.call('HGETALL', KEYS[1])
local t = {}
for i = 1, #h, 2 do t[h[i]] = h[i + 1] end
if not t.status then return {0, false} end
if not string.find(ARGV[1], ',' .. t.status .. ',', 1, true) then return {0, cjson.encode(t)} end
t.status = ARGV[2]
t.updatedAt = ARGV[6]
t.version = string.format('%d', (tonumber(t.version) or 0) + 1)
local args = {'status', t.status, 'updatedAt', t.updatedAt, 'version', t.version}
for i = 7, #ARGV, 2 do
  t[ARGV[i]] = ARGV[i + 1]
  args[#args + 1] = ARGV[i]
  args[#args + 1] = ARGV[i + 1]
end
redis.call('HSET', KEYS[1], unpack(args))
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('SREM', KEYS[2], ARGV[5])
end
local snap = cjson.encode(t)
redis.call('PUBLISH', ARGV[3], snap)
return {1, snap}
`;

/** Fields a transition may write besides status and version. Times are epoch milliseconds. */
export interface TaskChanges {
  progress?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
}

export type TransitionResult = { applied: true; task: TaskRecord } | { applied: false; task: TaskRecord | null };

type CasRedis = RedisClient & {
  taskCas(
    key: string,
    liveKey: string,
    from: string,
    to: string,
    channel: string,
    ttl: number,
    id: string,
    updatedAt: number,
    ...fields: string[]
  ): Promise<[number, string | null]>;
};

/** Parses a snapshot published by the CAS script (a JSON object of the record's hash). */
export function recordFromSnapshot(json: string): TaskRecord | null {
  try {
    return recordFromHash(JSON.parse(json) as Record<string, string>);
  } catch {
    return null;
  }
}

/** Each transition's allowed statuses as the script matches them: `,A,B,`. */
const FROM = Object.fromEntries(Object.entries(TRANSITIONS).map(([name, t]) => [name, `,${t.from.join(',')},`])) as Record<TransitionName, string>;

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
    const ttl = isFinal(t.to) ? this.config.task.retentionS : 0;
    const fields: string[] = [];
    for (const [field, value] of Object.entries(changes)) if (value !== undefined) fields.push(field, String(value));
    const [applied, json] = await this.redis.taskCas(
      this.keys.task(id),
      this.keys.liveTasks,
      FROM[name],
      t.to,
      this.keys.taskChannel(id),
      ttl,
      id,
      Date.now(),
      ...fields,
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
