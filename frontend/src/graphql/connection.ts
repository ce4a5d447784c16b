'use client';
import { useSyncExternalStore } from 'react';

/**
 * The page's WebSocket state, for the connection indicator. `idle`: no live subscription, so no
 * socket (it closes by itself once nothing is live); `reconnecting`: the socket dropped and the
 * client is retrying with backoff.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

let state: ConnectionState = 'idle';
const listeners = new Set<() => void>();

export function setConnectionState(next: ConnectionState): void {
  if (next === state) return;
  state = next;
  for (const l of listeners) l();
}

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
    () => 'idle',
  );
}
