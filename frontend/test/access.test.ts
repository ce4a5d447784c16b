/**
 * Who can see what, through the real gateway: nothing a browser sends names a user, forged or
 * stale cookies yield a new session, another user's task looks exactly like a missing one, and
 * cross-site requests (CORS, CSRF) get nothing and create nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { collect, disposeAllClients, killAllChildren, wsClient } from '../../testkit/index.js';
import { encodeSession } from '../src/server/session.js';
import {
  Browser,
  CANCEL,
  CREATE,
  firstError,
  RawSocket,
  sessionSetCookie,
  startStack,
  STATUS,
  TASK,
  TASKS,
  taskRecordCount,
  UUID_V4,
  webSocketWith,
  type PostOptions,
  type Stack,
  type Task,
} from './support.js';

/** The frontend's default session lifetime (SESSION_MAX_AGE_S). */
const MAX_AGE_S = 30 * 24 * 3600;
let stack: Stack;
/** Browser A and its task: what every attacker below tries to reach. */
let a: Browser;
let aTask: Task;
let aId: string;

before(async () => {
  stack = await startStack({ backendEnv: { TASK_MIN_DURATION_MS: '20000', TASK_MAX_DURATION_MS: '30000' } });
  a = await new Browser(stack).init();
  aId = a.sessionValue!.split('.')[0];
  aTask = await a.create();
});

after(async () => {
  await disposeAllClients();
  // Tasks here run for 20 s or more: do not wait for them.
  await stack?.backend.stop({ signal: 'SIGKILL' });
  await stack?.stop();
  await killAllChildren();
});

type StatusData = { taskStatus: Task };

/** Asserts an HTTP answer is NOT_FOUND for A's task and carries none of its data. */
function assertNotFound(res: Awaited<ReturnType<Browser['post']>>, what: string): void {
  assert.equal(res.status, 200, `${what}: ${res.text}`);
  assert.equal(firstError(res.body).code, 'NOT_FOUND', `${what}: ${res.text}`);
  assert.doesNotMatch(res.text, /"status":"(WAITING|IN_PROGRESS)"/, `${what}: no task data`);
}

describe('nothing a browser sends names a user', () => {
  test('x-longrun-user header, extensions.user and extra variables on HTTP', async () => {
    const b = await new Browser(stack).init();
    const spoofs: PostOptions[] = [
      { headers: { 'x-longrun-user': aId } },
      { extensions: { user: aId } },
      { headers: { 'x-longrun-user': aId, authorization: 'Bearer whatever-token-value' }, extensions: { user: aId } },
    ];
    for (const spoof of spoofs) {
      for (const doc of [TASK, CANCEL]) assertNotFound(await b.post(doc, { id: aTask.id, user: aId }, spoof), JSON.stringify(spoof));
      const list = await b.post(TASKS, { first: 100, user: aId }, spoof);
      assert.deepEqual(list.body?.data?.tasks, [], `B's list with ${JSON.stringify(spoof)}`);
    }
    // Without any cookie, the header alone: a fresh session, not A.
    const anon = new Browser(stack);
    const res = await anon.post(TASK, { id: aTask.id }, { headers: { 'x-longrun-user': aId } });
    assertNotFound(res, 'cookie-less with x-longrun-user');
    assert.ok(sessionSetCookie(res.headers), 'a cookie-less caller gets a new session');
    assert.equal((await a.ok<Task>(TASK, 'task', { id: aTask.id })).id, aTask.id, 'A still reads its task');
  });

  test('connectionParams, a header on the upgrade, and extensions.user on WS subscribe messages', async () => {
    const b = await new Browser(stack).init();
    const clients = [
      b.ws({ connectionParams: { user: aId, token: 'guessed-token-guessed' } }),
      b.ws({}, { 'x-longrun-user': aId }),
      wsClient(stack.ws, { connectionParams: { user: aId }, webSocketImpl: webSocketWith({ 'x-longrun-user': aId }) }),
    ];
    for (const client of clients) {
      for (const extensions of [undefined, { user: aId }]) {
        const res = await collect<StatusData>(client, STATUS, { id: aTask.id, user: aId }, extensions, 15_000);
        assert.deepEqual(res.data, [], 'no event of A');
        assert.equal(res.errors[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(res));
      }
      await client.dispose();
    }
    // The same by hand, in case a client library drops unknown fields.
    const raw = await RawSocket.open(stack.ws, { origin: stack.origin, cookie: b.cookie! });
    raw.send({ type: 'connection_init', payload: { user: aId, token: 'x'.repeat(32) } });
    await raw.next((m) => m?.type === 'connection_ack', 10_000);
    raw.send({ id: '1', type: 'subscribe', payload: { query: STATUS, variables: { id: aTask.id }, extensions: { user: aId, persistedQuery: null } } });
    const answer = await raw.next((m) => m?.id === '1' && (m.type === 'next' || m.type === 'error'), 15_000);
    assert.equal((answer.payload.errors ?? answer.payload)[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(answer));
    raw.close();
  });
});

describe('cookies', () => {
  /** Asserts `cookie` yields a new session that is not A's (HTTP and WS), with a fresh Set-Cookie. */
  async function assertNewSession(cookie: string, what: string): Promise<void> {
    const c = new Browser(stack, cookie);
    const res = await c.post(TASK, { id: aTask.id });
    assert.notEqual(res.status, 500, what);
    assertNotFound(res, what);
    const issued = sessionSetCookie(res.headers);
    assert.ok(issued, `${what}: a fresh Set-Cookie`);
    assert.ok(!issued.startsWith(`longrun_session=${aId}.`), `${what}: never A's session`);
    const ws = new Browser(stack, cookie).ws();
    const sub = await collect<StatusData>(ws, STATUS, { id: aTask.id }, undefined, 15_000);
    assert.equal(sub.errors[0]?.extensions?.code, 'NOT_FOUND', `${what} on WS: ${JSON.stringify(sub)}`);
    await ws.dispose();
  }

  test('tampered cookies: a new session, never A', async () => {
    const [id, issued, signature] = a.sessionValue!.split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    await assertNewSession(`longrun_session=${id}.${issued}.${flip(signature)}`, 'flipped signature');
    await assertNewSession(`longrun_session=${id}.${issued}.`, 'no signature');
    await assertNewSession(`longrun_session=${id}.${(parseInt(issued, 36) + 1).toString(36)}.${signature}`, 'changed issue time');
    await assertNewSession(`longrun_session=${id}`, 'bare id');
    // A valid session signed by some other secret.
    await assertNewSession(`longrun_session=${encodeSession(id, 'another-secret-another-secret-another-secret')}`, 'wrong key');
  });

  test('an expired cookie (validly signed, old issue time): a new session; a half-aged one slides with the same id', async () => {
    const now = Math.floor(Date.now() / 1000);
    await assertNewSession(`longrun_session=${encodeSession(aId, stack.sessionSecret, now - MAX_AGE_S - 60)}`, 'expired');
    await assertNewSession(`longrun_session=${encodeSession(aId, stack.sessionSecret, now + 3600)}`, 'issued in the future');
    // Past half its age, still valid: re-issued with the same id, and A's tasks are still A's.
    const aged = new Browser(stack, `longrun_session=${encodeSession(aId, stack.sessionSecret, now - Math.floor(MAX_AGE_S * 0.75))}`);
    const res = await aged.post(TASK, { id: aTask.id });
    assert.equal(res.body?.data?.task?.id, aTask.id, res.text);
    assert.ok(sessionSetCookie(res.headers)?.startsWith(`longrun_session=${aId}.`), 'slid: same id, new issue time');
  });

  test('invented and malformed cookies: a new session, never an error', async () => {
    const invented = [
      'longrun_session=abc',
      'longrun_session=',
      `longrun_session=${'x'.repeat(32)}.0.${'y'.repeat(43)}`,
      `longrun_session=${'A'.repeat(3000)}`,
      'longrun_session=%E0%A4%A',
      'longrun_session=a.b.c.d.e',
      `longrun_session=${aId}..`,
      `foo=bar; longrun_session=${aId}.zzzzzzzzzz.${'z'.repeat(43)}; longrun_session=x`,
    ];
    for (const cookie of invented) await assertNewSession(cookie, cookie.slice(0, 60));
  });
});

describe('not found and ids', () => {
  test("another user's task and a missing one: the same code and message (task, cancelTask, taskStatus)", async () => {
    const b = await new Browser(stack).init();
    const missing = randomUUID();
    const shape = (res: Awaited<ReturnType<Browser['post']>>) => ({ message: res.body?.errors?.[0]?.message, extensions: res.body?.errors?.[0]?.extensions });
    for (const doc of [TASK, CANCEL]) {
      const foreign = shape(await b.post(doc, { id: aTask.id }));
      const absent = shape(await b.post(doc, { id: missing }));
      assert.equal(foreign.extensions?.code, 'NOT_FOUND');
      assert.deepEqual(foreign, absent);
    }
    const ws = b.ws();
    const foreign = await collect(ws, STATUS, { id: aTask.id }, undefined, 15_000);
    const absent = await collect(ws, STATUS, { id: missing }, undefined, 15_000);
    const strip = (r: typeof foreign) => r.errors.map(({ message, extensions }) => ({ message, extensions }));
    assert.equal(foreign.errors[0]?.extensions?.code, 'NOT_FOUND');
    assert.deepEqual(strip(foreign), strip(absent));
    await ws.dispose();
  });

  test('task ids are random UUID v4s, all distinct', async () => {
    const c = await new Browser(stack).init();
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push((await c.create()).id);
    for (const id of ids) assert.match(id, UUID_V4);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(!ids.includes(aTask.id));
  });
});

describe('cross-site requests', () => {
  const evil = 'https://evil.example';

  test('CORS: no access-control-allow-origin for a foreign Origin (preflight or POST)', async () => {
    const preflight = await fetch(stack.gql, {
      method: 'OPTIONS',
      headers: { origin: evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      signal: AbortSignal.timeout(15_000),
    });
    await preflight.arrayBuffer();
    const post = await a.post('query Hello { __typename }', undefined, { headers: { origin: evil } });
    for (const res of [preflight, post]) {
      const allow = res.headers.get('access-control-allow-origin');
      assert.ok(allow === null || (allow !== evil && allow !== '*'), `allow-origin: ${allow}`);
      assert.notEqual(res.headers.get('access-control-allow-credentials'), 'true');
    }
  });

  test('CSRF: form posts, multipart, text/plain and GET mutations create nothing and get a 4xx', async () => {
    const victim = await new Browser(stack).init();
    const recordsBefore = await taskRecordCount(stack);
    const mutation = 'mutation { createTask { id } }';
    const json = JSON.stringify({ query: mutation });
    const form = new FormData();
    form.set('operations', json);
    form.set('map', '{}');
    const attempts: Array<[string, RequestInit & { url?: string }]> = [
      [
        'urlencoded',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: mutation }).toString() },
      ],
      ['multipart', { method: 'POST', body: form }],
      ['text/plain', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: json }],
      ['GET', { method: 'GET', url: `${stack.gql}?query=${encodeURIComponent(mutation)}` }],
      ['GET with the CSRF header', { method: 'GET', headers: { 'x-graphql-yoga-csrf': '1' }, url: `${stack.gql}?query=${encodeURIComponent(mutation)}` }],
    ];
    for (const [what, init] of attempts) {
      const res = await fetch(init.url ?? stack.gql, {
        ...init,
        headers: { origin: evil, cookie: victim.cookie!, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      // "Simple" requests are refused by the CSRF check itself (403); a GET that passes it is
      // still never allowed to mutate (405).
      assert.equal(res.status, what === 'GET with the CSRF header' ? 405 : 403, `${what}: HTTP ${res.status} ${text}`);
      let code: string | undefined;
      try {
        code = JSON.parse(text).errors?.[0]?.extensions?.code;
      } catch {
        code = undefined;
      }
      assert.ok(code, `${what}: a coded error: ${text}`);
    }
    assert.deepEqual(await victim.list(), [], "nothing in the victim's list");
    assert.equal(await taskRecordCount(stack), recordsBefore, 'no task record written');
    // The same request as JSON (what the page sends) does work.
    assert.ok((await victim.post(CREATE)).body?.data?.createTask?.id);
  });
});
