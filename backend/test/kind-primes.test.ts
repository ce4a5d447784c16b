import assert from 'node:assert/strict';
import { subscribe } from 'node:diagnostics_channel';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config/config.js';
import type { PrimesInput, PrimesResult } from '../src/graphql/generated/schema-types.js';
import { countPrimes } from '../src/tasks/kinds/primes/count.js';
import primes, { MAX_BELOW } from '../src/tasks/kinds/primes/index.js';
import { type KindDefinition, type KindServices, PermanentError, type TaskContext } from '../src/tasks/task-kind.js';
import { BadUserInputError } from '../src/tasks/tasks.errors.js';

type Primes = KindDefinition<PrimesInput, Required<PrimesResult>>;

/** This kind uses no service. */
const kind = primes(loadConfig({}), {} as KindServices) as unknown as Primes;

function fakeContext(signal = new AbortController().signal) {
  const progress: number[] = [];
  const logs: string[] = [];
  const ctx: TaskContext = {
    taskId: 'task-1',
    owner: 'user-1',
    attempt: 1,
    maxAttempts: 2,
    signal,
    progress: async (p) => {
      progress.push(p);
    },
    log: (m) => logs.push(m),
  };
  return { ctx, progress, logs };
}

/** Every worker thread this process starts (Node publishes each on this channel), and whether it still runs. */
const started: { worker: Worker; exited: boolean }[] = [];
subscribe('worker_threads', (message) => {
  const thread = { worker: (message as { worker: Worker }).worker, exited: false };
  thread.worker.once('exit', () => {
    thread.exited = true;
  });
  started.push(thread);
});
const running = () => started.filter((t) => !t.exited).length;

describe('primes: parse', () => {
  test('accepts 2 to 50,000,000', () => {
    for (const below of [2, 3, 1000, MAX_BELOW]) assert.deepEqual(kind.parse({ below }), { below });
    assert.equal(MAX_BELOW, 50_000_000);
  });

  test('refuses anything else, naming input.primes.below', () => {
    for (const input of [{ below: 1 }, { below: 0 }, { below: -5 }, { below: MAX_BELOW + 1 }, { below: 2.5 }, { below: Number.NaN }, null, undefined]) {
      assert.throws(
        () => kind.parse(input),
        (e: unknown) => e instanceof BadUserInputError && e.extensions.field === 'input.primes.below',
        JSON.stringify(input),
      );
    }
  });

  test('its retry policy: one retry', () => {
    assert.equal(kind.name, 'primes');
    assert.deepEqual(kind.retry, { maxAttempts: 2, delayMs: 1000 });
  });
});

describe('primes: counting', () => {
  test('known counts, in this thread', () => {
    const none = () => undefined;
    assert.deepEqual(countPrimes(2, none), { count: 0, largest: null });
    assert.deepEqual(countPrimes(3, none), { count: 1, largest: 2 });
    assert.deepEqual(countPrimes(10, none), { count: 4, largest: 7 });
    assert.deepEqual(countPrimes(11, none), { count: 4, largest: 7 });
    assert.deepEqual(countPrimes(12, none), { count: 5, largest: 11 });
    assert.deepEqual(countPrimes(100_000, none), { count: 9592, largest: 99_991 });
  });

  test('the kind counts on a thread: known answers, start and end logged', async () => {
    const cases = [
      [10, 4, 7],
      [2, 0, null],
      [100_000, 9592, 99_991],
      [1_000_000, 78_498, 999_983],
    ] as const;
    for (const [below, count, largest] of cases) {
      const { ctx, logs } = fakeContext();
      assert.deepEqual(await kind.run(ctx, kind.parse({ below })), { __typename: 'PrimesResult', count, largest, below });
      assert.equal(logs[0], `Counting primes below ${below}`);
      assert.match(logs[1], new RegExp(`^Found ${count} primes below ${below} in [0-9.]+ s$`));
    }
    await sleep(50);
    assert.equal(running(), 0, 'each thread ends with its answer');
  });

  test('an already aborted signal starts no thread', async () => {
    const aborted = AbortSignal.abort(new Error('cancelled'));
    const before = started.length;
    await assert.rejects(kind.run(fakeContext(aborted).ctx, { below: MAX_BELOW }), { message: 'cancelled' });
    assert.equal(started.length, before);
  });

  test('a long count reports rising progress, and an abort ends its thread within a second', async (t) => {
    const controller = new AbortController();
    // Should an assertion fail before the abort, do not leave a core busy for twenty seconds.
    t.after(() => controller.abort());
    const { ctx, progress } = fakeContext(controller.signal);
    const before = started.length;
    const run = kind.run(ctx, { below: MAX_BELOW });
    run.catch(() => undefined);
    while (progress.length < 3) await sleep(20);
    assert.equal(started.length, before + 1, 'one thread per attempt');
    assert.equal(running(), 1, 'counting on it');
    assert.ok(
      progress.every((p, i) => p >= 0 && p < 100 && (i === 0 || p >= progress[i - 1])),
      `rising percents: ${progress}`,
    );

    const stopped = Date.now();
    controller.abort(new Error('cancelled'));
    await assert.rejects(run, (e: unknown) => e instanceof Error && e.message === 'cancelled' && !(e instanceof PermanentError));
    const took = Date.now() - stopped;
    assert.ok(took < 1000, `rejected ${took} ms after the abort`);
    assert.equal(running(), 0, 'the thread is gone once it rejects');
    // ...and so is its CPU use (the thread would burn a whole core while it counted).
    const cpu = process.cpuUsage();
    await sleep(300);
    const used = process.cpuUsage(cpu);
    assert.ok(used.user + used.system < 150_000, `${used.user + used.system} µs of CPU in 300 ms after the abort`);
  });
});
