import type { RetryPolicyInput } from '../graphql/generated/schema-types.js';
import { BadUserInputError } from './tasks.errors.js';

/** A task's retry policy, as stored on its record. */
export interface RetryPolicy {
  maxAttempts: number;
  /** Base delay before the second attempt. */
  retryDelayMs: number;
}

export const MAX_ATTEMPTS = 10;
export const MAX_RETRY_DELAY_MS = 300_000;

/** The task's own policy (`retry`, checked against the bounds) or else its kind's. */
export function retryPolicy(kind: { maxAttempts: number; delayMs: number }, asked: RetryPolicyInput | null | undefined): RetryPolicy {
  if (!asked) return { maxAttempts: kind.maxAttempts, retryDelayMs: kind.delayMs };
  const { maxAttempts, delayMs } = asked;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
    throw new BadUserInputError('retry.maxAttempts', `maxAttempts must be between 1 and ${MAX_ATTEMPTS}`);
  }
  if (delayMs !== null && delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_RETRY_DELAY_MS)) {
    throw new BadUserInputError('retry.delayMs', `delayMs must be between 0 and ${MAX_RETRY_DELAY_MS}`);
  }
  return { maxAttempts, retryDelayMs: delayMs ?? kind.delayMs };
}

/**
 * The wait before attempt `next` (≥ 2): the base delay doubled for each attempt after the
 * second, capped at MAX_RETRY_DELAY_MS, with equal jitter (half fixed, half random), so
 * retries of many tasks that failed together do not all come back at once.
 */
export function backoffMs(baseMs: number, next: number, random = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.max(0, next - 2));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
