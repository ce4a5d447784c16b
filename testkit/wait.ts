import { setTimeout as sleepFor } from 'node:timers/promises';

export const sleep = (ms: number): Promise<void> => sleepFor(ms);

/**
 * Polls `probe` every `intervalMs` until it returns a truthy value (which is returned), or
 * rejects after `timeoutMs` with `what` and the last value or error seen. Bounded in time and
 * count, as every test loop should be.
 */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`waitUntil: ${what} not met within ${timeoutMs} ms (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

/** Rejects if `work` takes longer than `ms`. */
export async function within<T>(work: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
