/** What the counting thread posts to its parent. */
export type ThreadMessage = { type: 'progress'; percent: number } | { type: 'done'; count: number; largest: number | null };

export interface Counted {
  count: number;
  /** The largest prime below the bound; null when there is none. */
  largest: number | null;
}

/** Progress is posted when the percent rises, and at least this often while it does not. */
const HEARTBEAT_MS = 250;

/**
 * Trial division by every odd number up to √n: deliberately plain CPU work (no sieve, no prime
 * table), so that a large `below` takes seconds and shows a real long-running task.
 */
function isOddPrime(n: number): boolean {
  for (let d = 3; d * d <= n; d += 2) {
    if (n % d === 0) return false;
  }
  return true;
}

/** Counts the primes below `below` (an integer, at most 2^31), reporting the percent of the range done. */
export function countPrimes(below: number, report: (percent: number) => void): Counted {
  let count = below > 2 ? 1 : 0;
  let largest: number | null = below > 2 ? 2 : null;
  let percent = 0;
  let reportedAt = Date.now();
  for (let n = 3; n < below; n += 2) {
    if (isOddPrime(n)) {
      count++;
      largest = n;
    }
    // Every 2048 candidates (well under a millisecond even near 5·10^7): cheap enough to check the clock.
    if ((n & 4095) === 1) {
      const now = Date.now();
      const p = Math.floor((100 * n) / below);
      if (p > percent || now - reportedAt >= HEARTBEAT_MS) {
        percent = p;
        reportedAt = now;
        report(p);
      }
    }
  }
  return { count, largest };
}
