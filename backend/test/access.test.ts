/**
 * The backend's door, beyond what tasks.test.ts "refused callers" covers: it refuses to
 * start on a non-loopback address without the explicit opt-in or against a Redis that may evict
 * keys, and closes sockets that never authenticate. Introspection follows NODE_ENV (on outside production; production.test.ts in
 * frontend/test checks it off).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ErrorCode } from '../src/graphql/generated/schema-types.js';
import {
  BACKEND_MAIN,
  backendHeaders,
  gqlHttpResponse,
  killAllChildren,
  randomToken,
  redisCall,
  startBackend,
  startRedis,
  track,
  type Backend,
  type RedisServer,
} from '../../testkit/index.js';

let redis: RedisServer;
let backend: Backend;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({ REDIS_URL: redis.url, BACKEND_ROLE: 'api' });
});

after(async () => {
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

/** Runs the backend's entry point with `env` and resolves with how it exited and what it said (bounded). */
function runToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BACKEND_MAIN], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('start-up', () => {
  test('a non-loopback BACKEND_HOST without BACKEND_ALLOW_NON_LOOPBACK: exits with a clear message, listens nowhere', async () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
      const { code, output } = await runToExit({ BACKEND_HOST: host, BACKEND_PORT: '0', REDIS_URL: redis.url, INTERNAL_API_TOKEN: randomToken() });
      assert.notEqual(code, 0, output);
      assert.match(output, /BACKEND_HOST/, output);
      assert.match(output, /loopback/i, output);
      assert.match(output, /BACKEND_ALLOW_NON_LOOPBACK/, output);
      assert.doesNotMatch(output, /listening on/, output);
      assert.doesNotMatch(output, /\n\s+at /, 'a message, not a stack trace');
    }
  });
});

describe('start-up against Redis', () => {
  test('a Redis that may evict keys is refused at start-up, with the reason; noeviction is accepted', async () => {
    const evicting = await startRedis({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] });
    try {
      for (const role of ['api', 'worker']) {
        const { code, output } = await runToExit({ BACKEND_ROLE: role, BACKEND_PORT: '0', REDIS_URL: evicting.url, INTERNAL_API_TOKEN: randomToken() });
        assert.notEqual(code, 0, output);
        assert.match(output, /maxmemory-policy/, output);
        assert.match(output, /noeviction/, output);
        assert.doesNotMatch(output, /listening on|worker consuming/, output);
      }
      // The same server once its policy is fixed: the backend starts.
      await redisCall(evicting.port, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      const ok = await startBackend({ REDIS_URL: evicting.url, BACKEND_ROLE: 'api' });
      await ok.stop();
    } finally {
      await evicting.stop();
    }
  });
});

describe('sockets', () => {
  test('a WebSocket that never sends connection_init is closed with 4408 after about 3 s', async () => {
    const started = Date.now();
    const closed = await new Promise<{ code: number }>((resolve, reject) => {
      const socket = new WebSocket(backend.wsUrl, 'graphql-transport-ws');
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error('still open after 15 s'));
      }, 15_000);
      socket.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code });
      });
      socket.on('error', () => undefined);
    });
    assert.equal(closed.code, 4408);
    const ms = Date.now() - started;
    assert.ok(ms >= 2000 && ms < 12_000, `closed after ${ms} ms`);
  });
});

describe('bodies', () => {
  test('malformed or oversized JSON: 4xx with a coded GraphQL error, nothing run', async () => {
    const cases: Array<[string, number]> = [
      ['{', 400],
      ['{"query": "query { tasks { id } }"', 400],
      ['nope', 400],
      [JSON.stringify({ query: `query { tasks { id } } # ${'x'.repeat(70 * 1024)}` }), 413],
    ];
    for (const [body, status] of cases) {
      const res = await fetch(backend.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...backendHeaders(backend.token, 'bodies_user_1') },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      assert.equal(res.status, status, `${body.slice(0, 40)}: ${text}`);
      assert.equal(JSON.parse(text).errors?.[0]?.extensions?.code, 'BAD_REQUEST', text);
      assert.doesNotMatch(text, /\n\s+at |node_modules/, 'no stack trace');
    }
  });
});

describe('introspection outside production', () => {
  test('is on (NODE_ENV=test), for the trusted caller only', async () => {
    const query = 'query I { __schema { queryType { name } } }';
    const ok = await gqlHttpResponse(backend.url, query, undefined, backendHeaders(backend.token, 'introspect_1'));
    assert.equal(ok.body?.data?.__schema?.queryType?.name, 'Query', ok.text);
    const anon = await gqlHttpResponse(backend.url, query);
    assert.equal(anon.status, 401);
  });

  test('the schema carries the error codes as ErrorCode, as generated', async () => {
    const query = 'query Codes { __type(name: "ErrorCode") { enumValues { name } } }';
    const res = await gqlHttpResponse(backend.url, query, undefined, backendHeaders(backend.token, 'introspect_1'));
    const served = res.body?.data?.__type?.enumValues?.map((v: { name: string }) => v.name);
    assert.deepEqual(served?.sort(), Object.values(ErrorCode).sort(), res.text);
  });
});
