import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Cluster } from 'ioredis';
import { pushStream } from '@longrun/server-common';
import type { RedisClient } from '../redis/redis-connection.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { PUBSUB, REDIS_KEYS } from '../redis/redis.module.js';
import { toPublicEvent, type PublicEvent, type StoredEvent } from './task-events.js';
import { isFinal, toPublic, type PublicTask, type TaskRecord } from './task-state.js';
import { TASK_OBSERVER, type TaskObserver } from './task-observer.js';
import { TaskHistory, UPDATES_REPLAY_MS } from './task-history.js';
import { MAX_EVENTS_PAGE, parseChannelMessage, TaskStore, type ChannelMessage } from './task-store.js';
import { TaskNotFoundError } from './tasks.errors.js';

/** One open stream, as its channel (a task's, or an owner's) sees it. */
interface Reader {
  /** A message published on the channel. */
  receive(message: ChannelMessage): void;
  /**
   * Re-reads what may have been missed (after the subscriber reconnected; `since`: when, in epoch
   * ms, the subscriber was lost, give or take a writer's clock); rejects if Redis is unreachable.
   */
  resync(since: number): Promise<void>;
}

/** When to re-read live tasks after a cluster node was lost (see `onNodeLost`). */
const NODE_LOST_RESYNC_MS = [1000, 5000];
/** About two minutes of retries (backoff capped at 2 s) before a resync gives up. */
const RESYNC_ATTEMPTS = 64;
/** Writers' clocks (the `updatedAt` of a change) may run this far behind ours. */
const CLOCK_SLACK_MS = 2000;
/** Per `taskUpdates` stream, the tasks whose last emitted version it remembers (the oldest are forgotten). */
const UPDATES_VERSIONS_KEPT = 1000;

/**
 * `taskStatus` as an async iterator: snapshot first, then every newer version, complete right
 * after a final status. Order of operations is the contract:
 *   1. subscribe to the task's channel and wait until Redis confirms;
 *   2. read the record (missing or not the caller's → NOT_FOUND);
 *   3. emit the snapshot, then each published version higher than the last emitted.
 * When the Redis subscriber reconnects (Redis drops what was published meanwhile), every live
 * stream re-reads its record, so nothing is missed. The timeline (`openEvents`) and an owner's
 * live list (`openUpdates`) are streams of the same kind, on the same shared channel machinery.
 */
@Injectable()
export class TaskStatusStreams implements OnModuleDestroy {
  private readonly logger = new Logger(TaskStatusStreams.name);
  /** Live readers, per channel, with the pub/sub subscription that feeds them. */
  private readonly live = new Map<string, { subId: Promise<number>; readers: Set<Reader> }>();
  /** When the subscriber connection was lost (epoch ms), until the resync after it reconnected. */
  private lostAt: number | undefined;
  private readonly onLost = () => {
    this.lostAt ??= Date.now();
  };
  private readonly onReconnect = () => void this.resyncAll();
  /**
   * A cluster client stays 'ready' when a node goes away, and if that node carried its
   * subscriptions, ioredis quietly resubscribes on another one: what was published in between
   * is lost. The lost node is the only sign, so re-read every live task once the
   * resubscription has had time to land, and again later in case the first read met the
   * failover still in progress.
   */
  private readonly onNodeLost = () => {
    for (const ms of NODE_LOST_RESYNC_MS) setTimeout(this.onReconnect, ms).unref();
  };

  constructor(
    @Inject(PUBSUB) private readonly pubsub: RedisPubSub,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly store: TaskStore,
    private readonly history: TaskHistory,
    @Optional() @Inject(TASK_OBSERVER) private readonly observer?: TaskObserver,
  ) {
    this.subscriber.on('close', this.onLost);
    this.subscriber.on('ready', this.onReconnect);
    if (this.subscriber instanceof Cluster) this.subscriber.on('-node', this.onNodeLost);
  }

  private get subscriber(): RedisClient {
    return this.pubsub.getSubscriber() as RedisClient;
  }

  get liveCount(): number {
    let n = 0;
    for (const entry of this.live.values()) n += entry.readers.size;
    return n;
  }

  /** Opens a status stream for `owner`; rejects with NOT_FOUND before anything is emitted. */
  async open(taskId: string, owner: string): Promise<AsyncIterableIterator<PublicTask>> {
    const { stream, push, stop } = pushStream<PublicTask>(() => this.release(this.keys.taskChannel(taskId), reader));
    let lastVersion = 0;
    const offer = (record: TaskRecord) => {
      if (record.owner !== owner || record.version <= lastVersion) return;
      lastVersion = record.version;
      push(toPublic(record));
      if (isFinal(record.status)) stop();
    };
    const read = async () => {
      const record = await this.store.get(taskId);
      if (!record || record.owner !== owner) throw new TaskNotFoundError();
      offer(record);
    };
    const reader: Reader = {
      receive: ({ record }) => record && offer(record),
      resync: () => read().catch((e: unknown) => (e instanceof TaskNotFoundError ? stop(e) : Promise.reject(e))),
    };
    return this.attach(this.keys.taskChannel(taskId), reader, read, stream);
  }

  /**
   * Opens a timeline stream: every event with seq > `after`, then each new one, ending after
   * ENDED. Events are emitted strictly in seq order, each once: a live event that does not
   * follow the last one emitted (some were missed, or are still being read) makes the stream
   * read the gap from the stored timeline instead.
   */
  async openEvents(taskId: string, owner: string, after: number): Promise<AsyncIterableIterator<PublicEvent>> {
    const { stream, push, stop } = pushStream<PublicEvent>(() => this.release(this.keys.taskChannel(taskId), reader));
    let last = after;
    let ended = false;
    let reading: Promise<void> | undefined;
    let again = false;
    const emit = (e: StoredEvent) => {
      if (ended || e.seq !== last + 1) return false;
      last = e.seq;
      push(toPublicEvent(e));
      if (e.type === 'ENDED') {
        ended = true;
        stop();
      }
      return true;
    };
    // Reads the stored timeline after `last` until it is exhausted; one read at a time.
    const catchUp = (): Promise<void> => {
      if (reading) {
        again = true;
        return reading;
      }
      reading = (async () => {
        do {
          again = false;
          for (;;) {
            const page = await this.store.events(taskId, last, MAX_EVENTS_PAGE);
            for (const e of page) emit(e);
            if (page.length < MAX_EVENTS_PAGE || ended) break;
          }
        } while (again && !ended);
      })().finally(() => (reading = undefined));
      return reading;
    };
    const reader: Reader = {
      receive: ({ events }) => {
        for (const e of events) {
          if (e.seq <= last) continue;
          if (reading || !emit(e)) {
            void catchUp().catch((error: Error) => this.logger.warn(`timeline of ${taskId}: catch-up failed (${error.message})`));
            return;
          }
        }
      },
      resync: () => catchUp(),
    };
    const first = async () => {
      const record = await this.store.get(taskId);
      if (!record || record.owner !== owner) throw new TaskNotFoundError();
      await catchUp();
      // A final task's ENDED event was appended with its final status: if it was not replayed,
      // the caller has it already (`after` is past it), so there is nothing more to say.
      if (isFinal(record.status) && !ended) {
        ended = true;
        stop();
      }
    };
    return this.attach(this.keys.taskChannel(taskId), reader, first, stream);
  }

  /**
   * `taskUpdates`: every change of any of the owner's tasks, published on the owner's channel by
   * the same scripts that write them (TaskStore). It subscribes first, then sends the current
   * state of the owner's recently changed tasks (TaskHistory.changedSince), then each change;
   * per task, only versions higher than the last it sent. It never completes. When the Redis
   * subscriber reconnects it re-reads the tasks changed since the connection was lost.
   */
  async openUpdates(owner: string): Promise<AsyncIterableIterator<PublicTask>> {
    const channel = this.keys.ownerChannel(owner);
    const { stream, push } = pushStream<PublicTask>(() => this.release(channel, reader));
    // Insertion order is recency: a task sent again moves to the end, the oldest is forgotten first.
    const sent = new Map<string, number>();
    const offer = (record: TaskRecord) => {
      if (record.owner !== owner || record.version <= (sent.get(record.id) ?? 0)) return;
      sent.delete(record.id);
      sent.set(record.id, record.version);
      if (sent.size > UPDATES_VERSIONS_KEPT) sent.delete(sent.keys().next().value!);
      push(toPublic(record));
    };
    const catchUp = async (since: number) => {
      for (const record of await this.history.changedSince(owner, since)) offer(record);
    };
    const reader: Reader = {
      receive: ({ record }) => record && offer(record),
      resync: catchUp,
    };
    return this.attach(channel, reader, () => catchUp(Date.now() - UPDATES_REPLAY_MS), stream);
  }

  /**
   * Subscribes `reader` to the channel (one Redis subscription per channel per process, shared
   * by all its streams), waits until Redis confirms, then runs `first` (the initial read):
   * whatever is published from then on reaches the reader, so nothing falls between.
   */
  private async attach<T>(channel: string, reader: Reader, first: () => Promise<void>, stream: AsyncIterableIterator<T>): Promise<AsyncIterableIterator<T>> {
    let entry = this.live.get(channel);
    if (!entry) {
      const subId = this.pubsub.subscribe(channel, (message: unknown) => this.dispatch(channel, message));
      entry = { subId, readers: new Set() };
      this.live.set(channel, entry);
    }
    entry.readers.add(reader);
    try {
      await entry.subId;
      await first();
      return stream;
    } catch (error) {
      await stream.return?.();
      throw error;
    }
  }

  private dispatch(channel: string, message: unknown): void {
    const entry = this.live.get(channel);
    if (!entry) return;
    const parsed = parseChannelMessage(message);
    if (parsed.record) this.observer?.delivered(parsed.record);
    for (const reader of entry.readers) reader.receive(parsed);
  }

  private release(channel: string, reader: Reader): void {
    const entry = this.live.get(channel);
    if (!entry?.readers.delete(reader) || entry.readers.size > 0) return;
    this.live.delete(channel);
    entry.subId.then(
      (id) => this.pubsub.unsubscribe(id),
      () => undefined,
    );
  }

  /** After the subscriber reconnects: re-read every live channel's state, since Redis dropped what we missed. */
  private async resyncAll(): Promise<void> {
    // Without a recorded loss (a cluster node went away), the stretch a taskUpdates stream replays anyway.
    const since = (this.lostAt ?? Date.now() - UPDATES_REPLAY_MS) - CLOCK_SLACK_MS;
    this.lostAt = undefined;
    const channels = [...this.live.keys()];
    if (channels.length === 0) return;
    this.logger.log(`Redis subscriber ready: re-reading ${channels.length} live channel(s)`);
    await Promise.all(channels.map((channel) => this.resync(channel, since)));
  }

  /**
   * Re-reads one channel's state for its live streams. The command connection may come back after
   * the subscriber (it fails fast while down), so a failed read is retried with backoff for as
   * long as someone still listens: giving up would leave a task's streams waiting for a final
   * event that was published while we were away.
   */
  private async resync(channel: string, since: number): Promise<void> {
    for (let attempt = 0; attempt < RESYNC_ATTEMPTS; attempt++) {
      const entry = this.live.get(channel);
      if (!entry) return;
      try {
        await Promise.all([...entry.readers].map((reader) => reader.resync(since)));
        return;
      } catch (error) {
        if (attempt === 0) this.logger.warn(`resync of ${channel} failed, retrying: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
      }
    }
    this.logger.error(`resync of ${channel}: gave up after ${RESYNC_ATTEMPTS} attempts`);
  }

  /**
   * Live streams are NOT completed here: a completed subscription tells the client the task's
   * story is over, so it would never resubscribe. They end when the GraphQL server closes their
   * sockets (with a retryable code) during the same shutdown, and clients resubscribe elsewhere.
   */
  onModuleDestroy(): void {
    this.subscriber.off('close', this.onLost);
    this.subscriber.off('ready', this.onReconnect);
    this.subscriber.off('-node', this.onNodeLost);
  }
}
