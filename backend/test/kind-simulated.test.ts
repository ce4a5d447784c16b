import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import type { SimulatedInput, SimulatedResult } from '../src/graphql/generated/schema-types.js';
import simulated, { SIMULATED_FAILURE, settle } from '../src/tasks/kinds/simulated/index.js';
import { planTask } from '../src/tasks/kinds/simulated/plan.js';
import { type KindDefinition, type KindServices, PermanentError, type TaskContext } from '../src/tasks/task-kind.js';
import { BadUserInputError } from '../src/tasks/tasks.errors.js';

type Simulated = KindDefinition<SimulatedInput, Required<SimulatedResult>>;

/** This kind uses no service. */
const services = {} as KindServices;

function kind(env: Record<string, string> = {}): Simulated {
  return simulated(
    loadConfig({ TASK_MIN_DURATION_MS: '1000', TASK_MAX_DURATION_MS: '10000', TASK_FAILURE_RATE: '0.1', ...env }),
    services,
  ) as unknown as Simulated;
}

/** A context that records what the work reports. */
function fakeContext(over: Partial<TaskContext> = {}) {
  const progress: number[] = [];
  const logs: string[] = [];
  const ctx: TaskContext = {
    taskId: 'task-1',
    owner: 'user-1',
    attempt: 1,
    maxAttempts: 1,
    signal: new AbortController().signal,
    progress: async (p) => {
      progress.push(p);
    },
    log: (m) => logs.push(m),
    ...over,
  };
  return { ctx, progress, logs };
}

/** Asserts that `fn` throws a BadUserInputError naming `field`. */
function refused(fn: () => unknown, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BadUserInputError, `expected a BadUserInputError, got ${String(e)}`);
    assert.equal(e.extensions.code, 'BAD_USER_INPUT');
    assert.equal(e.extensions.field, field);
    return true;
  });
}

describe('simulated: parse', () => {
  test("no input (or an empty one) keeps nothing: the running worker's configuration decides", () => {
    const k = kind();
    const defaults = { minDurationMs: 1000, maxDurationMs: 10_000, failureRate: 0.1 };
    for (const input of [undefined, null, {}, { minDurationMs: null, maxDurationMs: null, failureRate: null }]) {
      assert.deepEqual(k.parse(input), {});
      assert.deepEqual(settle(k.parse(input), loadConfig({}).task), defaults);
    }
  });

  test('given fields override the defaults; the limits are inclusive', () => {
    const k = kind();
    assert.deepEqual(k.parse({ minDurationMs: 0, maxDurationMs: 600_000, failureRate: 1 }), { minDurationMs: 0, maxDurationMs: 600_000, failureRate: 1 });
    assert.deepEqual(k.parse({ minDurationMs: 5, maxDurationMs: 5, failureRate: 0 }), { minDurationMs: 5, maxDurationMs: 5, failureRate: 0 });
  });

  test('one bound given: the other configured bound yields to it', () => {
    const k = kind();
    const settled = (input: SimulatedInput) => settle(k.parse(input), loadConfig({}).task);
    assert.deepEqual(settled({ maxDurationMs: 500 }), { minDurationMs: 500, maxDurationMs: 500, failureRate: 0.1 });
    assert.deepEqual(settled({ maxDurationMs: 2000 }), { minDurationMs: 1000, maxDurationMs: 2000, failureRate: 0.1 });
    assert.deepEqual(settled({ minDurationMs: 20_000 }), { minDurationMs: 20_000, maxDurationMs: 20_000, failureRate: 0.1 });
    assert.deepEqual(settled({ minDurationMs: 3000 }), { minDurationMs: 3000, maxDurationMs: 10_000, failureRate: 0.1 });
  });

  test('out-of-range values are refused, naming the field', () => {
    const k = kind();
    for (const v of [-1, 600_001, 1.5, Number.NaN]) {
      refused(() => k.parse({ minDurationMs: v }), 'input.simulated.minDurationMs');
      refused(() => k.parse({ maxDurationMs: v }), 'input.simulated.maxDurationMs');
    }
    for (const v of [-0.1, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) refused(() => k.parse({ failureRate: v }), 'input.simulated.failureRate');
    refused(() => k.parse({ minDurationMs: 2000, maxDurationMs: 1999 }), 'input.simulated.minDurationMs');
  });

  test('the configured defaults are not bound by the input limits', () => {
    const env = { TASK_MIN_DURATION_MS: '700000', TASK_MAX_DURATION_MS: '900000' };
    assert.deepEqual(settle(kind(env).parse(undefined), loadConfig(env).task), { minDurationMs: 700_000, maxDurationMs: 900_000, failureRate: 0.1 });
  });
});

describe('simulated: run', () => {
  test('waits the planned time, reporting progress in steps of at least 100 ms', async () => {
    const k = kind();
    const { ctx, progress, logs } = fakeContext();
    const started = Date.now();
    const result = await k.run(ctx, k.parse({ minDurationMs: 500, maxDurationMs: 500, failureRate: 0 }));
    const took = Date.now() - started;
    assert.deepEqual(result, { __typename: 'SimulatedResult', durationMs: 500 });
    assert.ok(took >= 490 && took < 2000, `took ${took} ms`);
    assert.deepEqual(progress, [20, 40, 60, 80]);
    assert.deepEqual(logs, ['Planned 0.5 s']);
  });

  test('long enough for twenty steps: 5 % each', async () => {
    const k = kind();
    const { ctx, progress } = fakeContext();
    await k.run(ctx, k.parse({ minDurationMs: 2000, maxDurationMs: 2000, failureRate: 0 }));
    assert.deepEqual(
      progress,
      Array.from({ length: 19 }, (_, i) => 5 * (i + 1)),
    );
  });

  test('a zero duration finishes at once without progress reports', async () => {
    const k = kind();
    const { ctx, progress } = fakeContext();
    assert.deepEqual(await k.run(ctx, k.parse({ maxDurationMs: 0, failureRate: 0 })), { __typename: 'SimulatedResult', durationMs: 0 });
    assert.deepEqual(progress, []);
  });

  test('failure rate 1 fails at the end with a retryable error', async () => {
    const k = kind();
    const { ctx, progress } = fakeContext();
    await assert.rejects(k.run(ctx, k.parse({ minDurationMs: 300, maxDurationMs: 300, failureRate: 1 })), (e: unknown) => {
      assert.ok(e instanceof Error && !(e instanceof PermanentError));
      assert.equal(e.message, SIMULATED_FAILURE);
      return true;
    });
    assert.deepEqual(progress, [33, 66], 'it ran to its end before failing');
  });

  test('an abort stops the wait at once with the signal reason', async () => {
    const k = kind();
    const controller = new AbortController();
    const { ctx } = fakeContext({ signal: controller.signal });
    const run = k.run(ctx, k.parse({ minDurationMs: 10_000, maxDurationMs: 10_000, failureRate: 0 }));
    setTimeout(() => controller.abort(new Error('cancelled')), 150);
    const started = Date.now();
    await assert.rejects(run, { message: 'cancelled' });
    assert.ok(Date.now() - started < 1000);
  });

  test('with a seed, each attempt runs its own reproducible plan', async () => {
    const k = kind({ TASK_RANDOM_SEED: 'seed-1' });
    const settings = { minDurationMs: 0, maxDurationMs: 200, failureRate: 0.5, seed: 'seed-1' };
    for (const attempt of [1, 2, 3]) {
      const plan = planTask('task-7', settings, attempt);
      const run = k.run(fakeContext({ taskId: 'task-7', attempt }).ctx, k.parse({ minDurationMs: 0, maxDurationMs: 200, failureRate: 0.5 }));
      if (plan.fails) await assert.rejects(run, { message: SIMULATED_FAILURE });
      else assert.deepEqual(await run, { __typename: 'SimulatedResult', durationMs: plan.durationMs });
    }
  });

  test('the retry policy: one attempt unless configured', () => {
    assert.deepEqual(kind().retry, { maxAttempts: 1, delayMs: 1000 });
    const config = loadConfig({});
    const withRetries = { ...config, task: { ...config.task, maxAttempts: 4, retryDelayMs: 250 } };
    assert.deepEqual((simulated(withRetries, services) as unknown as Simulated).retry, { maxAttempts: 4, delayMs: 250 });
    assert.equal(kind().name, 'simulated');
  });
});

describe('simulated: planTask', () => {
  test('attempt 1 is the seed processor plan of (seed, task id), unchanged', () => {
    // The known answers of the seed's task-plan.test.ts: seeded outcomes recorded before retries hold.
    const s = { minDurationMs: 1000, maxDurationMs: 10_000, failureRate: 0.5, seed: 'seed-1' };
    assert.deepEqual(planTask('00000000-0000-4000-8000-000000000000', s), { durationMs: 1907, fails: true });
    assert.deepEqual(planTask('task-1', s, 1), { durationMs: 2918, fails: true });
    assert.deepEqual(planTask('task-3', s), { durationMs: 3763, fails: false });
  });

  test('later attempts draw again, reproducibly', () => {
    const s = { minDurationMs: 1000, maxDurationMs: 10_000, failureRate: 0.5, seed: 'seed-1' };
    const ids = Array.from({ length: 50 }, (_, i) => `task-${i}`);
    const second = ids.map((id) => planTask(id, s, 2));
    assert.deepEqual(
      ids.map((id) => planTask(id, s, 2)),
      second,
    );
    assert.notDeepEqual(
      ids.map((id) => planTask(id, s, 1)),
      second,
    );
    assert.notDeepEqual(
      ids.map((id) => planTask(id, s, 3)),
      second,
    );
  });
});
