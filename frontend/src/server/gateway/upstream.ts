import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import type { ExecutionRequest, ExecutionResult, Executor } from '@graphql-tools/utils';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { FrontendConfig } from '../config.js';
import { backendUnavailable, fromUpstream } from './errors.js';
import {
  INTERNAL_TOKEN_HEADER,
  INTERNAL_TOKEN_PARAM,
  pushStream,
  REQUEST_ID_HEADER,
  USER_EXTENSION,
  USER_HEADER,
  type PushStream,
} from '@longrun/server-common';

/** What every gateway operation knows about its caller. */
export interface GatewayContext {
  /** The session id: the only identity the gateway ever asserts to the backend. */
  user: string;
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
 * Who is asking, for every HTTP request to the backend (GraphQL here, a file in files.ts): the
 * internal credential, the session's user and the request's id.
 */
export function upstreamHeaders(config: Pick<FrontendConfig, 'internalToken'>, context: GatewayContext | undefined): Record<string, string> {
  return {
    [INTERNAL_TOKEN_HEADER]: `Bearer ${config.internalToken}`,
    [USER_HEADER]: context?.user ?? '',
    ...(context?.requestId ? { [REQUEST_ID_HEADER]: context.requestId } : {}),
  };
}

/** Reconnect forever with jittered exponential backoff, capped at 5 s. */
const retryWait = async (retries: number) => {
  const base = Math.min(5000, 100 * 2 ** retries);
  await new Promise((r) => setTimeout(r, base / 2 + Math.random() * (base / 2)));
};

/**
 * The gateway's way to the backend: queries and mutations over HTTP (keep-alive), subscriptions
 * multiplexed over one shared graphql-ws connection. Identity travels per operation: the
 * `x-longrun-user` header on HTTP, `extensions.user` on each subscribe message. Whatever
 * extensions a browser sent are dropped, never forwarded.
 */
export function createUpstream(config: FrontendConfig): Upstream {
  const http = buildHTTPExecutor({
    endpoint: config.backendHttpUrl,
    headers: (request?: ExecutionRequest) => upstreamHeaders(config, request?.context as GatewayContext | undefined),
    timeout: config.upstreamTimeoutMs,
  });

  const wsClient = createClient({
    url: config.backendWsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { [INTERNAL_TOKEN_PARAM]: config.internalToken },
    lazy: true,
    lazyCloseTimeout: 1000,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait,
  });

  // Queries and mutations only: subscriptions never reach it (see forward.ts).
  const executor = (async (request: ExecutionRequest<Record<string, unknown>, GatewayContext>) => {
    const result = (await http({ ...request, extensions: {} } as never)) as ExecutionResult;
    return result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : result;
  }) as Executor<GatewayContext>;

  return {
    executor,
    wsClient,
    relay: relayer(wsClient),
    dispose: async () => {
      await wsClient.dispose();
      await http[Symbol.asyncDispose]?.();
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

/**
 * One upstream subscription and the browser subscriptions it feeds, over graphql-ws's callback
 * API: each event is pushed straight to every browser subscription's stream, with no
 * intermediate iterator, race or timer per event (this runs for every status event). Two kinds
 * of stream are relayed, told apart by their payloads:
 *  - snapshots (a root field with a `version`, like taskStatus): a browser subscription that
 *    joins late gets the newest result first, then every later one; versions only rise.
 *  - sequences (a root field with a `seq`, like taskEvents): every item counts, so a late joiner
 *    gets every item relayed so far (bounded: a task's timeline is), then the rest; seqs only rise.
 * When the last browser subscription is cut, the upstream one is unsubscribed AT ONCE, so
 * it never holds the backend's stream (and its Redis channel) until the task's next event,
 * which may be minutes away.
 */
class UpstreamSubscription {
  private readonly browsers = new Set<PushStream<ExecutionResult>>();
  /** What a browser subscription that joins now starts with: the newest snapshot, or every item of a sequence. */
  private replay: ExecutionResult[] = [];
  /** No more events will come (completed, failed, or nobody listens any more). */
  private ended = false;
  private readonly unsubscribe: () => void;

  constructor(
    client: Pick<Client, 'subscribe'>,
    { query, variables, operationName }: UpstreamOperation,
    user: string,
    private readonly gone: () => void,
  ) {
    // When the upstream socket comes back, graphql-ws resubscribes with the same variables and
    // the backend starts again from the current snapshot (or replays the sequence from the same
    // point), repeating what was already relayed: versions and seqs must only rise on a
    // subscription, so a repeat (or anything older) is dropped.
    let lastVersion = -Infinity;
    let lastSeq = -Infinity;
    this.unsubscribe = client.subscribe<Record<string, unknown>>(
      { query, variables, operationName, extensions: { [USER_EXTENSION]: user } },
      {
        next: (result) => {
          if (this.ended) return;
          const root = rootOf(result.data as Record<string, unknown> | null | undefined);
          const { version, seq } = root ?? {};
          if (typeof version === 'number') {
            if (version <= lastVersion) return;
            lastVersion = version;
          }
          if (typeof seq === 'number') {
            if (seq <= lastSeq) return;
            lastSeq = seq;
          }
          const value = (result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : result) as ExecutionResult;
          if (typeof seq === 'number') this.replay.push(value);
          else this.replay = [value];
          for (const browser of this.browsers) browser.push(value);
        },
        // graphql-ws reports the operation's errors as an array, or a CloseEvent / Error for the socket.
        error: (error) => this.end({ errors: Array.isArray(error) ? error.map(fromUpstream) : [backendUnavailable()] }),
        complete: () => this.end(),
      },
    );
  }

  /** Never called once ended: `gone()` has taken it out of the relayer's map by then. */
  join(): AsyncIterableIterator<ExecutionResult> {
    // Its end (the browser cut it, or graphql-ws finished with it) is the browser leaving.
    const browser = pushStream<ExecutionResult>(() => this.leave(browser));
    for (const value of this.replay) browser.push(value);
    this.browsers.add(browser);
    return browser.stream;
  }

  private end(last?: ExecutionResult): void {
    if (this.ended) return;
    this.ended = true;
    this.gone();
    for (const browser of this.browsers) {
      if (last) browser.push(last);
      browser.stop();
    }
    this.browsers.clear();
  }

  private leave(browser: PushStream<ExecutionResult>): void {
    if (!this.browsers.delete(browser) || this.browsers.size > 0 || this.ended) return;
    this.ended = true;
    this.gone();
    this.unsubscribe();
  }
}

/** A subscription payload's single root field (taskStatus, taskEvents), if it has one. */
function rootOf(data: Record<string, unknown> | null | undefined): { version?: unknown; seq?: unknown } | undefined {
  if (!data) return undefined;
  const roots = Object.values(data);
  if (roots.length !== 1 || typeof roots[0] !== 'object' || roots[0] === null) return undefined;
  return roots[0] as { version?: unknown; seq?: unknown };
}
