/**
 * Limits, through the real gateway on both transports and on the backend directly: operation
 * limits (aliases, depth, tokens, directives, cost), request bodies and frames, rate limits and
 * caps, and argument validation. Nothing refused may create a task.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { backendHeaders, collect, disposeAllClients, gqlHttpResponse, killAllChildren, waitUntil, watch, type GqlResult } from '../../testkit/index.js';
import {
  Browser,
  CANCEL,
  closedWithin,
  CREATE,
  firstError,
  RawSocket,
  startStack,
  STATUS,
  TASK,
  TASKS,
  taskRecordCount,
  upgradeStatus,
  type Stack,
  type Task,
} from './support.js';

const CREATE_LIMIT = 5;
const SUBS_PER_SOCKET = 3;
const SOCKETS_PER_SESSION = 3;
let stack: Stack;

before(async () => {
  stack = await startStack({
    // Tasks outlive each test, so subscriptions stay live while the caps are probed.
    backendEnv: { TASK_MIN_DURATION_MS: '20000', TASK_MAX_DURATION_MS: '30000', TASK_CREATE_LIMIT: String(CREATE_LIMIT), TASK_CREATE_WINDOW_S: '60' },
    frontendEnv: { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: String(SUBS_PER_SOCKET), WS_MAX_SOCKETS_PER_SESSION: String(SOCKETS_PER_SESSION) },
  });
});

after(async () => {
  await disposeAllClients();
  await stack?.backend.stop({ signal: 'SIGKILL' });
  await stack?.stop();
  await killAllChildren();
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Operations over one limit each (and within the others), with what the refusal must mention. */
const OVER_LIMITS: Array<{ name: string; query: string; message: RegExp }> = [
  {
    name: 'aliases',
    query: `mutation Many { ${range(50)
      .map((i) => `a${i}: createTask { id }`)
      .join(' ')} }`,
    message: /alias/i,
  },
  { name: 'depth', query: 'query Deep { __type(name: "Task") { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } }', message: /depth/i },
  { name: 'tokens', query: `query Long { tasks { ${'id '.repeat(1200)} } }`, message: /token/i },
  { name: 'directives', query: `query Directed { tasks { id ${'@include(if: true) '.repeat(12)} } }`, message: /directive/i },
  {
    name: 'cost',
    // Few tokens, no aliases, depth 2, but 4^5 = 1024 selections of `tasks` once fragments unfold.
    query: [
      'query Costly { ...F5 }',
      'fragment F0 on Query { tasks { id status progress version } }',
      ...range(5).map((i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} ...F${i} ...F${i} }`),
    ].join(' '),
    message: /cost/i,
  },
];
const LIMIT_CODES = new Set(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

function assertRefused(errors: GqlResult['errors'] | readonly any[] | undefined, message: RegExp, what: string): void {
  const list = (errors ?? []) as Array<{ message: string; extensions?: Record<string, any> }>;
  assert.ok(list.length > 0, `${what}: refused`);
  assert.ok(LIMIT_CODES.has(list[0].extensions?.code), `${what}: code ${JSON.stringify(list[0])}`);
  assert.ok(
    list.some((e) => message.test(e.message)),
    `${what}: names the limit: ${JSON.stringify(list)}`,
  );
}

describe('operation limits', () => {
  for (const { name, query, message } of OVER_LIMITS) {
    test(`${name}: refused on gateway HTTP, gateway WS and backend HTTP; nothing created`, async () => {
      const browser = await new Browser(stack).init();
      const before = await taskRecordCount(stack);
      const http = await browser.post(query);
      assert.ok(http.status < 500, `gateway HTTP ${http.status}`);
      assert.equal(http.body?.data ?? null, null, http.text);
      assertRefused(http.body?.errors, message, 'gateway HTTP');
      const ws = browser.ws();
      const overWs = await collect(ws, query, undefined, undefined, 15_000);
      assert.deepEqual(overWs.data, []);
      assertRefused(overWs.errors, message, 'gateway WS');
      assert.ok(Array.isArray(overWs.error), `the operation got errors, the socket was not closed: ${JSON.stringify(ws.closes)}`);
      assert.ok(
        ws.closes.every((c) => c.code === 1000),
        `only the lazy client's own close: ${JSON.stringify(ws.closes)}`,
      );
      await ws.dispose();
      const direct = await gqlHttpResponse(stack.backend.url, query, undefined, backendHeaders(stack.backend.token, 'limits_user_1'));
      assert.ok(direct.status < 500, `backend HTTP ${direct.status}: ${direct.text}`);
      assert.equal(direct.body?.data ?? null, null, direct.text);
      assertRefused(direct.body?.errors, message, 'backend HTTP');
      assert.equal(await taskRecordCount(stack), before, 'no task record was written');
      assert.deepEqual(await browser.list(), []);
    });
  }

  test('within the limits, five aliased createTask run (the documented maximum)', async () => {
    const browser = await new Browser(stack).init();
    const res = await browser.post(
      `mutation Five { ${range(5)
        .map((i) => `a${i}: createTask { id }`)
        .join(' ')} }`,
    );
    assert.equal(res.body?.errors, undefined, res.text);
    assert.equal(Object.keys(res.body?.data ?? {}).length, 5);
  });
});

/** Sends raw bytes to host:port and resolves with what came back until the server closed (bounded). */
function rawHttp(url: string, request: string, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms: ${text.slice(0, 300)}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    };
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      // Answers here carry Content-Length or close the connection.
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: *(\d+)/i.exec(text.slice(0, head))?.[1];
      if (head >= 0 && length !== undefined && Buffer.byteLength(text.slice(head + 4)) >= Number(length)) {
        socket.destroy();
        done();
      }
    });
    socket.on('end', done);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.write(request);
  });
}

describe('bodies and frames', () => {
  const path = '/api/graphql';

  test('a declared body over MAX_BODY_BYTES gets 413 before a byte of it is sent', async () => {
    const host = new URL(stack.gql).host;
    // Headers only: the body never comes, so the answer cannot depend on reading it.
    const res = await rawHttp(stack.gql, `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n`);
    assert.equal(res.status, 413, res.text);
    assert.match(res.text, /"code":"BAD_REQUEST"/);
    // And a real oversized body.
    const big = await fetch(stack.gql, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query Big { tasks { id } } # ${'x'.repeat(70 * 1024)}` }),
      signal: AbortSignal.timeout(15_000),
    }).catch((e: Error) => e);
    if (!(big instanceof Error)) assert.equal(big.status, 413);
  });

  test('a chunked body without Content-Length gets 411', async () => {
    const host = new URL(stack.gql).host;
    const body = JSON.stringify({ query: CREATE });
    const chunk = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const before = await taskRecordCount(stack);
    const res = await rawHttp(
      stack.gql,
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`,
    );
    assert.equal(res.status, 411, res.text);
    assert.equal(await taskRecordCount(stack), before);
  });

  test('malformed JSON: 400 with a code; a JSON array (batching) is refused and runs nothing', async () => {
    const browser = await new Browser(stack).init();
    const send = (body: string) =>
      fetch(stack.gql, { method: 'POST', headers: { 'content-type': 'application/json', cookie: browser.cookie! }, body, signal: AbortSignal.timeout(15_000) });
    for (const body of ['{"query": "query { tasks { id } }"', '{', 'nope', '"just a string"', 'null']) {
      const res = await send(body);
      const text = await res.text();
      assert.ok(res.status >= 400 && res.status < 500, `${body}: HTTP ${res.status} ${text}`);
      assert.ok(JSON.parse(text).errors?.[0]?.extensions?.code, `${body}: coded: ${text}`);
    }
    const before = await taskRecordCount(stack);
    const batch = await send(JSON.stringify([{ query: CREATE }, { query: CREATE }]));
    const text = await batch.text();
    assert.ok(batch.status >= 400 && batch.status < 500, `batch: HTTP ${batch.status} ${text}`);
    assert.ok(JSON.parse(text).errors?.[0]?.extensions?.code, text);
    assert.equal(await taskRecordCount(stack), before, 'a batch runs nothing');
  });

  test('a WebSocket frame over 64 KiB closes the socket with 1009', async () => {
    const browser = await new Browser(stack).init();
    const socket = await RawSocket.ready(stack.ws, { origin: stack.origin, cookie: browser.cookie! });
    socket.subscribe('big', `query Big { tasks { id } } # ${'x'.repeat(70 * 1024)}`);
    const closed = await closedWithin(socket, 10_000);
    assert.equal(closed.code, 1009, JSON.stringify(closed));
  });
});

describe('rate limits and caps', () => {
  test('one session flooding createTask gets RATE_LIMITED with retryAfterSeconds; another session is unaffected', async () => {
    const flooder = await new Browser(stack).init();
    const other = await new Browser(stack).init();
    const flood = Promise.all(range(CREATE_LIMIT + 5).map(() => flooder.post(CREATE)));
    const calm = Promise.all(range(3).map(() => other.post(CREATE)));
    const [flooded, calmed] = await Promise.all([flood, calm]);
    const ok = flooded.filter((r) => r.body?.data?.createTask?.id);
    const limited = flooded.filter((r) => firstError(r.body).code === 'RATE_LIMITED');
    assert.equal(ok.length, CREATE_LIMIT, flooded.map((r) => r.text).join('\n'));
    assert.equal(limited.length, 5);
    for (const r of limited) {
      const seconds = firstError(r.body).extensions?.retryAfterSeconds;
      assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, `retryAfterSeconds ${seconds}`);
    }
    for (const r of calmed) assert.ok(r.body?.data?.createTask?.id, `the other session: ${r.text}`);
    assert.equal((await flooder.list()).length, CREATE_LIMIT, 'refused calls created nothing');
  });

  test(`subscriptions per socket: ${SUBS_PER_SOCKET} live, the next one RATE_LIMITED, the socket lives on`, async () => {
    const browser = await new Browser(stack).init();
    const tasks: Task[] = [];
    for (let i = 0; i < SUBS_PER_SOCKET + 1; i++) tasks.push(await browser.create());
    const client = browser.ws();
    const live = tasks.slice(0, SUBS_PER_SOCKET).map((t) => watch<{ taskStatus: Task }>(client, STATUS, { id: t.id }));
    await Promise.all(live.map((w) => w.waitFor(() => true, 15_000)));
    const extra = await collect(client, STATUS, { id: tasks[SUBS_PER_SOCKET].id }, undefined, 15_000);
    assert.deepEqual(extra.data, []);
    assert.equal(extra.errors[0]?.extensions?.code, 'RATE_LIMITED', JSON.stringify(extra));
    assert.ok(Number(extra.errors[0]?.extensions?.retryAfterSeconds) >= 1);
    assert.deepEqual(client.closes, [], 'the socket stays open');
    // Freeing a slot lets the next one in, on the same socket.
    live[0].unsubscribe();
    const next = watch<{ taskStatus: Task }>(client, STATUS, { id: tasks[SUBS_PER_SOCKET].id });
    await next.waitFor((d) => d.taskStatus.id === tasks[SUBS_PER_SOCKET].id, 15_000);
    assert.equal(client.connects(), 1);
    await client.dispose();
  });

  test(`sockets per session: ${SOCKETS_PER_SESSION} open, the next upgrade gets HTTP 429; other sessions unaffected`, async () => {
    const browser = await new Browser(stack).init();
    const headers = { origin: stack.origin, cookie: browser.cookie! };
    const sockets = await Promise.all(range(SOCKETS_PER_SESSION).map(() => RawSocket.ready(stack.ws, headers)));
    assert.equal(await upgradeStatus(stack.ws, headers), 429);
    const other = await new Browser(stack).init();
    assert.equal(await upgradeStatus(stack.ws, { origin: stack.origin, cookie: other.cookie! }), 101);
    sockets[0].close();
    await waitUntil(async () => (await upgradeStatus(stack.ws, headers)) === 101, { timeoutMs: 10_000, intervalMs: 200, what: 'a freed slot is reusable' });
    for (const s of sockets) s.close();
  });
});

describe('argument validation', () => {
  test('a bad id (not a UUID, 10k characters) is BAD_USER_INPUT naming the field, on HTTP and WS; nothing created', async () => {
    const browser = await new Browser(stack).init();
    const before = await taskRecordCount(stack);
    const client = browser.ws();
    for (const id of ['not-a-uuid', 'x'.repeat(10_000), '00000000-0000-0000-0000-00000000000g', '']) {
      for (const doc of [TASK, CANCEL]) {
        const res = await browser.post(doc, { id });
        assert.equal(firstError(res.body).code, 'BAD_USER_INPUT', `${id.slice(0, 20)}: ${res.text.slice(0, 300)}`);
        assert.equal(firstError(res.body).extensions?.field, 'id');
      }
      const sub = await collect(client, STATUS, { id }, undefined, 15_000);
      assert.deepEqual(sub.data, []);
      assert.equal(sub.errors[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(sub).slice(0, 300));
      assert.equal(sub.errors[0]?.extensions?.field, 'id');
    }
    assert.equal(await taskRecordCount(stack), before);
    await client.dispose();
  });

  test('tasks(first: 0 | 101 | -1) is BAD_USER_INPUT', async () => {
    const browser = await new Browser(stack).init();
    for (const first of [0, 101, -1]) {
      const res = await browser.post(TASKS, { first });
      assert.equal(firstError(res.body).code, 'BAD_USER_INPUT', `${first}: ${res.text}`);
      assert.equal(firstError(res.body).extensions?.field, 'first');
    }
    assert.deepEqual(await browser.list(100), []);
  });
});
