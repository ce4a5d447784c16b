import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Frames sent on one served WebSocket within one turn of the event loop leave in ONE socket
 * write. The gateway multiplexes every browser's subscriptions on its upstream socket, and a
 * read from Redis usually carries several tasks' updates, each sent as its own frame: without
 * this, each frame was its own write system call here and its own read at the gateway (socket
 * writes were the largest single item of the API's CPU profile). The TCP socket is corked at a
 * turn's first frame and uncorked once the turn's callbacks and promise jobs have all run
 * (`process.nextTick` queued from inside them runs after the promise queue drains), so frames
 * wait for nothing but the work already under way; order and content are unchanged.
 */
export function batchFrames(ws: WebSocket, tcp: Socket): void {
  let corked = false;
  const flush = () => {
    corked = false;
    tcp.uncork();
  };
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  ws.send = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      tcp.cork();
      process.nextTick(flush);
    }
    send(...args);
  }) as WebSocket['send'];
}
