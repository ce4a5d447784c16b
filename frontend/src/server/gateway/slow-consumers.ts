import type WebSocket from 'ws';

/**
 * Closes a socket whose client stopped reading (4000-4999 is the application's range; graphql-ws
 * uses 44xx, and its clients retry this one like 1006: a page that was frozen reconnects and
 * resubscribes when it wakes up).
 */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;
export const SLOW_CONSUMER_REASON = 'Slow consumer: too much unread data';
/**
 * How long a socket over the bound gets for its close frame (queued behind what it has not read)
 * before it is cut: a client stalled for a moment (a frozen tab) reads it and sees 4008; one that
 * reads nothing sees its connection cut (1006). Sends are dropped meanwhile, so it holds no more
 * than it did: the grace costs time, not memory.
 */
export const SLOW_CONSUMER_GRACE_MS = 5000;

export interface SlowConsumer {
  /** Bytes queued in this process for the socket when it passed the bound. */
  bufferedBytes: number;
}

/**
 * Sends `data` on a browser socket, bounding the bytes this process holds for it. graphql-ws
 * awaits each send before it takes the next event, so with a client that does not read, events
 * would pile up unmeasured in the relay's per-subscription queues (upstream.ts) instead. So a
 * send is handed to the socket at once and acknowledged at once (ws-adapter.ts returns at once),
 * and everything queued for the socket is in its write buffer, where `bufferedAmount` counts it
 * (the kernel's socket buffer fills first); past `maxBufferedBytes` the socket is closed with
 * SLOW_CONSUMER_CLOSE_CODE and, SLOW_CONSUMER_GRACE_MS later, terminated, which frees the buffer
 * and makes graphql-ws end its subscriptions (and the relay release their upstream ones). On a
 * socket that is not open (closing: over the bound, say) nothing is sent.
 * Returns what to report when this send closed the socket for it.
 */
export function sendBounded(ws: WebSocket, data: string, maxBufferedBytes: number): SlowConsumer | undefined {
  if (ws.readyState !== ws.OPEN) return undefined;
  // A write error also closes the socket ('close' ends the subscriptions): nothing to report here.
  ws.send(data, () => undefined);
  const bufferedBytes = ws.bufferedAmount;
  if (bufferedBytes <= maxBufferedBytes) return undefined;
  ws.close(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON);
  const timer = setTimeout(() => ws.terminate(), SLOW_CONSUMER_GRACE_MS);
  ws.once('close', () => clearTimeout(timer));
  return { bufferedBytes };
}
