/**
 * The browser sockets' keep-alive (gateway/ws-adapter.ts, every WS_PING_MS in gateway/ws.ts) on
 * real sockets: a client that answers pings (as browsers do) stays; one that stops answering (a
 * vanished browser: the ws client's `autoPong: false` stands in for its dead link) is terminated
 * within two intervals.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { buildSchema } from 'graphql';
import { makeServer } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';
import { serveGraphqlWs } from '../src/server/gateway/ws-adapter.js';

const INTERVAL_MS = 200;

test('a socket that answers pings stays open; one that stops is terminated within two intervals', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const adapter = serveGraphqlWs(wss, makeServer({ schema: buildSchema('type Query { ok: Boolean }') }), {
    pingMs: INTERVAL_MS,
    maxBufferedBytes: 1 << 20,
    onSlow: () => undefined,
    dev: false,
  });
  wss.on('connection', (ws) => adapter.serve(ws, undefined, () => undefined));
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  try {
    const alive = new WebSocket(url, 'graphql-transport-ws');
    const silent = new WebSocket(url, 'graphql-transport-ws', { autoPong: false });
    await Promise.all([once(alive, 'open'), once(silent, 'open')]);
    const openedAt = Date.now();
    const [code] = (await once(silent, 'close')) as [number];
    const closedAfter = Date.now() - openedAt;
    // 1006: terminated without a close frame.
    assert.equal(code, 1006);
    assert.ok(closedAfter <= 2 * INTERVAL_MS + 1000, `terminated after ${closedAfter} ms`);
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
    assert.equal(alive.readyState, WebSocket.OPEN, 'the answering socket is kept');
    alive.close();
  } finally {
    for (const ws of wss.clients) ws.terminate();
    await adapter.dispose(1001, 'Going away');
  }
});
