import type { ExecutionRequest, ExecutionResult, Executor } from '@graphql-tools/utils';
import { getOperationAST, Kind, parse, print, type DocumentNode } from 'graphql';
import { createClient, type Client, type ClientOptions, type Sink } from 'graphql-ws';
import WebSocket from 'ws';
import type { FrontendConfig } from '../config.js';
import { log } from '../ops/logger.js';
import { backendUnavailable, fromUpstream } from './errors.js';
import {
  CLIENT_EXTENSION,
  CLIENT_HEADER,
  INTERNAL_TOKEN_HEADER,
  INTERNAL_TOKEN_PARAM,
  PushQueue,
  REQUEST_ID_EXTENSION,
  REQUEST_ID_HEADER,
  USER_EXTENSION,
  USER_HEADER,
} from '@longrun/server-common';

/** What every gateway operation knows about its caller. */
export interface GatewayContext {
  /** The session id: the only identity the gateway ever asserts to the backend. */
  user: string;
  /** The client's address key (client-address.ts), for the backend's limits per address. */
  client?: string;
  /** The HTTP request's id, passed on so one request can be followed across both tiers' logs. */
  requestId?: string;
}

export interface Upstream {
  executor: Executor<GatewayContext>;
  /** The one graphql-ws client of this process: every browser subscription shares its socket. */
  wsClient: Client;
  /**
   * A browser's subscription, already validated against the public schema, relayed upstream as
   * is: the backend serves the same SDL and executes the same selection, so its results are
   * what the gateway would compute by executing each event again (see ws.ts). One user's
   * identical subscriptions share one upstream subscription (see `relayer`).
   */
  relay(operation: UpstreamOperation, user: string): AsyncIterableIterator<ExecutionResult>;
  dispose(): Promise<void>;
}

/** What one upstream subscription sends: the operation's text, never a browser's extensions. */
export interface UpstreamOperation {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * Who is asking, for every HTTP request to the backend (a file in files.ts): the internal
 * credential, the session's user, the client's address and the request's id.
 */
export function upstreamHeaders(config: Pick<FrontendConfig, 'internalToken'>, context: GatewayContext | undefined): Record<string, string> {
  return {
    [INTERNAL_TOKEN_HEADER]: `Bearer ${config.internalToken}`,
    [USER_HEADER]: context?.user ?? '',
    ...(context?.client ? { [CLIENT_HEADER]: context.client } : {}),
    ...(context?.requestId ? { [REQUEST_ID_HEADER]: context.requestId } : {}),
  };
}

/** The wait before retry number `retries` (from 0): exponential from 100 ms, capped at 5 s, jittered over its upper half. */
const backoffMs = (retries: number) => {
  const base = Math.min(5000, 100 * 2 ** retries);
  return base / 2 + Math.random() * (base / 2);
};

/** Reconnect forever with that backoff. */
const retryWait = async (retries: number) => {
  await new Promise((r) => setTimeout(r, backoffMs(retries)));
};

/**
 * The gateway's way to the backend: graphql-ws connections holding the internal credential in
 * their connection params. Subscriptions are multiplexed over ONE shared socket, which
 * reconnects forever and resubscribes. Queries and mutations go over a second socket of their
 * own, which never reconnects by itself nor sends anything twice (see `operations`). Identity
 * travels per operation, in the subscribe message's extensions: `user`, and for queries and
 * mutations `client` and `requestId` too. Whatever extensions a browser sent are dropped, never
 * forwarded. (Queries and mutations went over HTTP before: Express and Apollo per request cost
 * the backend about three times the CPU of the same query on a socket; docs/performance.md.)
 */
export function createUpstream(config: FrontendConfig): Upstream {
  const connection = {
    url: config.backendWsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { [INTERNAL_TOKEN_PARAM]: config.internalToken },
    lazy: true,
    lazyCloseTimeout: 1000,
    keepAlive: config.upstreamWs.pingMs,
  };
  // Each client gets its own pong deadline (it keeps the client's socket and timer).
  const deadline = () => pongDeadline(config.upstreamWs.pongTimeoutMs);
  const wsClient = createClient({ ...connection, on: deadline(), retryAttempts: Number.POSITIVE_INFINITY, shouldRetry: () => true, retryWait });
  // No retries: a failed connection or a socket closed under an operation ends it at once with
  // SERVICE_UNAVAILABLE (as a refused or reset HTTP request did), and the next operation opens
  // a new socket; graphql-ws would otherwise wait out its backoff and send open operations
  // again on the next socket (a second task for `createTask`).
  const opsClient = createClient({ ...connection, on: deadline(), retryAttempts: 0 });

  // Queries and mutations only: subscriptions never reach it (see forward.ts).
  const executor = operations(opsClient, config.upstreamTimeoutMs) as Executor<GatewayContext>;

  return {
    executor,
    wsClient,
    relay: relayer(wsClient),
    dispose: async () => {
      await Promise.all([wsClient.dispose(), opsClient.dispose()]);
    },
  };
}

/** The operation's text: Yoga reuses one parsed document per distinct text, so each is printed once. */
const printed = new WeakMap<DocumentNode, string>();
function textOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = document.loc?.source.body ?? print(document);
    printed.set(document, text);
  }
  return text;
}

/**
 * Runs queries and mutations on `client` (one that never retries): one answer each, within
 * `timeoutMs`, or SERVICE_UNAVAILABLE. A timed-out operation is completed upstream (the backend
 * may still finish it, as it could an HTTP request the gateway gave up on).
 */
export function operations(
  client: Pick<Client, 'subscribe'>,
  timeoutMs: number,
): (request: ExecutionRequest<Record<string, unknown>, GatewayContext>) => Promise<ExecutionResult> {
  return (request) =>
    new Promise<ExecutionResult>((resolve) => {
      const context = request.context;
      let answer: ExecutionResult | undefined;
      let settled = false;
      const settle = (result: ExecutionResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : result);
      };
      const fail = () => {
        settle({ errors: [backendUnavailable()] });
        unsubscribe();
      };
      const timer = setTimeout(fail, timeoutMs);
      const extensions: Record<string, unknown> = { [USER_EXTENSION]: context?.user ?? '' };
      if (context?.client) extensions[CLIENT_EXTENSION] = context.client;
      if (context?.requestId) extensions[REQUEST_ID_EXTENSION] = context.requestId;
      const unsubscribe = client.subscribe<Record<string, unknown>>(
        { query: textOf(request.document), variables: request.variables, operationName: request.operationName, extensions },
        {
          next: (result) => {
            answer = result as ExecutionResult;
          },
          // The operation's errors (validation, say) as an array; a CloseEvent or Error is the socket.
          error: (error) => settle({ errors: Array.isArray(error) ? error : [backendUnavailable()] }),
          complete: () => (answer ? settle(answer) : fail()),
        },
      );
    });
}

/**
 * graphql-ws pings (`keepAlive`) but never gives up on a socket whose pongs stop coming: over a
 * partitioned network (packets dropped, no FIN) the socket would look open for as long as TCP
 * retransmits (many minutes), and every live subscription would wait on it. So a ping whose pong
 * has not come within `timeoutMs` drops the socket at once (`terminate`: a close handshake would
 * wait on the same dead link), and graphql-ws reconnects and resubscribes: the backend starts each
 * subscription again from its current state, so the relays catch up (graphql-ws's own recipe,
 * with terminate instead of close).
 */
function pongDeadline(timeoutMs: number): ClientOptions['on'] {
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    connected: (s) => {
      socket = s as WebSocket;
    },
    ping: (received) => {
      if (received || timer) return;
      const pinged = socket;
      timer = setTimeout(() => {
        timer = undefined;
        if (!pinged || pinged !== socket || pinged.readyState !== WebSocket.OPEN) return;
        log().warn({ pongTimeoutMs: timeoutMs }, 'upstream WebSocket: the backend did not answer a ping in time; dropping the socket (it reconnects)');
        pinged.terminate();
      }, timeoutMs);
    },
    pong: (received) => {
      if (!received) return;
      clearTimeout(timer);
      timer = undefined;
    },
    closed: () => {
      clearTimeout(timer);
      timer = undefined;
      socket = undefined;
    },
  };
}

/**
 * Relays browser subscriptions upstream. Identical subscriptions of one user (the same task open
 * in two tabs, say) share ONE upstream subscription: the backend keeps one stream for them and
 * the shared socket carries each event once. The key is the user and the operation as sent
 * (text, name, variables); two users never share, since identity is part of what the backend
 * checks.
 */
export function relayer(client: Pick<Client, 'subscribe'>): (operation: UpstreamOperation, user: string) => AsyncIterableIterator<ExecutionResult> {
  const shared = new Map<string, UpstreamSubscription>();
  return (operation, user) => {
    const key = JSON.stringify([user, operation.query, operation.operationName ?? null, operation.variables ?? null]);
    let upstream = shared.get(key);
    if (!upstream) {
      upstream = new UpstreamSubscription(client, operation, user, () => shared.delete(key));
      shared.set(key, upstream);
    }
    return upstream.join();
  };
}

/** Subscription root fields whose snapshots are of many tasks, told apart by their `id`: feeds. */
const FEEDS = new Set(['taskUpdates']);
/** Tasks whose newest snapshot a feed keeps for late joiners: as many as the backend replays. */
const FEED_REPLAY_TASKS = 100;
/** Tasks whose last relayed version a feed remembers, to drop repeats (the oldest are forgotten). */
const FEED_VERSIONS_KEPT = 1000;

/** Sets `key` to `value` as the newest entry of `map`, forgetting the oldest beyond `max`. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

/**
 * One upstream subscription and the browser subscriptions it feeds, over graphql-ws's callback
 * API: each event is pushed straight to every browser subscription's stream, with no
 * intermediate iterator, race or timer per event (this runs for every status event). Two kinds
 * of stream are relayed, told apart by their payloads:
 *  - snapshots (a root field with a `version`): of one task (taskStatus), or of any of the user's
 *    tasks (a feed: taskUpdates), told apart by their `id`. A browser subscription that joins
 *    late gets the newest snapshot of each task first (of the last FEED_REPLAY_TASKS tasks), then
 *    every later one; versions only rise per task. A feed whose selection lacks `id` is relayed
 *    as it comes (nothing tells its tasks apart).
 *  - sequences (a root field with a `seq`, like taskEvents): every item counts, so a late joiner
 *    gets every item relayed so far (bounded: a task's timeline is), then the rest; seqs only rise.
 * When the last browser subscription is cut, the upstream one is unsubscribed AT ONCE, so
 * it never holds the backend's stream (and its Redis channel) until the task's next event,
 * which may be minutes away.
 */
class UpstreamSubscription implements Sink<ExecutionResult<Record<string, unknown>>> {
  // The state below is what a gateway holds per browser subscription (one upstream one each,
  // unless the same user watches the same thing twice), so it is kept small: collections are
  // made at their first entry, a taskStatus stream keeps its one snapshot and version in
  // fields, and this object is graphql-ws's sink itself (docs/performance.md, the RSS row).
  /** The browser subscriptions it feeds (usually one; a user's second tab makes two). */
  private browsers: PushQueue<ExecutionResult>[] = [];
  /** What a browser subscription that joins now starts with: every item of a sequence... */
  private sequence: ExecutionResult[] | undefined;
  /** ...or the newest snapshot of each of a feed's tasks, oldest change first... */
  private latest: Map<string, ExecutionResult> | undefined;
  /** ...or of the one task of a stream that is not a feed (taskStatus). */
  private snapshot: ExecutionResult | undefined;
  /** No more events will come (completed, failed, or nobody listens any more). */
  private ended = false;
  private unsubscribe: () => void = () => undefined;
  /** Refusals in a row while the backend could not serve it (see `retry`). */
  private refusals = 0;
  /** The backend refused to start it; its `complete` follows (see `next`). */
  private refusing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** A feed's snapshots are of many tasks, told apart by their `id`. */
  private readonly feed: boolean;

  // When the upstream socket comes back, graphql-ws resubscribes with the same variables and
  // the backend starts again from the current snapshot (or replays the sequence from the same
  // point, or a feed's recent changes), repeating what was already relayed: versions (per
  // task) and seqs must only rise on a subscription, so a repeat (or anything older) is dropped.
  private lastVersion: Map<string, number> | undefined;
  /** The same for a stream that is not a feed: one task. */
  private version = -Infinity;
  private lastSeq = -Infinity;

  constructor(
    private readonly client: Pick<Client, 'subscribe'>,
    private readonly operation: UpstreamOperation,
    private readonly user: string,
    private readonly gone: () => void,
  ) {
    this.feed = FEEDS.has(rootFieldOf(operation.query, operation.operationName) ?? '');
    this.start();
  }

  private start(): void {
    const { query, variables, operationName } = this.operation;
    this.unsubscribe = this.client.subscribe<Record<string, unknown>>({ query, variables, operationName, extensions: { [USER_EXTENSION]: this.user } }, this);
  }

  /** graphql-ws's sink: an event. */
  next(result: ExecutionResult<Record<string, unknown>>): void {
    if (this.ended) return;
    // A subscription the backend could not start comes as one result without data, then
    // `complete` (graphql-ws sends a failed subscribe's result so): a refusal, see `retry`.
    if (result.data == null && result.errors && isRefusal(result.errors)) {
      this.refusing = true;
      return;
    }
    this.refusals = 0;
    const feed = this.feed;
    const root = rootOf(result.data as Record<string, unknown> | null | undefined);
    const { version, seq, id } = root ?? {};
    const task = !feed ? '' : typeof id === 'string' ? id : undefined;
    if (typeof version === 'number' && task !== undefined) {
      if (version <= (feed ? (this.lastVersion?.get(task) ?? -Infinity) : this.version)) return;
      if (!feed) this.version = version;
      else {
        this.lastVersion ??= new Map();
        remember(this.lastVersion, task, version, FEED_VERSIONS_KEPT);
      }
    }
    if (typeof seq === 'number') {
      if (seq <= this.lastSeq) return;
      this.lastSeq = seq;
    }
    const value = (result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : result) as ExecutionResult;
    if (typeof seq === 'number') {
      this.sequence ??= [];
      this.sequence.push(value);
    } else if (task !== undefined && feed) {
      this.latest ??= new Map();
      remember(this.latest, task, value, FEED_REPLAY_TASKS);
    } else if (task !== undefined) this.snapshot = value;
    for (const browser of this.browsers) browser.push(value);
  }

  /** graphql-ws's sink: the operation's errors as an array, or a CloseEvent / Error for the socket. */
  error(error: unknown): void {
    if (Array.isArray(error) && isRefusal(error) && this.retry()) return;
    // Every browser subscription on it ends here: say why, from the upstream's own words.
    log().warn({ upstream: describeUpstreamError(error), browsers: this.browsers.length }, 'upstream subscription failed; ending its browser subscriptions');
    this.end({ errors: Array.isArray(error) ? error.map(fromUpstream) : [backendUnavailable()] });
  }

  /** graphql-ws's sink: the upstream subscription completed (after a refusal: see `next`). */
  complete(): void {
    if (this.refusing) {
      this.refusing = false;
      if (this.retry()) return;
    }
    this.end();
  }

  /**
   * A subscription the backend refused only because it could not reach Redis for a moment
   * (SERVICE_UNAVAILABLE: graphql-ws resubscribes everything at once when the upstream socket
   * comes back, often while the backend's own Redis connection is still reconnecting) is tried
   * again with backoff, as long as a browser listens, rather than ended: browser subscriptions
   * stay open across backend and Redis outages (docs/guarantees.md). Versions and seqs only rise
   * across the retries. Any other error ends it.
   */
  private retry(): boolean {
    if (this.ended) return false;
    const wait = backoffMs(this.refusals);
    this.refusals += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.ended) this.start();
    }, wait);
    return true;
  }

  /** Never called once ended: `gone()` has taken it out of the relayer's map by then. */
  join(): AsyncIterableIterator<ExecutionResult> {
    // Its end (the browser cut it, or graphql-ws finished with it) is the browser leaving.
    const browser: PushQueue<ExecutionResult> = new PushQueue(() => this.leave(browser));
    for (const value of this.sequence ?? []) browser.push(value);
    for (const value of this.latest?.values() ?? []) browser.push(value);
    if (this.snapshot) browser.push(this.snapshot);
    // A new array of the exact size: push() would grow a one-element array to room for 17.
    this.browsers = [...this.browsers, browser];
    return browser;
  }

  private end(last?: ExecutionResult): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.gone();
    // Taken out first: each stop() calls leave(), which then finds nothing to do.
    const browsers = this.browsers;
    this.browsers = [];
    for (const browser of browsers) {
      if (last) browser.push(last);
      browser.stop();
    }
  }

  private leave(browser: PushQueue<ExecutionResult>): void {
    const i = this.browsers.indexOf(browser);
    if (i < 0) return;
    this.browsers.splice(i, 1);
    if (this.browsers.length > 0 || this.ended) return;
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.gone();
    this.unsubscribe();
  }
}

/** The backend's errors say it could not serve the subscription for now (its Redis was unreachable). */
function isRefusal(errors: readonly { extensions?: Record<string, unknown> }[]): boolean {
  return errors.length > 0 && errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
}

/** An upstream subscription's error as graphql-ws reports it: the operation's error codes, or the socket's close code. */
function describeUpstreamError(error: unknown): string {
  if (Array.isArray(error)) return `errors ${error.map((e: { extensions?: { code?: unknown } }) => String(e?.extensions?.code ?? 'NO_CODE')).join(', ')}`;
  const e = error as { code?: unknown; reason?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'number') return `close ${e.code} ${String(e.reason ?? '')}`.trim();
  return String(e?.message ?? error);
}

/** rootFieldOf's answers per operation: the same few documents are relayed for every task. */
const rootFields = new Map<string, string | undefined>();
const ROOT_FIELDS_KEPT = 64;

/** The name of the operation's single root field (not its alias); undefined if it has several or does not parse. */
function rootFieldOf(query: string, operationName: string | null | undefined): string | undefined {
  const key = `${operationName ?? ''}\n${query}`;
  if (rootFields.has(key)) return rootFields.get(key);
  const field = parseRootField(query, operationName);
  if (rootFields.size >= ROOT_FIELDS_KEPT) rootFields.clear();
  rootFields.set(key, field);
  return field;
}

function parseRootField(query: string, operationName: string | null | undefined): string | undefined {
  try {
    const selections = getOperationAST(parse(query), operationName)?.selectionSet.selections ?? [];
    return selections.length === 1 && selections[0].kind === Kind.FIELD ? selections[0].name.value : undefined;
  } catch {
    return undefined;
  }
}

/** A subscription payload's single root field (taskStatus, taskUpdates, taskEvents), if it has one. */
function rootOf(data: Record<string, unknown> | null | undefined): { version?: unknown; seq?: unknown; id?: unknown } | undefined {
  if (!data) return undefined;
  const roots = Object.values(data);
  if (roots.length !== 1 || typeof roots[0] !== 'object' || roots[0] === null) return undefined;
  return roots[0] as { version?: unknown; seq?: unknown; id?: unknown };
}
