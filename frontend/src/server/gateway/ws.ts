import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { REQUEST_ID_HEADER, requestIdOf, userTag } from '@longrun/server-common';
import { getOperationAST, type ExecutionArgs, type GraphQLError } from 'graphql';
import { makeServer, type SubscribePayload } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { clientAddress } from '../client-address.js';
import type { FrontendConfig } from '../config.js';
import { log } from '../ops/logger.js';
import { newSessionId, sessionOf } from '../session.js';
import { openCounter, type AddressLimits } from './address-limits.js';
import { codedError, maskError } from './errors.js';
import type { SlowConsumer } from './slow-consumers.js';
import { serveGraphqlWs } from './ws-adapter.js';
import type { Gateway } from './yoga.js';

/** Largest WebSocket message accepted from a browser. */
const MAX_PAYLOAD = 64 * 1024;

/**
 * Closes a socket its address may not open now: 1013 Try Again Later (the standard code for
 * "overloaded, come back"), with the wait in the reason a browser can read (an HTTP refusal of
 * the upgrade reaches a page only as 1006, without a word).
 */
export const ADDRESS_SOCKETS_CLOSE_CODE = 1013;
const ADDRESS_SOCKETS_RETRY_S = 5;

/** What the socket server reports as it happens (metrics). */
export interface GatewayWsEvents {
  /** A socket passed WS_MAX_BUFFERED_BYTES and was closed (slow-consumers.ts). */
  slowConsumer?(info: SlowConsumer): void;
}

/**
 * Who opened a socket: the session's user, the client's address key and the upgrade's request
 * id: all a socket needs of its upgrade request, read once, so that the request itself (about
 * 1.4 KB with its headers) is not kept for the socket's life.
 */
interface Caller {
  user: string;
  client: string;
  requestId?: string;
}

/** What graphql-ws's context holds of each socket (ctx.extra). */
interface SocketExtra {
  socket: WebSocket;
  caller: Caller;
}

interface Enveloped {
  execute: (args: ExecutionArgs) => never;
  subscribe: (args: ExecutionArgs) => never;
}

/** Whether a browser on this page may open the socket. */
function allowedOrigin(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  // Non-browser clients send no Origin; browsers always do, and cannot forge it.
  if (origin === undefined) return true;
  const host = req.headers.host;
  const own = host ? [`http://${host}`, `https://${host}`] : [];
  return own.includes(origin) || allowedOrigins.includes(origin);
}

/**
 * One subscribe message, through the same Yoga as HTTP (parse, validate, limits, trusted
 * documents), into what graphql-ws runs: a subscription is relayed upstream as it is, anything
 * else is executed by Yoga's own pipeline.
 */
async function prepare(
  gateway: Gateway,
  { user, client, requestId }: Caller,
  socket: unknown,
  params: SubscribePayload,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const { schema, execute, subscribe, contextFactory, parse, validate } = gateway.yoga.getEnveloped({ socket, params, user, client, requestId });
  const source = gateway.trusted.resolve(params);
  if ('error' in source) return [source.error];
  const document = parse(source.query);
  const errors = validate(schema, document);
  if (errors.length > 0) return errors;
  if (getOperationAST(document, params.operationName)?.operation === 'subscription') {
    // Parsed and validated here (limits and all) against the same SDL the backend serves, so
    // the backend's result for this very selection is the answer: relay it rather than
    // execute every event again through the wrapped schema.
    const operation = { query: source.query, variables: params.variables, operationName: params.operationName };
    return {
      schema,
      operationName: params.operationName,
      document,
      variableValues: params.variables,
      contextValue: { user },
      rootValue: { execute, subscribe: () => gateway.upstream.relay(operation, user) },
    };
  }
  return {
    schema,
    operationName: params.operationName,
    document,
    variableValues: params.variables,
    contextValue: await contextFactory(),
    rootValue: { execute, subscribe },
  };
}

/**
 * The WebSocket leg of /api/graphql: graphql-ws over the same Yoga (same schema, plugins and
 * context), for browsers. Upgrades from foreign origins are refused before the handshake.
 */
export function createGatewayWs(gateway: Gateway, config: FrontendConfig, limits: AddressLimits, events: GatewayWsEvents = {}) {
  // Frames over MAX_PAYLOAD close the socket with 1009 (Message Too Big).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  const { maxSubscriptionsPerSocket, maxSocketsPerSession, initTimeoutMs, maxBufferedBytes } = config.ws;
  const sockets = openCounter(maxSocketsPerSession);
  /** Connected sockets' contexts, for the subscription gauge (read at scrape time). */
  const live = new Set<{ subscriptions: Record<string, unknown> }>();

  const server = makeServer<Record<string, unknown> | undefined, SocketExtra>({
    // graphql-ws closes sockets that stay silent with 4408, duplicate ids with 4409 and
    // unknown or malformed messages with 4400: the protocol's own close codes.
    connectionInitWaitTimeout: initTimeoutMs,
    onConnect: (ctx) => {
      live.add(ctx);
    },
    onClose: (ctx) => {
      live.delete(ctx);
    },
    execute: (args) => (args.rootValue as Enveloped).execute(args),
    subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
    onSubscribe: async (ctx, _id, params) => {
      // graphql-ws registers an operation's id before calling this hook, so the count
      // includes the one asking: only more than the cap is one too many.
      if (Object.keys(ctx.subscriptions).length > maxSubscriptionsPerSocket) {
        return [codedError('RATE_LIMITED', `At most ${maxSubscriptionsPerSocket} live subscriptions per connection`, { retryAfterSeconds: 1 })];
      }
      const { caller } = ctx.extra;
      // Each operation spends the address's budget, shared with its HTTP requests.
      const retryAfterSeconds = await limits.operation(caller.client);
      if (retryAfterSeconds !== undefined) {
        return [codedError('RATE_LIMITED', `Too many requests from this address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds })];
      }
      // Anything thrown here (GraphQL Armor's limits throw from validate) would make graphql-ws
      // close the whole socket with 4500: answer this operation with a coded error instead.
      try {
        return await prepare(gateway, caller, ctx.extra.socket, params);
      } catch (error) {
        return [maskError(error, '', config.dev) as GraphQLError];
      }
    },
  });
  const adapter = serveGraphqlWs(wss, server, {
    // The keep-alive: every pingMs each socket is pinged, and one that has not answered the
    // previous ping is terminated, so a browser gone without a FIN (laptop closed, network
    // lost) frees its socket, subscriptions and socket-cap share within two intervals.
    pingMs: config.ws.pingMs,
    maxBufferedBytes,
    onSlow: ({ caller }, slow) => {
      log().warn({ user: userTag(caller.user), bufferedBytes: slow.bufferedBytes, limit: maxBufferedBytes }, 'WebSocket closed: slow consumer');
      events.slowConsumer?.(slow);
    },
    dev: config.dev,
  });

  return {
    async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      if (!allowedOrigin(req, config.allowedOrigins)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const client = clientAddress(req, config.address.proxy);
      // An upgrade is a request like any other: it spends the address's operation budget. Node
      // has taken its error listener off an upgrading socket: one stands in while we wait.
      const dropped = () => socket.destroy();
      socket.on('error', dropped);
      const retryAfter = await limits.operation(client);
      socket.off('error', dropped);
      if (retryAfter !== undefined) {
        socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${retryAfter}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      // The session cookie names the user; without a valid one the socket gets a fresh,
      // empty identity (it can watch nothing it did not create).
      const user = sessionOf(req, { secret: config.sessionSecret, maxAgeS: config.sessionMaxAgeS }) ?? newSessionId();
      if (sockets.full(user)) {
        socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const caller: Caller = { user, client, requestId: requestIdOf(req.headers[REQUEST_ID_HEADER]) };
      wss.handleUpgrade(req, socket, head, (ws) => {
        // Checked once the socket is open (so the page can read why); graphql-ws never sees it.
        if (limits.sockets.full(client)) {
          ws.close(ADDRESS_SOCKETS_CLOSE_CODE, `Too many connections from this address; retry in ${ADDRESS_SOCKETS_RETRY_S} s`);
          return;
        }
        sockets.opened(user);
        limits.sockets.opened(client);
        // The socket's context keeps its Caller, not the upgrade request; no closure of this
        // function refers to `req` either, so nothing keeps it for the socket's life.
        adapter.serve(ws, { socket: ws, caller }, () => {
          sockets.closed(user);
          limits.sockets.closed(client);
        });
      });
    },
    /** Open browser sockets, their live subscriptions and the bytes queued for them, for metrics. */
    stats(): { sockets: number; subscriptions: number; bufferedBytes: number } {
      let subscriptions = 0;
      for (const ctx of live) subscriptions += Object.keys(ctx.subscriptions).length;
      let bufferedBytes = 0;
      for (const ws of wss.clients) bufferedBytes += ws.bufferedAmount;
      return { sockets: wss.clients.size, subscriptions, bufferedBytes };
    },
    async close(): Promise<void> {
      // 1012 Service Restart: clients reconnect (to this process's successor or another one).
      await adapter.dispose(1012, 'Server restarting');
    },
  };
}
