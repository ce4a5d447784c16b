import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { guard, WorkStopped } from '../src/tasks/job-guard.js';

const opts = (signal?: AbortSignal) => ({ signal, stallTimeoutMs: 200, graceMs: 150 });

test('work that beats often enough runs to its end', async () => {
  const result = await guard(opts(), async ({ signal, beat }) => {
    for (let i = 0; i < 10; i++) {
      await sleep(50, undefined, { signal });
      beat();
    }
    return 'done';
  });
  assert.equal(result, 'done');
});

test('silence past the stall timeout aborts the work as stuck', async () => {
  const started = Date.now();
  await assert.rejects(
    guard(opts(), ({ signal }) => sleep(10_000, undefined, { signal })),
    (e: unknown) => e instanceof WorkStopped && e.reason === 'stuck' && !e.abandoned,
  );
  assert.ok(Date.now() - started < 2000, 'stopped soon after the timeout');
});

test('work that ignores the abort is abandoned after the grace period, freeing the caller', async () => {
  const never = new Promise<never>(() => undefined);
  const started = Date.now();
  await assert.rejects(
    guard(opts(), () => never),
    (e: unknown) => e instanceof WorkStopped && e.reason === 'stuck' && e.abandoned,
  );
  const took = Date.now() - started;
  assert.ok(took >= 200 + 150 - 20 && took < 3000, `abandoned after timeout + grace (took ${took} ms)`);
});

test("the job's own signal carries its reason: cancelled, lock lost", async () => {
  for (const reason of ['cancelled', 'lock-lost'] as const) {
    const job = new AbortController();
    const run = guard(opts(job.signal), async ({ signal, beat }) => {
      for (;;) {
        await sleep(20, undefined, { signal });
        beat();
      }
    });
    setTimeout(() => job.abort(reason), 50);
    await assert.rejects(run, (e: unknown) => e instanceof WorkStopped && e.reason === reason && !e.abandoned);
  }
});

test('an unknown abort reason counts as a cancel; a plain failure passes through unchanged', async () => {
  const job = new AbortController();
  job.abort('something else');
  await assert.rejects(
    guard(opts(job.signal), ({ signal }) => sleep(1000, undefined, { signal })),
    (e: unknown) => e instanceof WorkStopped && e.reason === 'cancelled',
  );
  const boom = new Error('boom');
  await assert.rejects(
    guard(opts(), async () => {
      throw boom;
    }),
    (e: unknown) => e === boom,
  );
});
