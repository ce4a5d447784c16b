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
 * One upstream subscription, its errors re-coded; returning it unsubscribes upstream AT ONCE.
 * (Not an async generator: a generator's return() waits until its pending `await` settles, i.e.
 * the task's next event, which for a quiet task may be minutes away, so every subscription a
 * browser cut would hold its upstream subscription and the backend's Redis channel till then.)
 */
function subscribe(client: Client, { query, variables, operationName }: UpstreamOperation, user: string): AsyncIterableIterator<ExecutionResult> {
  const upstream = client.iterate<Record<string, unknown>>({ query, variables, operationName, extensions: { user } });
  const DONE: IteratorResult<ExecutionResult> = { value: undefined, done: true };
  let ended = false;
  let stop!: (r: IteratorResult<ExecutionResult>) => void;
  const stopped = new Promise<IteratorResult<ExecutionResult>>((resolve) => (stop = resolve));
  const end = async () => {
    if (ended) return;
    ended = true;
    stop(DONE); // settles a pending next(), which graphql-ws's iterator would leave pending forever
    await upstream.return?.();
  };
  // When the upstream socket comes back, graphql-ws resubscribes and the backend starts again
  // from the current snapshot, which may repeat the last version this browser already has:
  // versions must only rise on a subscription, so a repeat (or anything older) is dropped.
  let lastVersion = -Infinity;
  const pull = async (): Promise<IteratorResult<ExecutionResult>> => {
    for (;;) {
      let step: IteratorResult<{ data?: Record<string, unknown> | null; errors?: readonly unknown[] }>;
      try {
        step = await upstream.next();
      } catch (error) {
        // graphql-ws throws the operation's errors as an array, or a CloseEvent / Error for the socket.
        const errors = Array.isArray(error) ? error.map(fromUpstream) : [backendUnavailable()];
        await end();
        return { value: { errors }, done: false };
      }
      if (step.done) {
        await end();
        return DONE;
      }
      const result = step.value as ExecutionResult;
      const version = versionOf(result.data as Record<string, unknown> | null | undefined);
      if (version !== undefined) {
        if (version <= lastVersion) continue;
        lastVersion = version;
      }
      return { value: result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : result, done: false };
    }
  };
  return {
    next: () => (ended ? Promise.resolve(DONE) : Promise.race([pull(), stopped])),
    return: async () => {
      await end();
      return DONE;
    },
    throw: async (error?: unknown) => {
      await end();
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
