import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import type { ExecutionRequest, ExecutionResult, Executor } from '@graphql-tools/utils';
import { getOperationASTFromRequest } from '@graphql-tools/utils';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { FrontendConfig } from '../config.js';
import { backendUnavailable, fromUpstream } from './errors.js';

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
   * what the gateway would compute by executing each event again (see ws.ts).
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
    headers: (request?: ExecutionRequest) => ({
      authorization: `Bearer ${config.internalToken}`,
      'x-longrun-user': (request?.context as GatewayContext | undefined)?.user ?? '',
      ...((request?.context as GatewayContext | undefined)?.requestId ? { 'x-request-id': (request?.context as GatewayContext).requestId! } : {}),
    }),
    timeout: config.upstreamTimeoutMs,
  });

  const wsClient = createClient({
    url: config.backendWsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { token: config.internalToken },
    lazy: true,
    lazyCloseTimeout: 1000,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait,
  });

  const executor = (async (request: ExecutionRequest<Record<string, unknown>, GatewayContext>) => {
    const user = request.context?.user ?? '';
    const operation = request.operationType ?? getOperationASTFromRequest(request).operation;
    if (operation === 'subscription') {
      const { document, variables, operationName } = request;
      return subscribe(wsClient, { query: print(document), variables, operationName }, user);
    }
    const result = (await http({ ...request, extensions: {} } as never)) as ExecutionResult;
    return result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : result;
  }) as Executor<GatewayContext>;

  return {
    executor,
    wsClient,
    relay: (operation, user) => subscribe(wsClient, operation, user),
    dispose: async () => {
      await wsClient.dispose();
      await http[Symbol.asyncDispose]?.();
    },
  };
}

/**
 * One upstream subscription as an async iterator, its errors re-coded. Push-based over
 * graphql-ws's callback API: each event is handed to the waiting `next()` (or queued) with no
 * intermediate iterator, race or timer per event (npm run bench: the bridge was a large part of
 * the gateway's CPU per event). `return()` unsubscribes upstream AT ONCE and settles a pending
 * `next()`, so a subscription a browser cut never holds its upstream subscription (and the
 * backend's Redis channel) until the task's next event, which may be minutes away.
 */
function subscribe(client: Client, { query, variables, operationName }: UpstreamOperation, user: string): AsyncIterableIterator<ExecutionResult> {
  const DONE: IteratorResult<ExecutionResult> = { value: undefined, done: true };
  const queue: IteratorResult<ExecutionResult>[] = [];
  let waiting: ((step: IteratorResult<ExecutionResult>) => void) | null = null;
  /** No more events will come (completed, failed or returned); what is queued is still handed out. */
  let ended = false;
  const push = (step: IteratorResult<ExecutionResult>) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve(step);
    } else {
      queue.push(step);
    }
  };
  const end = (last?: ExecutionResult) => {
    if (ended) return;
    ended = true;
    if (last) push({ value: last, done: false });
    push(DONE);
  };
  // When the upstream socket comes back, graphql-ws resubscribes and the backend starts again
  // from the current snapshot, which may repeat the last version this browser already has:
  // versions must only rise on a subscription, so a repeat (or anything older) is dropped.
  let lastVersion = -Infinity;
  const unsubscribe = client.subscribe<Record<string, unknown>>(
    { query, variables, operationName, extensions: { user } },
    {
      next: (result) => {
        if (ended) return;
        const version = versionOf(result.data as Record<string, unknown> | null | undefined);
        if (version !== undefined) {
          if (version <= lastVersion) return;
          lastVersion = version;
        }
        push({ value: (result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : result) as ExecutionResult, done: false });
      },
      // graphql-ws reports the operation's errors as an array, or a CloseEvent / Error for the socket.
      error: (error) => end({ errors: Array.isArray(error) ? error.map(fromUpstream) : [backendUnavailable()] }),
      complete: () => end(),
    },
  );
  const stop = () => {
    if (!ended) unsubscribe();
    ended = true;
    queue.length = 0;
    push(DONE);
  };
  return {
    next: () => {
      const step = queue.shift();
      if (step) return Promise.resolve(step);
      if (ended) return Promise.resolve(DONE);
      return new Promise((resolve) => (waiting = resolve));
    },
    return: async () => {
      stop();
      return DONE;
    },
    throw: async (error?: unknown) => {
      stop();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The `version` of a subscription payload's single root field (e.g. taskStatus), if it has one. */
function versionOf(data: Record<string, unknown> | null | undefined): number | undefined {
  if (!data) return undefined;
  const roots = Object.values(data);
  if (roots.length !== 1) return undefined;
  const version = (roots[0] as { version?: unknown } | null)?.version;
  return typeof version === 'number' ? version : undefined;
}
