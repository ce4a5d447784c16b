/**
 * Words and numbers the page shows, as pure functions (no imports: unit-tested in Node,
 * frontend/test/page-logic.test.ts).
 */

/** `1.2 s`, `2 min 5 s`; whole seconds (rounded down) for a clock that ticks by the second. */
export function formatDuration(ms: number, wholeSeconds = false): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return wholeSeconds ? `${Math.floor(s)} s` : `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * What is left until `due`, in whole seconds rounded up (it shows `1 s` until the moment comes,
 * never `0 s` early): `4 s`, `1 min 5 s`; null once due.
 */
export function formatCountdown(dueMs: number, nowMs: number): string | null {
  const left = Math.ceil((dueMs - nowMs) / 1000);
  if (left <= 0) return null;
  return left < 60 ? `${left} s` : `${Math.floor(left / 60)} min ${left % 60} s`;
}

/** `512 B`, `3.4 kB`, `1.2 MB` (powers of 1024, one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A FINISHED task's result, as the schema's union gives it (only the fields the page selects). */
export type ResultLike =
  | { __typename: 'SimulatedResult'; durationMs: number }
  | { __typename: 'PrimesResult'; count: number; largest?: number | null; below: number }
  | { __typename: 'ExportResult'; url: string; bytes: number; rows: number; format: string };

/** One sentence for a result; an export's link is the page's, this says what it holds. */
export function describeResult(result: ResultLike): string {
  switch (result.__typename) {
    case 'SimulatedResult':
      return `Waited ${formatDuration(result.durationMs)}.`;
    case 'PrimesResult':
      return result.largest == null
        ? `No primes below ${result.below.toLocaleString('en')}.`
        : `${result.count.toLocaleString('en')} primes below ${result.below.toLocaleString('en')}; the largest is ${result.largest.toLocaleString('en')}.`;
    case 'ExportResult':
      return `${result.format} file: ${result.rows.toLocaleString('en')} ${result.rows === 1 ? 'task' : 'tasks'}, ${formatBytes(result.bytes)}`;
  }
}
