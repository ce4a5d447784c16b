import { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';

const logger = new Logger('WebSocketKeepAlive');

/**
 * Drops a served WebSocket (a gateway's shared upstream socket) that stopped answering: every
 * `intervalMs` it is sent a WebSocket ping; if the previous one is still unanswered the socket
 * is terminated (a close handshake would wait on the same dead link). Without it, a gateway
 * gone without a FIN (a partition, a crashed host) would keep its subscriptions, and their Redis
 * channels, here for as long as TCP retransmits. Noticed within two intervals of going silent.
 * (graphql-ws's own keep-alive does the same at a fixed 12 s: @nestjs/graphql calls `useServer`
 * without its keepAlive argument, so this one is what makes the interval a setting.)
 */
export function keepSocketAlive(socket: WebSocket, intervalMs: number): void {
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) {
      logger.warn(`a graphql-ws client did not answer a ping within ${intervalMs} ms; dropping its socket`);
      socket.terminate();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
