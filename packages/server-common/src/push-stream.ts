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
 *
 * A class, its methods on the prototype: one object per stream rather than a closure per
 * method (the gateway holds one per browser subscription; docs/performance.md). It is its own
 * `stream`; `pushStream` gives the same with `push` and `stop` that may be called unbound.
 */
export class PushQueue<T> implements AsyncIterableIterator<T>, PushStream<T> {
  /** Created at the first value that waits (most of a subscription's life, none does). */
  private queue: T[] | undefined;
  /** A reader's pending `next()`; only ever set while the queue is empty. */
  private waiting: { resolve: (step: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  private stopped = false;
  /** The error to hand out once the queue is drained. */
  private failure: Error | undefined;

  constructor(private readonly onEnd: () => void) {}

  get stream(): AsyncIterableIterator<T> {
    return this;
  }

  push(value: T): void {
    if (this.stopped) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
    } else {
      this.queue ??= [];
      this.queue.push(value);
    }
  }

  stop(error?: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.waiting) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (error) reject(error);
      else resolve(DONE);
    } else {
      this.failure = error;
    }
    this.onEnd();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue !== undefined && this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.failure) {
      const error = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.stopped) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.queue = undefined;
    this.failure = undefined;
    this.stop();
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** A PushQueue whose `push` and `stop` may be called unbound (destructured). */
export function pushStream<T>(onEnd: () => void): PushStream<T> {
  const queue = new PushQueue<T>(onEnd);
  return { stream: queue, push: (value) => queue.push(value), stop: (error) => queue.stop(error) };
}
