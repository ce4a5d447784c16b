/**
 * The push-iterator both the task streams and (in the frontend) the gateway's relay are built
 * on: what they rely on, checked on the helper itself. The streams' own behaviour against Redis
 * is covered end to end in tasks.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pushStream } from '../src/push-stream.js';

const values = async (stream: AsyncIterableIterator<number>) => {
  const out: number[] = [];
  for await (const v of stream) out.push(v);
  return out;
};

describe('pushStream', () => {
  test('values pushed before the first read wait, in order; nothing else reaches the reader', async () => {
    const { stream, push, stop } = pushStream<number>(() => undefined);
    push(1);
    push(2);
    await new Promise((r) => setImmediate(r));
    push(3);
    stop();
    push(4);
    assert.deepEqual(await values(stream), [1, 2, 3]);
  });

  test('a waiting read gets the next push; onEnd runs once, after stop', async () => {
    let ended = 0;
    const { stream, push, stop } = pushStream<number>(() => ended++);
    const first = stream.next();
    push(7);
    assert.deepEqual(await first, { value: 7, done: false });
    stop();
    stop();
    assert.equal((await stream.next()).done, true);
    assert.equal(ended, 1);
  });

  test('an error arrives after the values pushed before it', async () => {
    const { stream, push, stop } = pushStream<number>(() => undefined);
    push(1);
    stop(new Error('gone'));
    assert.deepEqual(await stream.next(), { value: 1, done: false });
    await assert.rejects(stream.next(), /gone/);
    assert.equal((await stream.next()).done, true);
  });

  test('return() ends it at once, with a read still waiting, drops what is queued and runs onEnd', async () => {
    let ended = 0;
    const { stream, push } = pushStream<number>(() => ended++);
    const waiting = stream.next();
    await stream.return!();
    assert.equal((await waiting).done, true, 'the waiting read settles');
    assert.equal(ended, 1, 'onEnd has run when return() resolves');
    push(1);
    assert.equal((await stream.next()).done, true);

    const queued = pushStream<number>(() => ended++);
    queued.push(1);
    await queued.stream.return!();
    assert.equal((await queued.stream.next()).done, true, 'queued values are dropped');
    assert.equal(ended, 2);
  });
});
