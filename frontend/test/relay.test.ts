/**
 * The gateway's relay of browser subscriptions (upstream.ts `relayer`) against a stand-in for its
 * one collaborator, the graphql-ws client: what sharing one upstream subscription among one
 * user's identical browser subscriptions must keep true. The real path (frontend, backend,
 * Redis) is covered in gateway.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExecutionResult } from 'graphql';
import type { Client, Sink, SubscribePayload } from 'graphql-ws';
import { relayer, type UpstreamOperation } from '../src/server/gateway/upstream.js';

/** Records every upstream subscribe and lets the test drive its sink. */
class FakeClient {
  readonly opened: Array<{ payload: SubscribePayload; sink: Sink<ExecutionResult>; unsubscribed: number }> = [];
  readonly subscribe: Client['subscribe'] = (payload, sink) => {
    const entry = { payload, sink: sink as Sink<ExecutionResult>, unsubscribed: 0 };
    this.opened.push(entry);
    return () => {
      entry.unsubscribed++;
    };
  };
}

const WATCH: UpstreamOperation = {
  query: 'subscription W($id: ID!) { taskStatus(id: $id) { id status version } }',
  variables: { id: 't1' },
  operationName: 'W',
};
const event = (version: number, status = 'IN_PROGRESS'): ExecutionResult => ({ data: { taskStatus: { id: 't1', status, version } } });
const versions = (results: ExecutionResult[]) => results.map((r) => (r.data as { taskStatus: { version: number } }).taskStatus.version);
const versionsOf = (results: ExecutionResult[]) => results.map((r) => (Object.values(r.data as object)[0] as { version: number }).version);

/** Takes what an iterator has ready now (without waiting for more). */
async function ready(it: AsyncIterableIterator<ExecutionResult>, n: number): Promise<ExecutionResult[]> {
  const out: ExecutionResult[] = [];
  for (let i = 0; i < n; i++) {
    const step = await it.next();
    if (step.done) break;
    out.push(step.value);
  }
  return out;
}

describe('relaying browser subscriptions upstream', () => {
  test("one user's identical subscriptions share one upstream subscription; a late one starts from the newest result", async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const a = relay(WATCH, 'u1');
    const b = relay({ ...WATCH, variables: { id: 't1' } }, 'u1');
    assert.equal(client.opened.length, 1);
    assert.deepEqual(client.opened[0].payload.extensions, { user: 'u1' }, 'identity travels per operation');
    const { sink } = client.opened[0];
    sink.next(event(1, 'WAITING'));
    sink.next(event(2));
    const late = relay(WATCH, 'u1');
    sink.next(event(3));
    sink.next(event(4, 'FINISHED'));
    sink.complete();
    assert.deepEqual(versions(await ready(a, 10)), [1, 2, 3, 4]);
    assert.deepEqual(versions(await ready(b, 10)), [1, 2, 3, 4]);
    assert.deepEqual(versions(await ready(late, 10)), [2, 3, 4], 'the newest result is its snapshot');
    assert.equal((await a.next()).done, true);
    assert.equal(client.opened.length, 1);
  });

  test('different users, tasks or selections never share', () => {
    const client = new FakeClient();
    const relay = relayer(client);
    relay(WATCH, 'u1');
    relay(WATCH, 'u2');
    relay({ ...WATCH, variables: { id: 't2' } }, 'u1');
    relay({ ...WATCH, query: 'subscription W($id: ID!) { taskStatus(id: $id) { id version } }' }, 'u1');
    assert.equal(client.opened.length, 4);
  });

  test('cutting one browser subscription keeps the others; cutting the last unsubscribes upstream at once', async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const a = relay(WATCH, 'u1');
    const b = relay(WATCH, 'u1');
    const upstream = client.opened[0];
    upstream.sink.next(event(1));
    const pending = b.next().then(() => b.next());
    await a.return!();
    assert.equal(upstream.unsubscribed, 0, 'b still listens');
    upstream.sink.next(event(2));
    assert.deepEqual(versions([(await pending).value as ExecutionResult]), [2]);
    const waiting = b.next();
    await b.return!();
    assert.equal(upstream.unsubscribed, 1);
    assert.equal((await waiting).done, true, 'a pending next() settles when cut');
    // After that, the same subscription opens a new upstream one.
    relay(WATCH, 'u1');
    assert.equal(client.opened.length, 2);
  });

  test('an upstream error reaches every browser subscription, re-coded, and ends them', async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const a = relay(WATCH, 'u1');
    const b = relay(WATCH, 'u1');
    client.opened[0].sink.error([{ message: 'Task not found', extensions: { code: 'NOT_FOUND' } }]);
    for (const it of [a, b]) {
      const [result] = await ready(it, 1);
      assert.equal(result.errors?.[0].extensions?.code, 'NOT_FOUND');
      assert.equal((await it.next()).done, true);
    }
    relay(WATCH, 'u1');
    assert.equal(client.opened.length, 2, 'an ended upstream subscription is not joined again');
  });

  test('after an upstream resubscribe, versions only rise for everyone', async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const a = relay(WATCH, 'u1');
    const { sink } = client.opened[0];
    sink.next(event(1));
    sink.next(event(2));
    sink.next(event(2)); // the snapshot again, after the socket came back
    sink.next(event(1));
    sink.next(event(3));
    assert.deepEqual(versions(await ready(a, 3)), [1, 2, 3]);
  });

  test('a sequence (taskEvents) is relayed whole: a late joiner gets every item so far, and a replay after a resubscribe is dropped', async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const TIMELINE: UpstreamOperation = { query: 'subscription E($id: ID!) { taskEvents(id: $id) { seq type } }', variables: { id: 't1' }, operationName: 'E' };
    const item = (seq: number): ExecutionResult => ({ data: { taskEvents: { seq, type: 'LOG' } } });
    const seqs = (results: ExecutionResult[]) => results.map((r) => (r.data as { taskEvents: { seq: number } }).taskEvents.seq);
    const a = relay(TIMELINE, 'u1');
    const { sink } = client.opened[0];
    for (const seq of [1, 2, 3]) sink.next(item(seq));
    const late = relay(TIMELINE, 'u1');
    assert.equal(client.opened.length, 1, 'shared');
    // The socket came back: the backend replays from the start.
    for (const seq of [1, 2, 3, 4]) sink.next(item(seq));
    assert.deepEqual(seqs(await ready(a, 4)), [1, 2, 3, 4]);
    assert.deepEqual(seqs(await ready(late, 4)), [1, 2, 3, 4], 'the late joiner missed nothing and saw nothing twice');
  });

  test("a feed (taskUpdates) keeps versions rising per task, not across tasks, and a late joiner gets each task's newest snapshot", async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const FEED: UpstreamOperation = { query: 'subscription U { mine: taskUpdates { id status version } }', operationName: 'U' };
    const update = (id: string, version: number): ExecutionResult => ({ data: { mine: { id, status: 'IN_PROGRESS', version } } });
    const seen = (results: ExecutionResult[]) =>
      results.map((r) => `${(r.data as { mine: { id: string } }).mine.id}@${(r.data as { mine: { version: number } }).mine.version}`);
    const a = relay(FEED, 'u1');
    const { sink } = client.opened[0];
    sink.next(update('t1', 5));
    sink.next(update('t2', 1)); // a lower version of another task: not a repeat
    sink.next(update('t1', 6));
    const late = relay(FEED, 'u1');
    assert.equal(client.opened.length, 1, 'shared');
    // The backend came back and replays the recent changes: repeats are dropped, news pass.
    sink.next(update('t1', 6));
    sink.next(update('t2', 1));
    sink.next(update('t2', 2));
    assert.deepEqual(seen(await ready(a, 4)), ['t1@5', 't2@1', 't1@6', 't2@2']);
    assert.deepEqual(seen(await ready(late, 3)), ['t2@1', 't1@6', 't2@2'], "each task's newest snapshot, oldest change first, then the rest");
    relay(FEED, 'u2');
    assert.equal(client.opened.length, 2, "another user's feed is its own upstream subscription");
    assert.deepEqual(client.opened[1].payload.extensions, { user: 'u2' });
  });

  test('a feed whose selection lacks the id is relayed as it comes', async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const a = relay({ query: 'subscription { taskUpdates { status version } }' }, 'u1');
    const { sink } = client.opened[0];
    for (const version of [3, 1, 2]) sink.next({ data: { taskUpdates: { status: 'WAITING', version } } });
    assert.deepEqual(versionsOf(await ready(a, 3)), [3, 1, 2]);
  });

  test('a subscription refused with SERVICE_UNAVAILABLE (Redis reconnecting) is tried again, not ended; other errors end it', async () => {
    const client = new FakeClient();
    const relay = relayer(client);
    const a = relay(WATCH, 'u1');
    const unavailable = [{ message: 'Redis unreachable', extensions: { code: 'SERVICE_UNAVAILABLE' } }];
    const opened = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (client.opened.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(client.opened.length, n, 'subscribed again');
    };
    client.opened[0].sink.next(event(1, 'WAITING'));
    // As graphql-ws's server sends a subscribe whose source stream could not start: a result without data, then complete.
    client.opened[0].sink.next({ data: null, errors: unavailable } as unknown as ExecutionResult);
    client.opened[0].sink.complete();
    await opened(2);
    // As an `error` message (the protocol allows it too).
    client.opened[1].sink.error(unavailable);
    await opened(3);
    const { sink } = client.opened[2];
    sink.next(event(1, 'WAITING')); // the backend starts again from the current snapshot: a repeat, dropped
    sink.next(event(2));
    sink.error([{ message: 'no such task', extensions: { code: 'NOT_FOUND' } }]);
    const got = await ready(a, 10);
    assert.deepEqual(versions(got.filter((r) => r.data)), [1, 2]);
    assert.equal(got.at(-1)?.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.equal(client.opened.length, 3, 'not tried again');
  });
});
