import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../../config/config.js';
import type { SimulatedInput, SimulatedResult } from '../../../graphql/generated/schema-types.js';
import { defineKind, type TaskContext } from '../../task-kind.js';
import { BadUserInputError } from '../../tasks.errors.js';
import { planTask } from './plan.js';

/** Progress is reported in steps of this many percent (each step is one status event)... */
const PROGRESS_STEP = 5;
/** ...but never more often than this. */
const MIN_PROGRESS_INTERVAL_MS = 100;
/** The longest duration an input may ask for (the configured defaults are not bound by it). */
const MAX_INPUT_DURATION_MS = 600_000;

export const SIMULATED_FAILURE = 'The task failed (a simulated failure, as configured by TASK_FAILURE_RATE)';

/** The input with every field settled: what `parse` returns and `run` plans from. */
type Settings = Required<{ [K in keyof SimulatedInput]: number }>;

/**
 * Fills what the input leaves out from the configuration. When only one bound is given, the
 * other (configured) bound yields to it: `{ maxDurationMs: 500 }` with a configured minimum of
 * 1000 means exactly 500 ms, and `{ minDurationMs: 20000 }` with a configured maximum of 10000
 * means exactly 20 s. Asking for a range is the caller's intent; the defaults only fill gaps.
 */
export function settle(input: SimulatedInput | null | undefined, defaults: Config['task']): Settings {
  const min = input?.minDurationMs ?? undefined;
  const max = input?.maxDurationMs ?? undefined;
  return {
    minDurationMs: min ?? (max === undefined ? defaults.minDurationMs : Math.min(defaults.minDurationMs, max)),
    maxDurationMs: max ?? (min === undefined ? defaults.maxDurationMs : Math.max(defaults.maxDurationMs, min)),
    failureRate: input?.failureRate ?? defaults.failureRate,
  };
}

function checkDuration(name: 'minDurationMs' | 'maxDurationMs', value: number | null | undefined): void {
  if (value == null) return;
  if (!Number.isInteger(value) || value < 0 || value > MAX_INPUT_DURATION_MS) {
    throw new BadUserInputError(`input.simulated.${name}`, `${name} must be an integer from 0 to ${MAX_INPUT_DURATION_MS}`);
  }
}

/** Sleeps `durationMs` in steps, reporting progress after each but the last (exactly as the seed's processor did). */
async function wait(ctx: TaskContext, durationMs: number): Promise<void> {
  const steps = Math.max(1, Math.min(100 / PROGRESS_STEP, Math.floor(durationMs / MIN_PROGRESS_INTERVAL_MS)));
  const begin = Date.now();
  for (let step = 1; step <= steps; step++) {
    const due = begin + (durationMs * step) / steps;
    // An aborted sleep rejects with an AbortError; the work rejects with the signal's reason, as every kind does.
    await sleep(Math.max(0, due - Date.now()), undefined, { signal: ctx.signal }).catch((error: unknown) => {
      ctx.signal.throwIfAborted();
      throw error;
    });
    if (step === steps) break;
    await ctx.progress(Math.floor((100 * step) / steps));
  }
  ctx.signal.throwIfAborted();
}

export default defineKind<SimulatedInput, Required<SimulatedResult>>((config) => {
  return {
    name: 'simulated',
    title: 'Simulated',
    description: 'Waits a random time within the given range, then finishes or fails at random, as configured.',
    // TASK_MAX_ATTEMPTS (default 1: the seed's single attempt) and TASK_RETRY_DELAY_MS.
    retry: { maxAttempts: config.task.maxAttempts, delayMs: config.task.retryDelayMs },

    parse(input) {
      checkDuration('minDurationMs', input?.minDurationMs);
      checkDuration('maxDurationMs', input?.maxDurationMs);
      const rate = input?.failureRate;
      if (rate != null && !(Number.isFinite(rate) && rate >= 0 && rate <= 1)) {
        throw new BadUserInputError('input.simulated.failureRate', 'failureRate must be a number from 0 to 1');
      }
      const settled = settle(input, config.task);
      if (settled.minDurationMs > settled.maxDurationMs) {
        throw new BadUserInputError('input.simulated.minDurationMs', 'minDurationMs must not exceed maxDurationMs');
      }
      // Only what the caller asked for is kept: what it left out comes from the configuration
      // of the worker that runs the attempt, as in the seed (where workers alone decided).
      const asked: SimulatedInput = {};
      if (input?.minDurationMs != null) asked.minDurationMs = input.minDurationMs;
      if (input?.maxDurationMs != null) asked.maxDurationMs = input.maxDurationMs;
      if (rate != null) asked.failureRate = rate;
      return asked;
    },

    async run(ctx, input) {
      // `input` holds what the caller asked for; this worker's configuration fills the rest.
      const plan = planTask(ctx.taskId, { ...settle(input, config.task), seed: config.task.seed }, ctx.attempt);
      ctx.log(`Planned ${(plan.durationMs / 1000).toFixed(1)} s`);
      await wait(ctx, plan.durationMs);
      if (plan.fails) throw new Error(SIMULATED_FAILURE);
      return { __typename: 'SimulatedResult', durationMs: plan.durationMs };
    },
  };
});
