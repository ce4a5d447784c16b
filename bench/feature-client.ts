/**
 * The load client's side of the new features' rows (bench/features.ts): subscriptions other than
 * `taskStatus`, each receipt recorded as (task id, seq or version) so the driver can match it to
 * the write it stamped, as for the status latency rows.
 *
 *   events:  one socket per task, `taskEvents(id)`: a task's log lines (recorded by seq);
 *   updates: one socket, the owner's live list, `taskUpdates` (recorded by id and version);
 *   status:  one socket, `taskStatus` for each of the owner's tasks (up to 100 on a socket, the
 *            frontend's limit), the same writes watched one task at a time;
 *   shared:  one socket (and session) per watcher, `sharedTaskStatus(token)`.
 */
import { type Client, createClient } from 'graphql-ws';
import type WebSocket from 'ws';
import { BenchEventsDocument, BenchSharedWatchDocument, BenchUpdatesDocument, BenchWatchDocument } from '../operations/generated/graphql.js';

export type FeatureCommand = {
  type: 'connect-feature';
  kind: 'events' | 'updates' | 'status' | 'shared';
  url: string;
  /** One entry per socket: its session and what it subscribes to (task ids; a token for `shared`). */
  sockets: Array<{ cookie: string; taskIds?: string[]; token?: string }>;
  concurrency: number;
  timeoutMs: number;
};

export interface FeatureHooks {
  record(id: string, versionOrSeq: number): void;
  closers: Array<() => void>;
  wsWithCookie(cookie: string | undefined): typeof WebSocket;
  pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<number>;
  bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T>;
}

const DOCS = {
  events: BenchEventsDocument.toString(),
  updates: BenchUpdatesDocument.toString(),
  status: BenchWatchDocument.toString(),
  shared: BenchSharedWatchDocument.toString(),
};

/**
 * One subscription on `client`: resolves at its first message (a snapshot, a replayed event or,
 * for `taskUpdates`, the replay of the owner's recent changes: by then it is live), records
 * every message after it.
 */
function subscribe(client: Client, kind: FeatureCommand['kind'], variables: Record<string, unknown> | undefined, hooks: FeatureHooks): Promise<void> {
  return new Promise((resolve, reject) => {
    let first = true;
    client.subscribe<any>(
      { query: DOCS[kind], variables },
      {
        next: (result) => {
          const data = result.data;
          if (!data) return reject(new Error(JSON.stringify(result.errors ?? result)));
          if (kind === 'events') {
            if (!first) hooks.record(variables!.id as string, data.taskEvents.seq);
          } else {
            const task = data.taskStatus ?? data.taskUpdates ?? data.sharedTaskStatus;
            // The first message of a taskUpdates replay is one task of several: record them all.
            if (!first || kind === 'updates') hooks.record(task.id, task.version);
          }
          if (first) {
            first = false;
            resolve();
          }
        },
        error: (e) =>
          reject(e instanceof Error ? e : new Error(Array.isArray(e) ? JSON.stringify(e) : `socket closed ${(e as any)?.code} ${(e as any)?.reason}`)),
        complete: () => undefined,
      },
    );
  });
}

export async function connectFeature(cmd: FeatureCommand, hooks: FeatureHooks) {
  const started = Date.now();
  const failures = await hooks.pool(cmd.sockets, cmd.concurrency, async (socket) => {
    const client = createClient({ url: cmd.url, webSocketImpl: hooks.wsWithCookie(socket.cookie), lazy: true, retryAttempts: 0 });
    hooks.closers.push(() => void client.dispose());
    const subs = cmd.kind === 'updates' ? [undefined] : cmd.kind === 'shared' ? [{ token: socket.token }] : (socket.taskIds ?? []).map((id) => ({ id }));
    await hooks.bounded(Promise.all(subs.map((v) => subscribe(client, cmd.kind, v, hooks))), cmd.timeoutMs, `subscribe ${cmd.kind}`);
  });
  return { type: 'connected', ms: Date.now() - started, failures };
}
