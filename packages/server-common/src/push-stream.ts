/** An async iterator fed from outside, live from the moment it is made. */
export interface PushStream<T> {
  /** The reader's side. `return()` ends it at once, even while a `next()` is waiting. */
  readonly stream: AsyncIterableIterator<T>;
  /** Hands the reader a value; what it has not read yet waits, in order. Ignored once stopped. */
  push(value: T): void;
  /** Ends the stream after what was pushed; with an error, the reader gets it after those values. */
  stop(error?: Error): void;
}

const DONE: IteratorResult<never, undefined> = { value: undefined, done: true };

/**
 * The one push-based async iterator of both tiers: a task's stream at the backend, a browser
 * subscription at the gateway (the same file in both until they share a package). Not
 * `@repeaterjs/repeater`: it starts its producer only at the first `next()`, while ours deliver
 * before that, and it costs about ten times the CPU per value. The queue is unbounded, like a
 * Redis subscription's: a task publishes at most a few dozen versions.
 * `onEnd` runs once, synchronously, when the stream is stopped or the reader returns.
 */
export function pushStream<T>(onEnd: () => void): PushStream<T> {
  const queue: T[] = [];
  /** A reader's pending `next()`; only ever set while the queue is empty. */
  let waiting: { resolve: (step: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  let stopped = false;
  /** The error to hand out once the queue is drained. */
  let failure: Error | undefined;

  const stop = (error?: Error) => {
    if (stopped) return;
    stopped = true;
    if (waiting) {
      const { resolve, reject } = waiting;
      waiting = null;
      if (error) reject(error);
      else resolve(DONE);
    } else {
      failure = error;
    }
    onEnd();
  };

  const stream: AsyncIterableIterator<T> = {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failure) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (stopped) return Promise.resolve(DONE);
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    async return() {
      queue.length = 0;
      failure = undefined;
      stop();
      return DONE;
    },
    async throw(error?: unknown) {
      await stream.return!();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };

  return {
    stream,
    push(value) {
      if (stopped) return;
      if (waiting) {
        const { resolve } = waiting;
        waiting = null;
        resolve({ value, done: false });
      } else {
        queue.push(value);
      }
    },
    stop,
  };
}
