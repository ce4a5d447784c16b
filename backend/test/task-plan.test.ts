import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { planTask, type PlanSettings } from '../src/tasks/kinds/simulated/plan.js';

const base: PlanSettings = { minDurationMs: 1000, maxDurationMs: 10_000, failureRate: 0.1, seed: undefined };

/**
 * Asserts that `k` successes out of `n` trials are within `z` standard deviations of n·p.
 * z = 5 makes a false alarm about one in 3.5 million runs.
 */
function assertBinomial(k: number, n: number, p: number, z = 5): void {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  const lo = Math.floor(mean - z * sd);
  const hi = Math.ceil(mean + z * sd);
  assert.ok(k >= lo && k <= hi, `${k} of ${n} outside the binomial band [${lo}, ${hi}] for p=${p}`);
}

describe('planTask', () => {
  test('with a seed, a plan is a pure function of (seed, task id)', () => {
    const s = { ...base, seed: 'seed-1', failureRate: 0.5 };
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const first = ids.map((id) => planTask(id, s));
    const again = ids.map((id) => planTask(id, { ...s }));
    assert.deepEqual(again, first);
  });

  test('known answers: the seeded algorithm does not change by accident', () => {
    // Recorded from sha256(seed + "\0" + id); a change here changes every seeded outcome.
    const s = { ...base, seed: 'seed-1', failureRate: 0.5 };
    assert.deepEqual(planTask('00000000-0000-4000-8000-000000000000', s), { durationMs: 1907, fails: true });
    assert.deepEqual(planTask('task-1', s), { durationMs: 2918, fails: true });
    assert.deepEqual(planTask('task-3', s), { durationMs: 3763, fails: false });
  });

  test('with a seed, different ids and different seeds give different plans', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `task-${i}`);
    const a = ids.map((id) => planTask(id, { ...base, seed: 'a', failureRate: 0.5 }));
    const b = ids.map((id) => planTask(id, { ...base, seed: 'b', failureRate: 0.5 }));
    assert.notDeepEqual(a, b);
    assert.ok(new Set(a.map((p) => p.durationMs)).size > 150, 'durations should vary across ids');
    assert.ok(a.some((p) => p.fails) && a.some((p) => !p.fails), 'both outcomes should occur at rate 0.5');
  });

  test('the seeded failure share follows the rate', () => {
    for (const rate of [0.1, 0.5]) {
      const n = 4000;
      const fails = Array.from({ length: n }, (_, i) => planTask(`id-${i}`, { ...base, seed: 'share', failureRate: rate })).filter((p) => p.fails).length;
      assertBinomial(fails, n, rate);
    }
  });

  test('the failure decision is independent of the duration (seeded)', () => {
    const plans = Array.from({ length: 4000 }, (_, i) => planTask(`x-${i}`, { ...base, seed: 'indep', failureRate: 0.5 }));
    const mid = (base.minDurationMs + base.maxDurationMs) / 2;
    const longOnes = plans.filter((p) => p.durationMs > mid);
    assertBinomial(longOnes.filter((p) => p.fails).length, longOnes.length, 0.5);
  });

  test('without a seed, the failure share stays within the binomial band', () => {
    for (const rate of [0.1, 0.5]) {
      const n = 5000;
      const fails = Array.from({ length: n }, () => planTask(randomUUID(), { ...base, failureRate: rate })).filter((p) => p.fails).length;
      assertBinomial(fails, n, rate);
    }
  });

  test('without a seed, the same id can get different plans', () => {
    const plans = Array.from({ length: 50 }, () => planTask('same-id', base));
    assert.ok(new Set(plans.map((p) => p.durationMs)).size > 1);
  });

  test('rate 0 never fails, rate 1 always fails', () => {
    for (const seed of [undefined, 'edge']) {
      for (let i = 0; i < 1000; i++) {
        assert.equal(planTask(`e-${i}`, { ...base, seed, failureRate: 0 }).fails, false);
        assert.equal(planTask(`e-${i}`, { ...base, seed, failureRate: 1 }).fails, true);
      }
    }
  });

  test('durations are integers within [min, max] and spread over the range', () => {
    for (const seed of [undefined, 'dur']) {
      const durations = Array.from({ length: 3000 }, (_, i) => planTask(`d-${i}`, { ...base, seed }).durationMs);
      for (const d of durations) {
        assert.ok(Number.isInteger(d), `${d} is not an integer`);
        assert.ok(d >= base.minDurationMs && d <= base.maxDurationMs, `${d} out of range`);
      }
      const span = base.maxDurationMs - base.minDurationMs;
      assert.ok(Math.min(...durations) < base.minDurationMs + span * 0.02);
      assert.ok(Math.max(...durations) > base.maxDurationMs - span * 0.02);
      const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
      // Uniform: sd of the mean = span / sqrt(12 n) ≈ 47 ms; allow 5 of them.
      assert.ok(Math.abs(mean - (base.minDurationMs + span / 2)) < 5 * (span / Math.sqrt(12 * durations.length)), `mean ${mean}`);
    }
  });

  test('min = max gives exactly that duration', () => {
    for (let i = 0; i < 100; i++) assert.equal(planTask(`m-${i}`, { ...base, minDurationMs: 300, maxDurationMs: 300 }).durationMs, 300);
    assert.equal(planTask('zero', { ...base, minDurationMs: 0, maxDurationMs: 0 }).durationMs, 0);
  });
});
