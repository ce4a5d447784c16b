import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { TimeoutError, withTimeout } from '../src/timeout.js';

/** Timers this process still holds (a finished race must leave none behind). */
const pendingTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('withTimeout', () => {
  test('settles as the work does when it is in time, and leaves no timer behind', async () => {
    const before = pendingTimers();
    assert.equal(await withTimeout(Promise.resolve(42), 10_000), 42);
    await assert.rejects(withTimeout(Promise.reject(new Error('boom')), 10_000), /boom/);
    assert.equal(pendingTimers(), before);
  });

  test('rejects with a TimeoutError once the time is up', async () => {
    const started = Date.now();
    const error = await withTimeout(sleep(5_000, 'late', { ref: false }), 50).catch((e: unknown) => e);
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.ms, 50);
    assert.equal(error.message, 'timed out after 50 ms');
    assert.ok(Date.now() - started < 2_000);
  });

  test('a negative budget times out at once', async () => {
    await assert.rejects(withTimeout(sleep(5_000, undefined, { ref: false }), -100), TimeoutError);
  });

  test("the work's own failure is not a TimeoutError", async () => {
    const error = await withTimeout(
      sleep(10).then(() => Promise.reject(new Error('work failed'))),
      5_000,
    ).catch((e: unknown) => e);
    assert.ok(error instanceof Error && !(error instanceof TimeoutError));
  });
});
