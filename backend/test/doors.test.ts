/**
 * The backend's own doors (issue 16 part 4): the internal credential is checked from the headers
 * alone, before a byte of the body is read or parsed, and the WebSocket applies the operation
 * limits HTTP applies, with the same codes, on that operation only.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { INTERNAL_TOKEN_PARAM, USER_EXTENSION } from '@longrun/server-common';
import {
  backendHeaders,
  collect,
  disposeAllClients,
  gqlHttpResponse,
  killAllChildren,
  startBackend,
  startRedis,
  wsClient,
  type Backend,
  type RedisServer,
} from '../../testkit/index.js';
import { Api, newUser } from './helpers.js';

let redis: RedisServer;
let backend: Backend;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({ REDIS_URL: redis.url, BACKEND_ROLE: 'api' });
});

after(async () => {
  await disposeAllClients();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

interface Answer {
  status: number;
  text: string;
  ms: number;
}

/**
 * Sends a POST's head and only `sent` bytes of the body it declares, and waits (bounded) for an
 * answer without ever sending the rest: an answer can only come from the headers.
 */
function partialPost(url: string, headers: Record<string, string>, declared: number, sent: number, waitMs: number): Promise<Answer | undefined> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const started = Date.now();
    let text = '';
    const finish = (answer: Answer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), waitMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      const length = /content-length: *(\d+)/i.exec(text.slice(0, head))?.[1];
      if (head >= 0 && length !== undefined && Buffer.byteLength(text.slice(head + 4)) >= Number(length)) {
        finish({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text, ms: Date.now() - started });
      }
    });
    // An answer without a length ends with the connection.
    socket.on('end', () => finish({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text, ms: Date.now() - started }));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    const lines = Object.entries({ host: `${hostname}:${port}`, 'content-type': 'application/json', 'content-length': String(declared), ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`POST ${pathname} HTTP/1.1\r\n${lines}\r\n`);
    socket.write(`{"query":"${'x'.repeat(Math.max(0, sent - 11))}`);
  });
}

describe('the credential comes before the body', () => {
  const cases: Array<{ name: string; declared: number }> = [
    // Under the JSON parser's 64 kB: the parser would wait for all of it before anyone looked at the headers.
    { name: 'a 60 kB body', declared: 60 * 1024 },
    { name: 'a 50 MB body', declared: 50 * 1024 * 1024 },
  ];
  for (const { name, declared } of cases) {
    test(`${name}, 1 kB of it sent, without or with a wrong credential: 401 UNAUTHENTICATED at once`, async () => {
      const refused: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-the-token-not-the-token' }, { authorization: backend.token }];
      for (const headers of refused) {
        const answer = await partialPost(backend.url, headers, declared, 1024, 15_000);
        assert.ok(answer, `${JSON.stringify(headers)}: answered without the rest of the body`);
        assert.equal(answer.status, 401, answer.text);
        assert.match(answer.text, /"code":"UNAUTHENTICATED"/);
        assert.match(answer.text, /connection: close/i, 'the connection is closed, not drained');
        // Generous (the machine is shared): the point is that it does not wait for a body that never comes.
        assert.ok(answer.ms < 5000, `answered in ${answer.ms} ms`);
      }
    });
  }

  test('with the credential, the same partial body is waited for (the answer above came from the headers)', async () => {
    const answer = await partialPost(backend.url, backendHeaders(backend.token, newUser('doors')), 60 * 1024, 1024, 1500);
    assert.equal(answer, undefined, `no answer before the body is complete: ${answer?.text}`);
  });

  test('with the credential, a whole request still runs', async () => {
    const res = await gqlHttpResponse(backend.url, 'query Ok { tasks { id } }', undefined, backendHeaders(backend.token, newUser('doors')));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body?.data, { tasks: [] });
  });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Subscriptions over one limit each, what the refusal must say, and its code. */
const OVER_LIMITS: Array<{ name: string; query: string; message: RegExp; code: string }> = [
  {
    name: 'aliases',
    query: `subscription Many { taskUpdates { ${range(20)
      .map((i) => `a${i}: id`)
      .join(' ')} } }`,
    message: /alias/i,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'depth',
    // Each fragment spread is a level for the depth limit.
    query: [
      'subscription Deep { taskUpdates { ...F0 } }',
      ...range(8).map((i) => `fragment F${i} on Task { id ...F${i + 1} }`),
      'fragment F8 on Task { id }',
    ].join(' '),
    message: /depth/i,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'directives',
    query: `subscription Directed { taskUpdates { id ${'@include(if: true) '.repeat(12)} } }`,
    message: /directive/i,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
  { name: 'tokens', query: `subscription Long { taskUpdates { ${'id '.repeat(1200)} } }`, message: /token/i, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'syntax', query: 'subscription Broken { taskUpdates { id ', message: /syntax/i, code: 'GRAPHQL_PARSE_FAILED' },
  {
    name: 'suggestions stay (introspection is on outside production)',
    query: 'subscription Typo { taskUpdates { idd } }',
    message: /Did you mean/,
    code: 'GRAPHQL_VALIDATION_FAILED',
  },
];

describe('operation limits on the WebSocket, as on HTTP', () => {
  test('each over-limit subscription gets its coded error on its own operation; the socket and the next operation live on', async () => {
    const user = newUser('doors');
    let closes = 0;
    const client = wsClient(backend.wsUrl, {
      connectionParams: { [INTERNAL_TOKEN_PARAM]: backend.token },
      lazy: false,
      on: { closed: () => closes++ },
    });
    const extensions = { [USER_EXTENSION]: user };
    for (const { name, query, message, code } of OVER_LIMITS) {
      const ws = await collect(client, query, undefined, extensions, 15_000);
      assert.deepEqual(ws.data, [], name);
      assert.ok(Array.isArray(ws.error), `${name}: the operation got errors: ${JSON.stringify(ws.error)}`);
      const errors = ws.errors as Array<{ message: string; extensions?: Record<string, unknown> }>;
      assert.equal(errors[0]?.extensions?.code, code, `${name}: ${JSON.stringify(errors)}`);
      assert.ok(
        errors.some((e) => message.test(e.message)),
        `${name}: names the limit: ${JSON.stringify(errors)}`,
      );
      assert.doesNotMatch(JSON.stringify(errors), /\n\s+at |node_modules/, 'no stack trace');
      // HTTP says the same of the same document (a query over the same limit for the
      // subscription-only cases is in limits.test.ts).
      const http = await gqlHttpResponse(backend.url, query, undefined, backendHeaders(backend.token, user));
      assert.ok(http.status < 500, `${name}: HTTP ${http.status}`);
      assert.equal(http.body?.errors?.[0]?.extensions?.code, code, `${name} over HTTP: ${http.text}`);
    }
    assert.equal(closes, 0, 'the socket was never closed (a thrown parse error would close it with 4500)');
    // Within the limits, on the same socket: a task's stream starts with its snapshot.
    const task = await new Api(backend, user).create();
    // The task never runs (no worker here): its stream stays open after the snapshot.
    const seen = await new Promise<unknown>((resolve) => {
      const stop = client.subscribe(
        { query: 'subscription W($id: ID!) { taskStatus(id: $id) { id status } }', variables: { id: task.id }, extensions },
        {
          next: (r) => {
            stop();
            resolve(r.data);
          },
          error: (e) => resolve(e),
          complete: () => undefined,
        },
      );
    });
    assert.deepEqual(seen, { taskStatus: { id: task.id, status: 'WAITING' } });
    await client.dispose();
  });
});
