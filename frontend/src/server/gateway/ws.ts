import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { getOperationAST, type ExecutionArgs, type GraphQLError } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { FrontendConfig } from '../config.js';
import { newSessionId, sessionOf } from '../session.js';
import { codedError, maskError } from './errors.js';
import type { Gateway } from './yoga.js';

/** Largest WebSocket message accepted from a browser. */
const MAX_PAYLOAD = 64 * 1024;

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
  user: string,
  req: IncomingMessage,
  socket: unknown,
  params: SubscribePayload,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const { schema, execute, subscribe, contextFactory, parse, validate } = gateway.yoga.getEnveloped({ req, socket, params, user });
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

/** Open sockets per session, to cap them. */
function socketCounter(max: number) {
  const open = new Map<string, number>();
  return {
    full: (user: string) => (open.get(user) ?? 0) >= max,
    opened(user: string): void {
      open.set(user, (open.get(user) ?? 0) + 1);
    },
    closed(user: string): void {
      const left = (open.get(user) ?? 1) - 1;
      if (left > 0) open.set(user, left);
      else open.delete(user);
    },
  };
}

/**
 * The WebSocket leg of /api/graphql: graphql-ws over the same Yoga (same schema, plugins and
 * context), for browsers. Upgrades from foreign origins are refused before the handshake.
 */
export function createGatewayWs(gateway: Gateway, config: FrontendConfig) {
  // Frames over MAX_PAYLOAD close the socket with 1009 (Message Too Big).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  const users = new WeakMap<IncomingMessage, string>();
  const { maxSubscriptionsPerSocket, maxSocketsPerSession, initTimeoutMs } = config.ws;
  const sockets = socketCounter(maxSocketsPerSession);
  /** Connected sockets' contexts, for the subscription gauge (read at scrape time). */
  const live = new Set<{ subscriptions: Record<string, unknown> }>();

  const disposable = useServer(
    {
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
        // Anything thrown here (GraphQL Armor's limits throw from validate) would make graphql-ws
        // close the whole socket with 4500: answer this operation with a coded error instead.
        try {
          const req = ctx.extra.request;
          return await prepare(gateway, users.get(req) ?? newSessionId(), req, ctx.extra.socket, params);
        } catch (error) {
          return [maskError(error, '', config.dev) as GraphQLError];
        }
      },
    },
    wss,
  );

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      if (!allowedOrigin(req, config.allowedOrigins)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // The session cookie names the user; without a valid one the socket gets a fresh,
      // empty identity (it can watch nothing it did not create).
      const user = sessionOf(req, { secret: config.sessionSecret, maxAgeS: config.sessionMaxAgeS }) ?? newSessionId();
      if (sockets.full(user)) {
        socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      users.set(req, user);
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.opened(user);
        ws.once('close', () => sockets.closed(user));
        wss.emit('connection', ws, req);
      });
    },
    /** Open browser sockets and their live subscriptions, for metrics. */
    stats(): { sockets: number; subscriptions: number } {
      let subscriptions = 0;
      for (const ctx of live) subscriptions += Object.keys(ctx.subscriptions).length;
      return { sockets: wss.clients.size, subscriptions };
    },
    async close(): Promise<void> {
      // 1012 Service Restart: clients reconnect (to this process's successor or another one).
      for (const client of wss.clients) client.close(1012, 'Server restarting');
      await disposable.dispose();
    },
  };
}
