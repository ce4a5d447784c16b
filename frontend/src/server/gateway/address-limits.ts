import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { FrontendConfig } from '../config.js';

/**
 * Limits per client address (the key client-address.ts derives), in this process's memory.
 * Sessions are free (a client that drops its cookie gets a new one on every request), so
 * per-session limits alone bound nothing; the address is what a client cannot shed at will.
 * The frontend holds no Redis connection, so these are per process: with N frontend processes
 * behind a balancer an address gets at most N times each bound. What must hold across processes
 * (starting tasks) is counted by the backend in Redis, under the address the gateway asserts.
 */
export interface AddressLimits {
  /**
   * Spends one operation (an HTTP request, a WebSocket upgrade or subscribe message) of
   * `address`'s budget: undefined if allowed, else the seconds until it refills. Never rejects.
   */
  operation(address: string): Promise<number | undefined>;
  sockets: OpenCounter;
}

/** Open things (sockets) per key, to cap them. */
export interface OpenCounter {
  full(key: string): boolean;
  opened(key: string): void;
  closed(key: string): void;
}

export function openCounter(max: number): OpenCounter {
  const open = new Map<string, number>();
  return {
    full: (key) => (open.get(key) ?? 0) >= max,
    opened(key) {
      open.set(key, (open.get(key) ?? 0) + 1);
    },
    closed(key) {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    },
  };
}

export function addressLimits(config: Pick<FrontendConfig, 'address' | 'ws'>): AddressLimits {
  const ops = new RateLimiterMemory({ points: config.address.opsLimit, duration: config.address.opsWindowS });
  return {
    async operation(address) {
      try {
        await ops.consume(address);
        return undefined;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        // The memory store has nothing to fail on; were it to, a limit is no reason to refuse service.
        return undefined;
      }
    },
    sockets: openCounter(config.ws.maxSocketsPerAddress),
  };
}
