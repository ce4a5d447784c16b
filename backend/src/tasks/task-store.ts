import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection.js';
import { CONFIG, type Config } from '../config/config.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import { TASK_OBSERVER, type TaskObserver } from './task-observer.js';
import { eventFromJson, type StoredEvent } from './task-events.js';
import type { TaskPriority } from '../graphql/generated/schema-types.js';
import { isFinal, recordFromHash, TASK_STATUSES, TRANSITIONS, type TaskRecord, type TaskStatus, type TransitionName } from './task-state.js';

/**
 * One atomic compare-and-set. If the task's status is one of ARGV[1] (`,A,B,`) and, when ARGV[7]
 * is not '0', its attempt is ARGV[7]: set status ARGV[2] and the given fields (ARGV[13..] as
 * name/value pairs), bump the version, apply the attempt step ARGV[8] (see AttemptStep), append
 * the timeline events (ARGV[9]: the transition's event type; ARGV[10]: its JSON extras) to the
 * list KEYS[3], on a final status set the retention TTL (ARGV[4]) on the record, its timeline and
 * its file (KEYS[4]) and drop the id (ARGV[5]) from the live index (KEYS[2]), publish the new
 * snapshot with its new events on the task's channel (ARGV[3]) and on its owner's (ARGV[11] and
 * the owner: `taskUpdates`), and return it. Otherwise change nothing and return the current record.
 * Because check, write, append and publish are one script, cancel racing completion has exactly
 * one winner, a final status never changes, a write of an attempt that is over is refused,
 * subscribers see every version in order, and the timeline never holds a status without its
 * event or an event without its status.
 * `updatedAt` (ARGV[6], the writer's clock, epoch ms) is stored and published with the change
 * so receivers can measure publish-to-deliver latency.
 * Every status event waits for this script, and Redis sends a burst's messages only after running
 * the whole burst, so its run time is latency (docs/performance.md, the timeline rows): the record
 * is read once, the snapshot is built from it and the changes (not read back), all fields are
 * written in one HSET, and a change that appends nothing (most progress writes: PROGRESS is
 * thinned to 10 % steps) costs no timeline call at all. Each event is encoded once: the encoded
 * events are pushed and spliced into the published snapshot as they are. The snapshot carries
 * `events` only when there are some.
 * The `[controls]` blocks (KEYS[5]: the owner keys' prefix, ARGV[12]: the running cap) keep the
 * owner's running set and waiting line (see RedisKeys.ownerKeyPrefix) in step with the status,
 * and refuse a start over MAX_RUNNING_PER_USER with 2 (only on a status change: progress skips them).
 */
const CAS_SCRIPT = `
local h = redis.call('HGETALL', KEYS[1])
local t = {}
for i = 1, #h, 2 do t[h[i]] = h[i + 1] end
if not t.status then return {0, false} end
if not string.find(ARGV[1], ',' .. t.status .. ',', 1, true) or (ARGV[7] ~= '0' and (t.attempt or '1') ~= ARGV[7]) then
  return {0, cjson.encode(t)}
end
-- [controls] The owner's running cap (MAX_RUNNING_PER_USER): ARGV[12], when this transition
-- starts an attempt ('0' otherwise). At the cap, refuse with 2 and change nothing. Members whose
-- record is no longer IN_PROGRESS (only possible if a record was deleted by hand) are dropped first.
local prev = t.status
if ARGV[12] ~= '0' and t.owner then
  local running = KEYS[5] .. t.owner .. ':running'
  local cap = tonumber(ARGV[12])
  if redis.call('SCARD', running) >= cap then
    local taskPrefix = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[5])
    for _, other in ipairs(redis.call('SMEMBERS', running)) do
      if redis.call('HGET', taskPrefix .. other, 'status') ~= 'IN_PROGRESS' then redis.call('SREM', running, other) end
    end
    if redis.call('SCARD', running) >= cap then return {2, cjson.encode(t)} end
  end
end
local now = tonumber(ARGV[6])
local before = tonumber(t.progress) or 0
t.status = ARGV[2]
t.updatedAt = ARGV[6]
t.version = string.format('%d', (tonumber(t.version) or 0) + 1)
local args = {'status', t.status, 'updatedAt', t.updatedAt, 'version', t.version}
for i = 13, #ARGV, 2 do
  t[ARGV[i]] = ARGV[i + 1]
  args[#args + 1] = ARGV[i]
  args[#args + 1] = ARGV[i + 1]
end
local step = ARGV[8]
local attempt = tonumber(t.attempt) or 1
local err = t.error
if err == '' then err = nil end
local events = {}
if step ~= 'none' then
  local list = {}
  if t.attempts and t.attempts ~= '' and t.attempts ~= '{}' then list = cjson.decode(t.attempts) end
  local last = list[#list]
  -- Times are writers' clocks, and a write may have waited in flight (a frozen or partitioned
  -- writer) while another landed: the version order is the truth, so an attempt's window is
  -- kept in it, never ending before it started nor starting before the previous one ended.
  if step == 'open' then
    list[#list + 1] = {number = attempt, startedAt = math.max(now, last and last.endedAt or now)}
  elseif last and not last.endedAt then
    last.endedAt = math.max(now, last.startedAt or now)
    last.error = err
  end
  if step == 'fail' or step == 'next' then
    events[1] = {type = 'ATTEMPT_FAILED', attempt = attempt, message = err}
  end
  if step == 'next' then
    attempt = attempt + 1
    t.attempt = string.format('%d', attempt)
    args[#args + 1] = 'attempt'
    args[#args + 1] = t.attempt
  end
  t.attempts = #list == 0 and '[]' or cjson.encode(list)
  args[#args + 1] = 'attempts'
  args[#args + 1] = t.attempts
end
redis.call('HSET', KEYS[1], unpack(args))
-- [controls] The owner's running set and waiting line follow the status in this same step, so
-- they are exact whatever crashes: a task is in the running set exactly while its record is IN_PROGRESS.
if t.owner and prev ~= t.status then
  local base = KEYS[5] .. t.owner
  if t.status == 'IN_PROGRESS' then redis.call('SADD', base .. ':running', ARGV[5]) else redis.call('SREM', base .. ':running', ARGV[5]) end
  if t.status == 'WAITING' then redis.call('ZADD', base .. ':waiting', tonumber(t.queueScore) or 0, ARGV[5]) else redis.call('ZREM', base .. ':waiting', ARGV[5]) end
end
if tonumber(ARGV[4]) > 0 and t.idempotencyKey then redis.call('EXPIRE', t.idempotencyKey, ARGV[4]) end
local kind = ARGV[9]
local progress = tonumber(t.progress) or 0
if kind ~= 'PROGRESS' or math.floor(progress / 10) > math.floor(before / 10) then
  local e = ARGV[10] == '{}' and {} or cjson.decode(ARGV[10])
  e.type = kind
  if kind == 'PROGRESS' then e.progress = progress end
  if kind == 'ATTEMPT_STARTED' or kind == 'RETRY_SCHEDULED' then e.attempt = attempt end
  if kind == 'ENDED' then
    e.message = err
    if t.status == 'FINISHED' and t.result then e.result = cjson.decode(t.result) end
  end
  events[#events + 1] = e
end
local snap = cjson.encode(t)
if #events > 0 then
  local seq = redis.call('LLEN', KEYS[3])
  local encoded = {}
  for i, e in ipairs(events) do
    e.at = now
    e.status = t.status
    e.seq = seq + i
    encoded[i] = cjson.encode(e)
  end
  redis.call('RPUSH', KEYS[3], unpack(encoded))
  snap = string.sub(snap, 1, -2) .. ',"events":[' .. table.concat(encoded, ',') .. ']}'
end
-- After the push: a timeline the push creates (a task older than timelines) expires too.
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
  redis.call('EXPIRE', KEYS[4], ARGV[4])
  redis.call('SREM', KEYS[2], ARGV[5])
end
redis.call('PUBLISH', ARGV[3], snap)
if t.owner then redis.call('PUBLISH', ARGV[11] .. t.owner, snap) end
return {1, snap}
`;

/**
 * Appends one event that changes no status (a log line, a cancel request) to a live task's
 * timeline and publishes it: refused (0) when the task is gone, final, or no longer at attempt
 * ARGV[3] ('0': any) in status ARGV[5] ('': any live one). A LOG event (ARGV[2] is its JSON) is
 * counted against the task's bound ARGV[6]: the line past it is replaced by ARGV[7] (a
 * warning) and any later one refused (-1).
 */
const EVENT_SCRIPT = `
local r = redis.call('HMGET', KEYS[1], 'status', 'attempt', 'logs')
local status = r[1]
if not status or status == 'FINISHED' or status == 'CANCELLED' or status == 'ERROR' then return 0 end
if ARGV[3] ~= '0' and (r[2] or '1') ~= ARGV[3] then return 0 end
if ARGV[5] ~= '' and status ~= ARGV[5] then return 0 end
local e = cjson.decode(ARGV[2])
if e.type == 'LOG' then
  local logs = tonumber(r[3]) or 0
  local max = tonumber(ARGV[6])
  if logs > max then return -1 end
  if logs == max then e = cjson.decode(ARGV[7]) end
  redis.call('HSET', KEYS[1], 'logs', logs + 1)
end
e.at = tonumber(ARGV[4])
e.status = status
e.seq = redis.call('LLEN', KEYS[2]) + 1
local json = cjson.encode(e)
redis.call('RPUSH', KEYS[2], json)
redis.call('PUBLISH', ARGV[1], '{"events":[' .. json .. ']}')
return e.seq
`;

/**
 * Creates a task: the record (version 1), its owner's index and waiting line (KEYS[6], score
 * ARGV[10]), the live index and the CREATED event, and (ARGV[4], when set) the new id in its
 * original's `retries`, if that is the same owner's; then publishes the new record on the owner's
 * channel (ARGV[7]), as CAS_SCRIPT does every later version. ARGV[1]: id, ARGV[2]: owner,
 * ARGV[3]: index TTL, ARGV[5]: now, ARGV[6]: the CREATED event's JSON, ARGV[11..]: the record's
 * fields as name/value pairs. Returns {1}.
 * With an idempotency key (KEYS[7]; ARGV[8]: the request's fingerprint, ARGV[9]: the key's TTL):
 * if the key names a task that still exists, creates nothing and returns {0, that id, its
 * fingerprint}; else claims the key for the new task in the same step, so of concurrent
 * duplicates exactly one creates (and so queues) anything.
 */
const CREATE_SCRIPT = `
if ARGV[8] ~= '' then
  local prior = redis.call('GET', KEYS[7])
  if prior then
    local sep = string.find(prior, ' ', 1, true)
    local priorId = string.sub(prior, 1, sep - 1)
    local taskPrefix = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1])
    if redis.call('EXISTS', taskPrefix .. priorId) == 1 then return {0, priorId, string.sub(prior, sep + 1)} end
  end
  redis.call('SET', KEYS[7], ARGV[1] .. ' ' .. ARGV[8], 'EX', ARGV[9])
end
local fields = {}
local t = {}
for i = 11, #ARGV, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  t[ARGV[i]] = ARGV[i + 1]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[10], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('RPUSH', KEYS[4], ARGV[6])
if ARGV[4] ~= '' then
  local o = redis.call('HMGET', KEYS[5], 'owner', 'retries')
  if o[1] == ARGV[2] then
    local retries = {}
    if o[2] and o[2] ~= '{}' then retries = cjson.decode(o[2]) end
    retries[#retries + 1] = ARGV[1]
    redis.call('HSET', KEYS[5], 'retries', cjson.encode(retries))
  end
end
t.events = {cjson.decode(ARGV[6])}
redis.call('PUBLISH', ARGV[7], cjson.encode(t))
return {1}
`;

/** Fields a transition may write besides status and version. Times are epoch milliseconds; '' clears a field. */
export interface TaskChanges {
  progress?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
  nextAttemptAt?: number | '';
  /** The kind's result, as JSON. */
  result?: string;
}

export interface ApplyOptions {
  /** Refuse unless the task is at this attempt: a write of an attempt that is over changes nothing. */
  attempt?: number;
  /** More fields of the transition's timeline event (a RETRY_SCHEDULED's message, say). */
  event?: Partial<Pick<StoredEvent, 'message' | 'level'>>;
}

/** `capped`: refused only because the owner already runs MAX_RUNNING_PER_USER tasks (a `start`). */
export type TransitionResult = { applied: true; task: TaskRecord; events: StoredEvent[] } | { applied: false; task: TaskRecord | null; capped?: boolean };

/** What a new task is. */
export interface NewTask {
  kind: string;
  input: unknown;
  maxAttempts: number;
  retryDelayMs: number;
  retryOf?: string;
  priority?: TaskPriority;
  /** Not to start before then: a delay from its creation (ms), or a time (epoch ms). */
  schedule?: { delayMs: number } | { at: number };
  /** A createTask idempotency key: hashed, and the request's fingerprint (see TaskStore.create). */
  idempotency?: { keyHash: string; fingerprint: string };
}

/** What `TaskStore.create` did: a new task, or (same idempotency key) the existing one. */
export type CreateOutcome = { created: true; task: TaskRecord } | { created: false; existingId: string; fingerprint: string };

/** The waiting line's score: priority first (HIGH lowest), then due time (epoch ms). */
export function queueScore(priority: TaskPriority, dueMs: number): number {
  return (3 - BULL_PRIORITY_RANK[priority]) * 1e13 + dueMs;
}
const BULL_PRIORITY_RANK: Record<TaskPriority, number> = { HIGH: 2, NORMAL: 1, LOW: 0 };

type Scripts = RedisClient & {
  taskCas(
    key: string,
    liveKey: string,
    eventsKey: string,
    fileKey: string,
    ownerKeyPrefix: string,
    from: string,
    to: string,
    channel: string,
    ttl: number,
    id: string,
    updatedAt: number,
    attempt: string,
    step: string,
    eventType: string,
    eventExtras: string,
    ownerChannelPrefix: string,
    runningCap: string,
    ...fields: string[]
  ): Promise<[number, string | null]>;
  taskEvent(
    key: string,
    eventsKey: string,
    channel: string,
    event: string,
    attempt: string,
    at: number,
    status: string,
    maxLogs: number,
    limitEvent: string,
  ): Promise<number>;
  taskCreate(
    key: string,
    ownerKey: string,
    liveKey: string,
    eventsKey: string,
    originalKey: string,
    waitingKey: string,
    idempotencyKey: string,
    ...args: (string | number)[]
  ): Promise<[number, string?, string?]>;
};

/** A published message: a snapshot of the record (absent for an event alone) and the events it appended. */
export interface ChannelMessage {
  record: TaskRecord | null;
  events: StoredEvent[];
}

/** Parses a message published by the scripts above (a JSON object of the record's hash, plus `events`). */
export function parseChannelMessage(message: unknown): ChannelMessage {
  const m = (typeof message === 'string' ? safeJson(message) : message) as (Record<string, string> & { events?: unknown }) | null;
  if (!m || typeof m !== 'object') return { record: null, events: [] };
  return { record: m.id ? recordFromHash(m) : null, events: Array.isArray(m.events) ? (m.events as StoredEvent[]) : [] };
}

/** Parses a snapshot returned by the CAS script. */
export function recordFromSnapshot(json: string): TaskRecord | null {
  return parseChannelMessage(json).record;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Each transition's allowed statuses as the script matches them: `,A,B,`. */
const FROM = Object.fromEntries(Object.entries(TRANSITIONS).map(([name, t]) => [name, `,${t.from.join(',')},`])) as Record<TransitionName, string>;

/** The most events one read of a timeline returns. */
export const MAX_EVENTS_PAGE = 500;

/** A position in an owner's index: the task's createdAt (epoch ms, its score there) and its id. */
export interface IndexEntry {
  createdAt: number;
  id: string;
}

/** Which part of an owner's index to read (see TaskStore.ownerIndexPage); times in epoch ms, bounds exclusive. */
export interface IndexRange {
  after?: IndexEntry;
  createdAfter?: number;
  createdBefore?: number;
}

/** A task's status, kind, whether it was retried and when it last changed, read without the rest of its record. */
export interface TaskPeek {
  id: string;
  status: TaskStatus;
  kind: string;
  retried: boolean;
  /** Epoch ms of its last change (its creation if none since). */
  changedAt: number;
}

/** A task's downloadable file. */
export interface TaskFile {
  content: Buffer;
  contentType: string;
  filename: string;
}

/** The one place that creates or changes a task record, its timeline and its file. */
@Injectable()
export class TaskStore {
  private readonly redis: Scripts;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    @Inject(CONFIG) private readonly config: Config,
    @Optional() @Inject(TASK_OBSERVER) private readonly observer?: TaskObserver,
  ) {
    redis.defineCommand('taskCas', { numberOfKeys: 5, lua: CAS_SCRIPT });
    redis.defineCommand('taskEvent', { numberOfKeys: 2, lua: EVENT_SCRIPT });
    redis.defineCommand('taskCreate', { numberOfKeys: 7, lua: CREATE_SCRIPT });
    this.redis = redis as Scripts;
  }

  /** Writes a new WAITING record (version 1, attempt 1) with its CREATED event, and indexes it under its owner. */
  async create(owner: string, spec: Omit<NewTask, 'idempotency'>): Promise<TaskRecord> {
    const outcome = await this.createOrFind(owner, spec);
    if (!outcome.created) throw new Error('unreachable: a task without an idempotency key is always created');
    return outcome.task;
  }

  /**
   * As `create`; but if `spec.idempotency`'s key already names a retained task of the owner,
   * writes nothing and says which (see CREATE_SCRIPT).
   */
  async createOrFind(owner: string, spec: NewTask): Promise<CreateOutcome> {
    const id = randomUUID();
    const now = Date.now();
    const scheduledFor = spec.schedule === undefined ? undefined : 'at' in spec.schedule ? spec.schedule.at : now + spec.schedule.delayMs;
    const input = spec.input === undefined ? '' : JSON.stringify(spec.input);
    const priority = spec.priority ?? 'NORMAL';
    const idempotencyKey = spec.idempotency ? this.keys.idempotency(owner, spec.idempotency.keyHash) : undefined;
    const fields: Record<string, string | number> = {
      id,
      owner,
      kind: spec.kind,
      status: 'WAITING',
      progress: 0,
      version: 1,
      createdAt: now,
      attempt: 1,
      maxAttempts: spec.maxAttempts,
      retryDelayMs: spec.retryDelayMs,
      priority,
      queueScore: queueScore(priority, scheduledFor ?? now),
      ...(input ? { input } : {}),
      ...(spec.retryOf ? { retryOf: spec.retryOf } : {}),
      ...(scheduledFor !== undefined ? { scheduledFor } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
    const created: StoredEvent = { seq: 1, at: now, type: 'CREATED', status: 'WAITING', attempt: 1 };
    // The index outlives its newest record; entries whose record expired are pruned on read.
    const delayS = scheduledFor === undefined ? 0 : Math.max(0, Math.ceil((scheduledFor - now) / 1000));
    const indexTtl = this.config.task.retentionS + Math.ceil(this.config.task.maxDurationMs / 1000) + 3600 + delayS;
    const [done, existingId, fingerprint] = await this.redis.taskCreate(
      this.keys.task(id),
      this.keys.ownerTasks(owner),
      this.keys.liveTasks,
      this.keys.taskEvents(id),
      this.keys.task(spec.retryOf ?? id),
      this.keys.ownerWaiting(owner),
      idempotencyKey ?? this.keys.task(id),
      id,
      owner,
      indexTtl,
      spec.retryOf ?? '',
      now,
      JSON.stringify(created),
      this.keys.ownerChannel(owner),
      spec.idempotency?.fingerprint ?? '',
      // Until the task ends (when the final transition sets the retention TTL on it), the key
      // lives as long as the index: a task still live past that could be created again.
      indexTtl,
      fields.queueScore,
      ...Object.entries(fields).flat(),
    );
    if (done !== 1) return { created: false, existingId: existingId ?? '', fingerprint: fingerprint ?? '' };
    const task: TaskRecord = {
      id,
      owner,
      kind: spec.kind,
      input: spec.input,
      status: 'WAITING',
      progress: 0,
      version: 1,
      createdAt: new Date(now).toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
      attempt: 1,
      maxAttempts: spec.maxAttempts,
      retryDelayMs: spec.retryDelayMs,
      nextAttemptAt: null,
      scheduledFor: scheduledFor === undefined ? null : new Date(scheduledFor).toISOString(),
      priority,
      attempts: [],
      result: null,
      retryOf: spec.retryOf ?? null,
      retries: [],
    };
    this.observer?.created(task);
    return { created: true, task };
  }

  /**
   * A WAITING task's place in its owner's line, from 1 (see `Task.queuePosition`); null if it is
   * not in the line (not WAITING).
   */
  async queuePosition(owner: string, id: string): Promise<number | null> {
    const rank = await this.redis.zrank(this.keys.ownerWaiting(owner), id);
    return rank === null ? null : rank + 1;
  }

  async get(id: string): Promise<TaskRecord | null> {
    return recordFromHash(await this.redis.hgetall(this.keys.task(id)));
  }

  /** The owner's tasks, newest first, from the `offset`-th. */
  async listByOwner(owner: string, first: number, offset = 0): Promise<TaskRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.ownerTasks(owner), offset, offset + first - 1);
    return (await this.readOwned(owner, ids)).filter((r): r is TaskRecord => r !== null);
  }

  /**
   * Entries of the owner's index in its order (createdAt descending, then id descending),
   * strictly after `range.after`, created strictly inside (`createdAfter`, `createdBefore`),
   * at most `count`. A position, not an offset: entries added or removed elsewhere never shift it.
   */
  async ownerIndexPage(owner: string, range: IndexRange, count: number): Promise<IndexEntry[]> {
    const key = this.keys.ownerTasks(owner);
    const { after, createdAfter, createdBefore } = range;
    const min = createdAfter === undefined ? '-inf' : `(${createdAfter}`;
    const cursorInside = after !== undefined && (createdBefore === undefined || after.createdAt < createdBefore);
    const max = cursorInside ? `(${after.createdAt}` : createdBefore === undefined ? '+inf' : `(${createdBefore}`;
    const pipeline = this.redis.pipeline();
    // The cursor's own millisecond is split by id: every entry of that score (a handful at most:
    // one owner's tasks created in the same millisecond), then those below the cursor's id.
    const ties = cursorInside && (createdAfter === undefined || after.createdAt > createdAfter);
    if (ties) pipeline.zrangebyscore(key, after.createdAt, after.createdAt);
    pipeline.zrange(key, max, min, 'BYSCORE', 'REV', 'LIMIT', 0, count, 'WITHSCORES');
    const results = (await pipeline.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    const entries: IndexEntry[] = [];
    if (ties) {
      const same = (results[0][1] as string[]).filter((id) => id < after.id).sort((a, b) => (a < b ? 1 : -1));
      for (const id of same) entries.push({ createdAt: after.createdAt, id });
    }
    const rest = results[results.length - 1][1] as string[];
    for (let i = 0; i < rest.length && entries.length < count; i += 2) entries.push({ id: rest[i], createdAt: Number(rest[i + 1]) });
    return entries.slice(0, count);
  }

  /** The records of `ids`, in order; null where the record expired (its entry leaves the owner's index) or is not the owner's. */
  async readOwned(owner: string, ids: string[]): Promise<(TaskRecord | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.task(id));
    const hashes = (await pipeline.exec()) ?? [];
    const expired: string[] = [];
    const records = hashes.map(([err, hash], i) => {
      if (err) throw err;
      const record = recordFromHash(hash as Record<string, string>);
      if (record && record.owner === owner) return record;
      expired.push(ids[i]);
      return null;
    });
    if (expired.length > 0) await this.redis.zrem(this.keys.ownerTasks(owner), ...expired);
    return records;
  }

  /** What counting and bulk actions need of each task, without reading whole records; null as in `readOwned`. */
  async peekOwned(owner: string, ids: string[]): Promise<(TaskPeek | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.task(id), 'owner', 'status', 'kind', 'retries', 'updatedAt', 'createdAt');
    const rows = (await pipeline.exec()) ?? [];
    const expired: string[] = [];
    const peeks = rows.map(([err, row], i): TaskPeek | null => {
      if (err) throw err;
      const [o, status, kind, retries, updatedAt, createdAt] = row as (string | null)[];
      if (o !== owner || !status || !(TASK_STATUSES as readonly string[]).includes(status)) {
        if (o === null) expired.push(ids[i]);
        return null;
      }
      const retried = !!retries && retries !== '[]' && retries !== '{}';
      return { id: ids[i], status: status as TaskStatus, kind: kind ?? 'simulated', retried, changedAt: Number(updatedAt ?? createdAt) };
    });
    if (expired.length > 0) await this.redis.zrem(this.keys.ownerTasks(owner), ...expired);
    return peeks;
  }

  /** Ids of tasks that are not final yet, a page at a time (SSCAN cursor semantics). */
  async scanLive(cursor: string, count = 200): Promise<[string, string[]]> {
    return this.redis.sscan(this.keys.liveTasks, cursor, 'COUNT', count);
  }

  /** Drops ids from the live index whose records are final or gone. */
  async forgetLive(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.srem(this.keys.liveTasks, ...ids);
  }

  /** Applies a named transition atomically, with its attempt step and timeline event; see CAS_SCRIPT. */
  async apply(id: string, name: TransitionName, changes: TaskChanges = {}, options: ApplyOptions = {}): Promise<TransitionResult> {
    const t = TRANSITIONS[name];
    const ttl = isFinal(t.to) ? this.config.task.retentionS : 0;
    const cap = name === 'start' ? this.config.maxRunningPerUser : 0;
    const fields: string[] = [];
    for (const [field, value] of Object.entries(changes)) if (value !== undefined) fields.push(field, String(value));
    const [applied, json] = await this.redis.taskCas(
      this.keys.task(id),
      this.keys.liveTasks,
      this.keys.taskEvents(id),
      this.keys.taskFile(id),
      this.keys.ownerKeyPrefix,
      FROM[name],
      t.to,
      this.keys.taskChannel(id),
      ttl,
      id,
      Date.now(),
      String(options.attempt ?? 0),
      t.attempt,
      t.event,
      JSON.stringify(options.event ?? {}),
      this.keys.ownerChannelPrefix,
      String(cap),
      ...fields,
    );
    const message = json === null ? { record: null, events: [] } : parseChannelMessage(json);
    if (applied === 1 && message.record) {
      this.observer?.applied(name, message.record);
      return { applied: true, task: message.record, events: message.events };
    }
    return applied === 2 ? { applied: false, task: message.record, capped: true } : { applied: false, task: message.record };
  }

  /**
   * Appends an event that changes no status to a live task's timeline (see EVENT_SCRIPT): a log
   * line of `attempt`, or a cancel request while the task runs. Answers its seq, or 0 when refused.
   */
  async appendEvent(
    id: string,
    event: Pick<StoredEvent, 'type' | 'message' | 'level' | 'attempt'>,
    options: { attempt?: number; status?: 'IN_PROGRESS' } = {},
  ): Promise<number> {
    const limit: Partial<StoredEvent> = {
      type: 'LOG',
      level: 'WARN',
      attempt: event.attempt,
      message: `Log limit reached (${this.config.task.logLinesPerTask} lines per task); later lines are dropped`,
    };
    const seq = await this.redis.taskEvent(
      this.keys.task(id),
      this.keys.taskEvents(id),
      this.keys.taskChannel(id),
      JSON.stringify(event),
      String(options.attempt ?? 0),
      Date.now(),
      options.status ?? '',
      this.config.task.logLinesPerTask,
      JSON.stringify(limit),
    );
    return Math.max(0, seq);
  }

  /** The timeline's events with seq greater than `after`, at most `first`, oldest first. */
  async events(id: string, after: number, first: number): Promise<StoredEvent[]> {
    const list = await this.redis.lrange(this.keys.taskEvents(id), after, after + first - 1);
    return list.map(eventFromJson).filter((e): e is StoredEvent => e !== null);
  }

  /** Stores the task's file; it expires with the record (the final transition sets its TTL). */
  async saveFile(id: string, file: TaskFile): Promise<void> {
    await this.redis.hset(this.keys.taskFile(id), { content: file.content, contentType: file.contentType, filename: file.filename });
    // Until the task ends (when the final transition aligns it with the record), a file whose
    // task never ends still goes: after the retention window.
    await this.redis.expire(this.keys.taskFile(id), this.config.task.retentionS);
  }

  async getFile(id: string): Promise<TaskFile | null> {
    const [content, contentType, filename] = await this.redis.hmgetBuffer(this.keys.taskFile(id), 'content', 'contentType', 'filename');
    if (!content || !contentType || !filename) return null;
    return { content, contentType: contentType.toString(), filename: filename.toString() };
  }
}
