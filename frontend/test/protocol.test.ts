/**
 * graphql-ws protocol abuse against the real gateway: each gets the protocol's close code, the
 * server stays up with bounded memory, and other clients are unaffected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { disposeAllClients, killAllChildren, sleep, waitUntil, watch } from '../../testkit/index.js';
import { rssBytes } from '../../testkit/index.js';
import { Browser, closedWithin, RawSocket, startStack, STATUS, type Stack, type Task } from './support.js';

const SUBS_PER_SOCKET = 5;
let stack: Stack;

before(async () => {
  stack = await startStack({
    backendEnv: { TASK_MIN_DURATION_MS: '20000', TASK_MAX_DURATION_MS: '30000' },
    frontendEnv: { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: String(SUBS_PER_SOCKET) },
  });
});

after(async () => {
  await disposeAllClients();
  await stack?.backend.stop({ signal: 'SIGKILL' });
  await stack?.stop();
  await killAllChildren();
});

async function socketOf(browser: Browser): Promise<RawSocket> {
  return RawSocket.ready(stack.ws, { origin: stack.origin, cookie: browser.cookie! });
}

/** A live subscription of `browser`'s own task answers on a fresh socket: the server is fine. */
async function assertServing(browser: Browser): Promise<void> {
  const task = await browser.create();
  const client = browser.ws();
  const w = watch<{ taskStatus: Task }>(client, STATUS, { id: task.id });
  await w.waitFor((d) => d.taskStatus.id === task.id, 15_000);
  w.unsubscribe();
  await client.dispose();
}

describe('close codes', () => {
  test('a duplicate subscription id closes the socket with 4409', async () => {
    const browser = await new Browser(stack).init();
    const task = await browser.create();
    const socket = await socketOf(browser);
    socket.subscribe('same', STATUS, { id: task.id });
    await socket.next((m) => m?.id === 'same' && m.type === 'next', 15_000);
    socket.subscribe('same', STATUS, { id: task.id });
    assert.equal((await closedWithin(socket, 10_000)).code, 4409);
  });

  test('an unknown message type and malformed JSON close the socket with 4400', async () => {
    const browser = await new Browser(stack).init();
    for (const frame of [{ type: 'bogus' }, '{"type": "subscribe", ', 'not json at all', { id: 1, type: 'subscribe', payload: 'x' }, { type: 'subscribe' }]) {
      const socket = await socketOf(browser);
      socket.send(frame);
      assert.equal((await closedWithin(socket, 10_000)).code, 4400, JSON.stringify(frame));
    }
  });

  test('subscribing before connection_init closes with 4401; a second connection_init with 4429', async () => {
    const browser = await new Browser(stack).init();
    const early = await RawSocket.open(stack.ws, { origin: stack.origin, cookie: browser.cookie! });
    early.subscribe('1', 'query Q { tasks { id } }');
    assert.equal((await closedWithin(early, 10_000)).code, 4401);
    const twice = await socketOf(browser);
    twice.send({ type: 'connection_init' });
    assert.equal((await closedWithin(twice, 10_000)).code, 4429);
  });

  test('a socket that never sends connection_init is closed with 4408, within a bound', async () => {
    const browser = await new Browser(stack).init();
    const silent = await RawSocket.open(stack.ws, { origin: stack.origin, cookie: browser.cookie! });
    const started = Date.now();
    const closed = await closedWithin(silent, 15_000);
    assert.equal(closed.code, 4408);
    assert.ok(Date.now() - started < 10_000, `closed after ${Date.now() - started} ms (WS_INIT_TIMEOUT_MS is 3 s)`);
  });
});

describe('floods', () => {
  test('thousands of messages and subscribe attempts on one socket: it is answered, memory stays bounded, others unaffected', async (t) => {
    const flooder = await new Browser(stack).init();
    const bystander = await new Browser(stack).init();
    const task = await flooder.create();
    await assertServing(bystander);
    const rssBefore = rssBytes(stack.frontend.pid);

    const socket = await socketOf(flooder);
    const ATTEMPTS = 3000;
    const PINGS = 5000;
    for (let i = 0; i < ATTEMPTS; i++) {
      socket.subscribe(`s${i}`, STATUS, { id: task.id });
      if (i % 2 === 0) socket.send({ type: 'ping' });
    }
    for (let i = 0; i < PINGS - ATTEMPTS / 2; i++) socket.send({ type: 'ping' });

    // Every attempt over the cap is refused on its own; the first ones stay live.
    await waitUntil(() => socket.messages.filter((m) => m?.type === 'error').length >= ATTEMPTS - SUBS_PER_SOCKET, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every extra subscribe answered',
    });
    await waitUntil(() => socket.messages.filter((m) => m?.type === 'pong').length >= PINGS, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every ping answered',
    });
    const errors = socket.messages.filter((m) => m?.type === 'error');
    assert.ok(
      errors.every((m) => m.payload?.[0]?.extensions?.code === 'RATE_LIMITED'),
      JSON.stringify(errors.find((m) => m.payload?.[0]?.extensions?.code !== 'RATE_LIMITED')),
    );
    const liveIds = new Set(socket.messages.filter((m) => m?.type === 'next').map((m) => m.id));
    assert.equal(liveIds.size, SUBS_PER_SOCKET, `live: ${[...liveIds].join(',')}`);
    assert.ok(socket.isOpen, 'the flooding socket itself lives on');

    await assertServing(bystander);
    await sleep(500);
    const grown = rssBytes(stack.frontend.pid) - rssBefore;
    t.diagnostic(`frontend RSS ${(rssBefore / 1048576).toFixed(1)} MB before the flood, ${(grown / 1048576).toFixed(1)} MB more after`);
    assert.ok(grown < 100 * 1024 * 1024, `frontend RSS grew by ${(grown / 1048576).toFixed(1)} MB`);
    socket.close();
    assert.ok(!(await Promise.race([stack.frontend.exited.then(() => true), sleep(200).then(() => false)])), 'the frontend is still running');
  });

  test('many sockets opening and dropping at once: the server keeps serving', async () => {
    const browsers = await Promise.all(Array.from({ length: 20 }, () => new Browser(stack).init()));
    for (let round = 0; round < 3; round++) {
      const sockets = await Promise.all(browsers.map((b) => socketOf(b)));
      for (const s of sockets) s.close();
    }
    await assertServing(browsers[0]);
  });
});
