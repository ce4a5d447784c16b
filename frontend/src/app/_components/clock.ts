import { useSyncExternalStore } from 'react';

/**
 * One shared one-second clock for everything on the page that counts (a running task's
 * elapsed time, a rate limit's countdown). It ticks only while something listens, and gives
 * null during server rendering and hydration, so server and client markup always agree.
 */
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  now = Date.now();
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of listeners) l();
  }, 1000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const still = () => () => undefined;

/** The current time, refreshed every second while `running` (stale otherwise); null on the server. */
export function useNow(running = true): number | null {
  return useSyncExternalStore(
    running ? subscribe : still,
    () => now,
    () => null,
  );
}

/** True in the browser after hydration, false on the server and while hydrating. */
export function useIsBrowser(): boolean {
  return useSyncExternalStore(
    still,
    () => true,
    () => false,
  );
}
