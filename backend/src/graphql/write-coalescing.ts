import type { Socket } from 'node:net';

const held = new WeakSet<Socket>();

/**
 * Holds a socket's writes until the end of this turn of the event loop, then sends them in one
 * write. The gateway multiplexes every browser's subscription over one socket, and one read from
 * Redis carries a burst of status messages: without this each of them was its own syscall and
 * TCP segment (npm run bench: `writev` was the largest single cost per event at the backend, and
 * each segment woke the gateway up once more). Nothing waits longer than the current turn.
 */
export function coalesceWritesThisTurn(socket: Socket): void {
  if (held.has(socket)) return;
  held.add(socket);
  socket.cork();
  setImmediate(() => {
    held.delete(socket);
    socket.uncork();
  });
}
