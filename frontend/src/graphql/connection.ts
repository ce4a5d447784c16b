'use client';
import { useEffect, useRef, useSyncExternalStore } from 'react';

/**
 * The page's live-connection state, for the indicator.
 * - `idle`: no socket: nothing is live (the page's list keeps one subscription, so only until it opens);
 * - `connecting` / `connected`: the socket is opening / open;
 * - `reconnecting`: the socket dropped while something was live; the client retries with backoff
 *   and resubscribes (each resubscription starts from the task's current snapshot);
 * - `offline`: the browser says it has no network (it keeps retrying once it is back).
 * A query or mutation that cannot reach the server (or gets SERVICE_UNAVAILABLE) also shows
 * `reconnecting`, until the next request gets through or the socket connects.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

let socketState: Exclude<ConnectionState, 'offline'> = 'idle';
let online = true;
let serverReachable = true;
const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) l();
}

export function setConnectionState(next: Exclude<ConnectionState, 'offline'>): void {
  if (next === 'connected') serverReachable = true;
  if (next === socketState) return;
  socketState = next;
  notify();
}

/** What the last query or mutation learned about the server. */
export function setServerReachable(reachable: boolean): void {
  if (reachable === serverReachable) return;
  serverReachable = reachable;
  notify();
}

function current(): ConnectionState {
  if (!online) return 'offline';
  // The socket reaches the frontend, not the backend behind it: a refused request says more.
  if (!serverReachable) return 'reconnecting';
  return socketState;
}

if (typeof window !== 'undefined') {
  online = navigator.onLine;
  const update = () => {
    online = navigator.onLine;
    notify();
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
}

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    current,
    () => 'idle',
  );
}

/** Runs `catchUp` each time the connection comes back (from reconnecting or offline to idle or connected). */
export function useWhenBack(connection: ConnectionState, catchUp: () => void): void {
  const last = useRef(connection);
  const latest = useRef(catchUp);
  latest.current = catchUp;
  useEffect(() => {
    const was = last.current;
    last.current = connection;
    if ((was === 'reconnecting' || was === 'offline') && (connection === 'connected' || connection === 'idle')) latest.current();
  }, [connection]);
}
