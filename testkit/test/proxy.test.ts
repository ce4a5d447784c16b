/** The TCP proxy's link faults: a partition holds bytes without closing anything; heal delivers them. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startProxy, type TcpProxy } from '../index.js';

/** An echo server that also counts the connections it sees closed. */
let server: Server;
let serverPort = 0;
let closedOnServer = 0;
let proxy: TcpProxy;

before(async () => {
  server = createServer((s) => {
    s.pipe(s);
    s.on('error', () => undefined);
    s.on('close', () => {
      closedOnServer += 1;
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  serverPort = (server.address() as { port: number }).port;
  proxy = await startProxy({ port: serverPort });
});
after(async () => {
  await proxy.stop();
  server.close();
});

async function open(): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect({ port: proxy.port, host: '127.0.0.1' });
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (c: Buffer) => {
    text += c.toString();
  });
  socket.on('error', () => undefined);
  return { socket, received: () => text };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

describe('TcpProxy link faults', () => {
  test('partition holds bytes both ways without closing; heal delivers them in order', async () => {
    const a = await open();
    a.socket.write('one;');
    await until(() => a.received() === 'one;');
    proxy.partition();
    assert.equal(proxy.partitioned(), true);
    a.socket.write('two;');
    await sleep(200);
    assert.equal(a.received(), 'one;', 'nothing crosses a partition');
    assert.equal(a.socket.destroyed, false, 'and nothing is closed');
    const late = await open(); // accepted, but not forwarded until heal
    late.socket.write('late;');
    await sleep(100);
    assert.equal(late.received(), '');
    proxy.heal();
    await until(() => a.received() === 'one;two;' && late.received() === 'late;');
    a.socket.destroy();
    late.socket.destroy();
  });

  test('a side that gives up during a partition is closed on the other side only at heal', async () => {
    const a = await open();
    a.socket.write('x');
    await until(() => a.received() === 'x');
    const closedBefore = closedOnServer;
    proxy.partition();
    a.socket.destroy();
    await sleep(200);
    assert.equal(closedOnServer, closedBefore, 'no FIN crosses a partition');
    proxy.heal();
    await until(() => closedOnServer === closedBefore + 1);
    await until(() => proxy.open() === 0);
  });

  test('slow delays every chunk and keeps order', async () => {
    proxy.slow(150);
    const a = await open();
    const started = Date.now();
    a.socket.write('a');
    a.socket.write('b');
    await until(() => a.received() === 'ab');
    assert.ok(Date.now() - started >= 280, 'two hops of 150 ms');
    proxy.slow(0);
    a.socket.destroy();
  });

  test('bytes keep their order when the latency drops while chunks are delayed', async () => {
    proxy.slow(300);
    const a = await open();
    a.socket.write('first;');
    await sleep(50);
    proxy.slow(0);
    a.socket.write('second;');
    await until(() => a.received().length === 'first;second;'.length);
    assert.equal(a.received(), 'first;second;');
    a.socket.destroy();
  });
});
