/**
 * /api/files/<id> through the real stack: the built frontend in front of the built backend. An
 * export's file reaches its owner as the backend wrote it; anyone else, any other task and any
 * unknown id get the same 404; other methods 405; a backend that cannot be reached, or does not
 * answer in time, 503; never a stack trace.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CREATE, disposeAllClients, killAllChildren, waitUntil } from '../../testkit/index.js';
import { loadConfig } from '../src/server/config.js';
import { assertNoInternals, Browser, firstError, sessionSetCookie, startStack, TASK, type Stack, type Task } from './support.js';

let stack: Stack;
let owner: Browser;
let exported: Task;

/** Starts a task with this input and waits until it is final. */
async function finished(browser: Browser, input: Record<string, unknown>): Promise<Task> {
  const { id } = await browser.ok<Task>(CREATE, 'createTask', { input });
  return waitUntil(
    async () => {
      const task = await browser.ok<Task>(TASK, 'task', { id });
      return task.status === 'WAITING' || task.status === 'IN_PROGRESS' ? null : task;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `task ${id} final` },
  );
}

function get(path: string, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  return fetch(`${stack.frontend.url}${path}`, { ...init, headers, signal: AbortSignal.timeout(15_000) });
}

async function assertNotFound(res: Response, what: string): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 404, `${what}: ${text}`);
  assert.equal(firstError(JSON.parse(text)).code, 'NOT_FOUND', what);
  assert.equal(res.headers.get('content-disposition'), null, what);
}

before(async () => {
  stack = await startStack({ backendEnv: { TASK_MIN_DURATION_MS: '200', TASK_MAX_DURATION_MS: '400' } });
  owner = await new Browser(stack).init();
  // A few tasks first, so the file has more than one row.
  await finished(owner, { primes: { below: 1000 } });
  exported = await finished(owner, { export: { format: 'NDJSON' } });
  assert.equal(exported.status, 'FINISHED', JSON.stringify(exported));
});

after(async () => {
  await disposeAllClients();
  await stack?.stop();
  await killAllChildren();
});

describe('the owner', () => {
  test('gets the file as the backend wrote it: type, name, length and every row', async () => {
    const result = exported.result as { __typename: string; url: string; bytes: number; rows: number };
    assert.equal(result.url, `/api/files/${exported.id}`);
    const res = await get(result.url, { cookie: owner.cookie });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.match(res.headers.get('content-type') ?? '', /ndjson/);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="[\w.-]+\.ndjson"$/);
    assert.equal(res.headers.get('content-length'), String(result.bytes));
    assert.equal(Buffer.byteLength(body), result.bytes);
    assert.equal(res.headers.get('cache-control'), 'private, no-store');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const rows = body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; kind: string });
    assert.equal(rows.length, result.rows);
    assert.ok(rows.some((r) => r.id === exported.id && r.kind === 'export'));
    assert.ok(rows.some((r) => r.kind === 'primes'));
  });

  test('HEAD answers the same headers without the body', async () => {
    const res = await get(`/api/files/${exported.id}`, { method: 'HEAD', cookie: owner.cookie });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String((exported.result as { bytes: number }).bytes));
    assert.equal(await res.text(), '');
  });
});

describe('everyone and everything else: the same 404', () => {
  test('another session, no session, an unknown id, a malformed id, a task without a file', async () => {
    const stranger = await new Browser(stack).init();
    await assertNotFound(await get(`/api/files/${exported.id}`, { cookie: stranger.cookie }), 'another session');
    const anonymous = await get(`/api/files/${exported.id}`);
    await assertNotFound(anonymous, 'no session');
    assert.ok(sessionSetCookie(anonymous.headers), 'a cookie-less request gets a session of its own, not the owner’s');
    await assertNotFound(await get(`/api/files/${randomUUID()}`, { cookie: owner.cookie }), 'an unknown id');
    for (const id of ['not-a-uuid', '..%2Fgraphql', `${exported.id}%2F..`, '']) {
      await assertNotFound(await get(`/api/files/${id}`, { cookie: owner.cookie }), `id "${id}"`);
    }
    const primes = (await owner.list()).find((t) => t.kind === 'primes')!;
    await assertNotFound(await get(`/api/files/${primes.id}`, { cookie: owner.cookie }), 'a primes task');
  });

  test('other methods get 405 with Allow, and nothing is read', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await get(`/api/files/${exported.id}`, { method, cookie: owner.cookie });
      const text = await res.text();
      assert.equal(res.status, 405, `${method}: ${text}`);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      assert.equal(firstError(JSON.parse(text)).code, 'BAD_REQUEST');
      assert.doesNotMatch(text, /"id"/, 'no row of the file');
    }
  });
});

describe('a backend that does not answer', () => {
  test('too slow (past UPSTREAM_TIMEOUT_MS), then unreachable: 503 with a short coded message, no internals', async () => {
    // A TCP server that accepts and never answers, then is closed (connections refused).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const frontend = await stack.addFrontend({ BACKEND_URL: `http://127.0.0.1:${port}/graphql`, UPSTREAM_TIMEOUT_MS: '1000' });
    const check = async (what: string, maxMs: number) => {
      const began = Date.now();
      const res = await fetch(`${frontend.url}/api/files/${exported.id}`, { signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      assert.equal(res.status, 503, `${what}: ${text}`);
      assert.ok(Date.now() - began < maxMs, `${what}: answered within ${maxMs} ms`);
      assert.equal(firstError(JSON.parse(text)).code, 'SERVICE_UNAVAILABLE', text);
      assert.ok(text.length < 200, `${what}: a short answer: ${text}`);
      assertNoInternals(text, what);
    };
    await check('silent backend', 5000);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await check('refused', 2000);
  });
});

test('the backend files URL follows the backend GraphQL URL', () => {
  assert.equal(loadConfig({}).backendFilesUrl, 'http://127.0.0.1:4000/files/');
  assert.equal(loadConfig({ BACKEND_URL: 'http://backend:4100/graphql' }).backendFilesUrl, 'http://backend:4100/files/');
});
