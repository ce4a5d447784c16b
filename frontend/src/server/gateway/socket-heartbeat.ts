import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Drops browser sockets that stopped answering: every `intervalMs` each open socket is sent a
 * WebSocket ping (browsers answer with a pong on their own); one that has not answered the
 * previous ping by then is terminated (a close handshake would wait on the same dead link).
 * Without it, a browser that vanished without a FIN (a laptop closed, a network gone) would hold
 * its socket, its subscriptions and its share of the per-session and per-address socket caps for
 * as long as TCP retransmits. A dead socket is dropped between one and two intervals after it
 * last answered. Returns the function that stops the pings.
 */
export function keepSocketsAlive(wss: WebSocketServer, intervalMs: number): () => void {
  const answered = new WeakSet<WebSocket>();
  const mark = (ws: WebSocket) => answered.add(ws);
  wss.on('connection', (ws: WebSocket) => {
    mark(ws);
    ws.on('pong', () => mark(ws));
  });
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!answered.delete(ws)) {
        ws.terminate();
        continue;
      }
      ws.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
