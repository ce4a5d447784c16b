import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PrimesInput, PrimesResult } from '../../../graphql/generated/schema-types.js';
import { defineKind, type TaskContext } from '../../task-kind.js';
import { BadUserInputError } from '../../tasks.errors.js';
import type { Counted, ThreadMessage } from './count.js';

export const MAX_BELOW = 50_000_000;

/**
 * The thread's entry beside this module, with this module's own extension: `.ts` when the
 * source runs under tsx (the thread inherits its `--import tsx`), `.js` when built into dist.
 */
const THREAD = new URL(`./thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** A rising percent is passed on at most this often (each report is a status event)... */
const MIN_REPORT_INTERVAL_MS = 100;
/** ...and an unchanged one at least this often, so the stall detector hears from a long count. */
const KEEPALIVE_MS = 2000;

/**
 * Passes the thread's reports on to `ctx.progress`, one call at a time: a report that arrives
 * while one is in flight, or too soon, is dropped (the thread reports again within 250 ms).
 */
function progressForwarder(ctx: TaskContext): { report(percent: number): void; idle(): Promise<void> } {
  let sent = -1;
  let sentAt = 0;
  let inFlight: Promise<void> | undefined;
  return {
    report(percent) {
      const since = Date.now() - sentAt;
      if (inFlight || since < (percent > sent ? MIN_REPORT_INTERVAL_MS : KEEPALIVE_MS)) return;
      sent = percent;
      sentAt = Date.now();
      const done = () => {
        inFlight = undefined;
      };
      inFlight = ctx.progress(percent).then(done, done);
    },
    idle: () => inFlight ?? Promise.resolve(),
  };
}

/**
 * Counts on a thread of its own, so the event loop (job lock renewal, other tasks) never waits
 * for it. On abort the thread is terminated at once and the promise rejects with the signal's
 * reason once it is gone; a thread that fails rejects with a plain (retryable) Error.
 */
export function countInThread(below: number, signal: AbortSignal, onProgress: (percent: number) => void): Promise<Counted> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const worker = new Worker(THREAD, { workerData: { below } });
    let settled = false;
    const settle = (end: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      end();
    };
    // The rejection waits for the thread's `exit` (a few ms): once it rejects, the CPU is free too.
    const onAbort = (): void => void worker.terminate();
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') onProgress(m.percent);
      else settle(() => resolve({ count: m.count, largest: m.largest }));
    });
    worker.on('error', (e: unknown) => settle(() => reject(new Error(`The prime count failed: ${e instanceof Error ? e.message : String(e)}`))));
    worker.on('exit', (code) =>
      settle(() => reject(signal.aborted ? signal.reason : new Error(`The prime count stopped before its answer (thread exit code ${code})`))),
    );
  });
}

export default defineKind<PrimesInput, Required<PrimesResult>>(() => ({
  name: 'primes',
  title: 'Count primes',
  description: 'Counts the primes below a number by trial division, on a CPU thread of its own.',
  // CPU work that failed once rarely succeeds by repeating it: one retry, for a lost thread.
  retry: { maxAttempts: 2, delayMs: 1000 },

  parse(input) {
    const below = input?.below;
    if (typeof below !== 'number' || !Number.isInteger(below) || below < 2 || below > MAX_BELOW) {
      throw new BadUserInputError('input.primes.below', `below must be an integer from 2 to ${MAX_BELOW}`);
    }
    return { below };
  },

  async run(ctx, { below }) {
    ctx.log(`Counting primes below ${below}`);
    const started = Date.now();
    const progress = progressForwarder(ctx);
    const { count, largest } = await countInThread(below, ctx.signal, progress.report);
    await progress.idle();
    ctx.log(`Found ${count} primes below ${below} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { __typename: 'PrimesResult', count, largest, below };
  },
}));
