import { CloseCode, DEPRECATED_GRAPHQL_WS_PROTOCOL, handleProtocols, type Server, type WebSocket as ProtocolSocket } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { log } from '../ops/logger.js';
import { sendBounded, type SlowConsumer } from './slow-consumers.js';

export interface AdapterOptions<E> {
  /** Keep-alive: every pingMs each socket is pinged; one that has not answered the previous ping is terminated. */
  pingMs: number;
  /** Bytes this process may hold for one socket (slow-consumers.ts). */
  maxBufferedBytes: number;
  onSlow(extra: E, info: SlowConsumer): void;
  /** Internal errors' messages in close reasons (graphql-ws's own adapter does so outside production). */
  dev: boolean;
}

/** Closes a socket after an internal error, as graphql-ws's adapter does (4500, the message outside production). */
function internalError(ws: WebSocket, error: unknown, what: string, dev: boolean): void {
  log().error({ err: error }, `graphql-ws: internal error ${what}`);
  const message = error instanceof Error ? error.message : String(error);
  ws.close(CloseCode.InternalServerError, dev && message.length < 124 ? message : 'Internal server error');
}

/** graphql-ws's view of one socket: methods on the prototype, so one small object per socket. */
class Socket<E> implements ProtocolSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly extra: E,
    private readonly options: AdapterOptions<E>,
  ) {}

  get protocol(): string {
    return this.ws.protocol;
  }

  /** Handed to the socket and acknowledged at once; sendBounded bounds what waits (slow-consumers.ts). */
  send(data: string): void {
    const slow = sendBounded(this.ws, data, this.options.maxBufferedBytes);
    if (slow) this.options.onSlow(this.extra, slow);
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }

  onMessage(cb: (data: string) => Promise<void>): void {
    const { ws, options } = this;
    // Not an async listener awaiting `cb`: a subscribe message's `cb` settles only when its
    // subscription ends, and an awaiting frame would keep the message's bytes until then.
    ws.on('message', (data) => {
      cb(String(data)).catch((error) => internalError(ws, error, 'handling a message', options.dev));
    });
  }
}

/**
 * graphql-ws (`server`, from makeServer) over `ws` sockets: what graphql-ws's own adapter
 * (`useServer` from graphql-ws/use/ws) does, holding less per socket, since the gateway holds a
 * socket per browser (docs/performance.md, the RSS row): one timer pings every socket (rather
 * than an interval and a timeout per socket), the listeners that need no state of their socket
 * are shared, no message stays referenced by a pending handler, and sends go through
 * sendBounded (rather than a `send` wrapper per socket). Behaviour is graphql-ws's: the same
 * subprotocol negotiation, close codes and keep-alive bound (a socket that stops answering is
 * terminated within two intervals).
 */
export function serveGraphqlWs<E>(wss: WebSocketServer, server: Server<E>, options: AdapterOptions<E>) {
  wss.options.handleProtocols = handleProtocols;
  /** Sockets pinged by the last round that have not answered yet. */
  const unanswered = new Set<WebSocket>();
  function onPong(this: WebSocket) {
    unanswered.delete(this);
  }
  // ws emits 'error' on a socket (an invalid frame, a message over maxPayload) after it started
  // closing it; a listener must be there, or the error would be thrown.
  function onError(this: WebSocket, error: Error) {
    internalError(this, error, 'emitted on a socket', options.dev);
  }
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (unanswered.has(ws)) {
        unanswered.delete(ws);
        ws.terminate();
      } else if (ws.readyState === ws.OPEN) {
        unanswered.add(ws);
        ws.ping();
      }
    }
  }, options.pingMs);
  heartbeat.unref();

  return {
    /** Hands an open socket to graphql-ws; `onClose` runs when it closes, whoever closed it. */
    serve(ws: WebSocket, extra: E, onClose: () => void): void {
      ws.on('error', onError);
      ws.on('pong', onPong);
      const closed = server.opened(new Socket(ws, extra, options), extra);
      ws.on('close', (code, reason) => {
        unanswered.delete(ws);
        onClose();
        if (options.dev && code === CloseCode.SubprotocolNotAcceptable && ws.protocol === DEPRECATED_GRAPHQL_WS_PROTOCOL) {
          log().warn(`A client used the deprecated subprotocol "${ws.protocol}" (subscriptions-transport-ws); graphql-ws speaks graphql-transport-ws`);
        }
        void closed(code, String(reason));
      });
    },
    /** Closes every socket with `code` and the server. */
    async dispose(code: number, reason: string): Promise<void> {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(code, reason);
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
