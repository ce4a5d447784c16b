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
  relay(operation: UpstreamOperation, user: string): AsyncGenerator<ExecutionResult>;
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

/** One upstream subscription, its errors re-coded; returning it unsubscribes upstream. */
async function* subscribe(client: Client, { query, variables, operationName }: UpstreamOperation, user: string): AsyncGenerator<ExecutionResult> {
  const upstream = client.iterate<Record<string, unknown>>({ query, variables, operationName, extensions: { user } });
  try {
    for await (const result of upstream) {
      yield result.errors ? { ...result, errors: result.errors.map(fromUpstream) } : (result as ExecutionResult);
    }
  } catch (error) {
    // graphql-ws throws the operation's errors as an array, or a CloseEvent / Error for the socket.
    const errors = Array.isArray(error) ? error.map(fromUpstream) : [backendUnavailable()];
    yield { errors };
  } finally {
    await upstream.return?.();
  }
}
