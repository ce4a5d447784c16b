/**
 * Why a running job's work was aborted. Each reason is also who ends the task:
 *  - `cancelled`: the user; the processor confirms with CANCELLED.
 *  - `lock-lost`: this worker no longer holds the job (it froze past its lock, or the job was
 *    failed by a stall check); the stall check and the reconciler end it, so the processor
 *    writes nothing.
 *  - `stuck`: the work reported nothing for the stall timeout; the attempt fails.
 *  - `superseded`: the task ended, or moved on to another attempt, elsewhere (its record refused
 *    this attempt's write); whoever did that already wrote the outcome, so nothing is written.
 */
export type AbortReason = 'cancelled' | 'lock-lost' | 'stuck' | 'superseded';

const ABORT_REASONS: readonly AbortReason[] = ['cancelled', 'lock-lost', 'stuck', 'superseded'];

function abortReason(signal: AbortSignal): AbortReason {
  return ABORT_REASONS.includes(signal.reason as AbortReason) ? (signal.reason as AbortReason) : 'cancelled';
}

/**
 * Thrown by `guard` when the work was aborted: it stopped (`abandoned` false), or it did not
 * stop within the grace period and was left behind (`abandoned` true).
 */
export class WorkStopped extends Error {
  constructor(
    readonly reason: AbortReason,
    readonly abandoned: boolean,
  ) {
    super(abandoned ? `abandoned: the work did not stop after it was aborted (${reason})` : `stopped: ${reason}`);
  }
}

export interface GuardOptions {
  /** The job's signal from BullMQ (aborted on cancel or when its lock is lost). */
  signal: AbortSignal | undefined;
  /** Silence longer than this (no `beat()`) aborts the work as `stuck`. */
  stallTimeoutMs: number;
  /** How long aborted work may take to stop before it is abandoned. */
  graceMs: number;
}

export interface Guarded {
  /** Aborted for any reason: the work must stop. */
  readonly signal: AbortSignal;
  /** The work is alive (called on every progress report). */
  beat(): void;
  /** Stops the work from inside (see AbortReason). */
  abort(reason: AbortReason): void;
}

/**
 * Runs `work` so that a job can never stay active with nobody working on it: the work gets a
 * signal that aborts on the job's own signal (cancel, lock lost) or after `stallTimeoutMs` of
 * silence, and once aborted it has `graceMs` to settle; past that, `guard` rejects with
 * `WorkStopped` (abandoned) so BullMQ frees the slot (the work is left behind; the task's compare-and-set
 * refuses anything it still tries to write once the task is final). Work that fails because it
 * was aborted rejects with `WorkStopped` too, carrying the reason.
 */
export async function guard<T>(opts: GuardOptions, work: (g: Guarded) => Promise<T>): Promise<T> {
  // One controller the job's signal forwards into (AbortSignal.any costs tens of µs per job).
  const stop = new AbortController();
  const signal = stop.signal;
  const forward = () => stop.abort(opts.signal!.reason);
  if (opts.signal?.aborted) forward();
  else opts.signal?.addEventListener('abort', forward, { once: true });
  let lastBeat = Date.now();
  const watch = setInterval(
    () => {
      if (Date.now() - lastBeat > opts.stallTimeoutMs) stop.abort('stuck' satisfies AbortReason);
    },
    Math.max(50, Math.min(1000, opts.stallTimeoutMs / 4)),
  );
  let grace: NodeJS.Timeout | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    const onAbort = () => {
      grace = setTimeout(() => reject(new WorkStopped(abortReason(signal), true)), opts.graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const running = work({ signal, beat: () => (lastBeat = Date.now()), abort: (reason) => stop.abort(reason) });
  // Abandoned work may still fail later; that is expected and must not surface as unhandled.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, abandoned]);
  } catch (error) {
    if (signal.aborted && !(error instanceof WorkStopped)) throw new WorkStopped(abortReason(signal), false);
    throw error;
  } finally {
    clearInterval(watch);
    clearTimeout(grace);
    opts.signal?.removeEventListener('abort', forward);
  }
}
