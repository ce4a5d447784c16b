/**
 * What production answers reveal, on both tiers: unexpected errors masked with a correlation id
 * and no stack traces; no introspection, field suggestions or GraphiQL; a Secure session
 * cookie; and, with TRUSTED_DOCUMENTS=true, only the app's own operations.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateTaskDocument, TaskHistoryDocument, TaskUpdatesDocument } from '../../operations/generated/graphql.js';
import {
  backendHeaders,
  collect,
  disposeAllClients,
  gqlHttpResponse,
  killAllChildren,
  redisCall,
  sleep,
  waitUntil,
  watch,
  type Frontend,
} from '../../testkit/index.js';
import {
  assertNoInternals,
  Browser,
  firstError,
  persistedDocuments,
  sessionSetCookie,
  startStack,
  STATUS,
  TASK,
  TASKS,
  UUID_V4,
  type Stack,
  type Task,
} from './support.js';
import { redisKeys } from '../../backend/src/redis/redis-keys.js';
import { encodePageData, PAGE_DATA_HEADER } from '../src/server/page-data.js';

let stack: Stack;
/** A second frontend on the same backend, with TRUSTED_DOCUMENTS=true. */
let trusted: Frontend;

before(async () => {
  stack = await startStack({
    // API only, no worker: tasks stay WAITING, so nothing but the test changes their records.
    backendEnv: { NODE_ENV: 'production', BACKEND_ROLE: 'api' },
    // Production defaults throughout: no GRAPHIQL, COOKIE_SECURE unset (so on).
    frontendEnv: { COOKIE_SECURE: undefined },
  });
  trusted = await stack.addFrontend({ TRUSTED_DOCUMENTS: 'true' });
});

after(async () => {
  await disposeAllClients();
  await stack?.stop();
  await killAllChildren();
});

const INTROSPECTION = ['query I { __schema { types { name } } }', 'query T { __type(name: "Task") { fields { name } } }'];
/** Misspelt fields, each one edit away from a real one. */
const TYPOS = ['query Typo { taks(first: 1) { id } }', 'query Typo { tasks(first: 1) { stats } }', 'mutation Typo { createTsk { id } }'];

describe('unexpected errors', () => {
  test('masked as INTERNAL_SERVER_ERROR with a correlationId the backend logged; no internals (HTTP and WS)', async () => {
    const browser = await new Browser(stack).init();
    const task = await browser.create();
    // A record the code does not expect (progress is not a number): a genuine unexpected failure.
    await redisCall(stack.redis.port, 'HSET', redisKeys(stack.backend.prefix).task(task.id), 'progress', 'not-a-number');
    const res = await browser.post(TASK, { id: task.id });
    assertNoInternals(res.text);
    const error = firstError(res.body);
    assert.equal(error.code, 'INTERNAL_SERVER_ERROR', res.text);
    assert.equal(error.message, 'Internal server error');
    assert.match(String(error.extensions?.correlationId), UUID_V4);
    await waitUntil(() => stack.backend.logs.text().includes(error.extensions!.correlationId), {
      timeoutMs: 10_000,
      what: 'the correlation id in the backend log',
    });
    assert.doesNotMatch(
      stack.backend.logs.lines(new RegExp(error.extensions!.correlationId)).join('\n'),
      new RegExp(browser.sessionValue!.split('.')[0]),
      'the log line names no session',
    );

    const client = browser.ws();
    const sub = watch(client, STATUS, { id: task.id });
    await waitUntil(() => sub.results.some((r) => r.errors), { timeoutMs: 15_000, what: 'the masked error over WS' });
    const wsError = sub.results.find((r) => r.errors)!.errors![0];
    assertNoInternals(JSON.stringify(sub.results));
    assert.equal(wsError.extensions?.code, 'INTERNAL_SERVER_ERROR', JSON.stringify(sub.results));
    assert.match(String(wsError.extensions?.correlationId), UUID_V4);
    sub.unsubscribe();
    await client.dispose();
  });

  test('no stack traces in any refusal (gateway and backend)', async () => {
    const browser = await new Browser(stack).init();
    const bodies = [
      '{',
      '[]',
      '{"query": 5}',
      '{"query": "query {"}',
      '{"query": "query { nope }"}',
      '{"query": "{ tasks { id } }", "variables": "x"}',
      '{"query": "query A { tasks { id } } query B { tasks { id } }"}',
    ];
    for (const body of bodies) {
      for (const url of [stack.gql, stack.backend.url]) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: browser.cookie!, ...backendHeaders(stack.backend.token, 'prod_user_1') },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        assert.ok(res.status < 500, `${url} ${body}: HTTP ${res.status} ${text}`);
        assertNoInternals(text, `${url} ${body}`);
      }
    }
  });
});

describe('exploration is off in production', () => {
  test('gateway: introspection refused and no field suggestions, on HTTP and WS', async () => {
    const browser = await new Browser(stack).init();
    const client = browser.ws();
    for (const query of INTROSPECTION) {
      const res = await browser.post(query);
      assert.equal(res.body?.data ?? null, null, res.text);
      assert.ok(firstError(res.body).code, res.text);
      const sub = await collect(client, query, undefined, undefined, 15_000);
      assert.deepEqual(sub.data, [], JSON.stringify(sub));
      assert.ok(sub.errors[0]?.extensions?.code, JSON.stringify(sub));
    }
    for (const query of TYPOS) {
      const res = await browser.post(query);
      assert.equal(firstError(res.body).code, 'GRAPHQL_VALIDATION_FAILED', res.text);
      assert.doesNotMatch(res.text, /did you mean/i);
      const sub = await collect(client, query, undefined, undefined, 15_000);
      assert.equal(sub.errors[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', JSON.stringify(sub));
      assert.doesNotMatch(JSON.stringify(sub.errors), /did you mean/i);
    }
    await client.dispose();
  });

  test('gateway: GraphiQL is not served', async () => {
    const res = await fetch(stack.gql, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    assert.notEqual(res.status, 200, text.slice(0, 200));
    assert.doesNotMatch(res.headers.get('content-type') ?? '', /text\/html/);
    assert.doesNotMatch(text, /graphiql/i);
  });

  test('backend: introspection refused and no field suggestions', async () => {
    const headers = backendHeaders(stack.backend.token, 'prod_user_2');
    for (const query of INTROSPECTION) {
      const res = await gqlHttpResponse(stack.backend.url, query, undefined, headers);
      assert.equal(res.body?.data ?? null, null, res.text);
      assert.ok(firstError(res.body).code, res.text);
    }
    for (const query of TYPOS) {
      const res = await gqlHttpResponse(stack.backend.url, query, undefined, headers);
      assert.equal(firstError(res.body).code, 'GRAPHQL_VALIDATION_FAILED', res.text);
      assert.doesNotMatch(res.text, /did you mean/i);
    }
  });
});

describe('session cookie in production', () => {
  test('Secure, HttpOnly, SameSite=Lax unless COOKIE_SECURE=false', async () => {
    const res = await new Browser(stack).post('query Hello { __typename }');
    const cookie = sessionSetCookie(res.headers);
    const attributes =
      cookie
        ?.split(';')
        .slice(1)
        .map((a) => a.trim().toLowerCase()) ?? [];
    for (const a of ['secure', 'httponly', 'samesite=lax']) assert.ok(attributes.includes(a), `${a} in ${cookie}`);
  });
});

describe('trusted documents', () => {
  const documents = persistedDocuments();
  const hashOf = (operation: RegExp) => {
    const found = Object.entries(documents).find(([, text]) => operation.test(text));
    assert.ok(found, `a shipped operation matching ${operation}`);
    return found[0];
  };
  const ext = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
  const at = () => ({ gql: `${trusted.url}/api/graphql`, ws: `${trusted.url.replace(/^http/, 'ws')}/api/graphql`, origin: trusted.url });

  test("the page is rendered with the session's tasks (read by the page's own operation), and a page-data header from outside is ignored", async () => {
    const browser = await new Browser(at()).init();
    const created = await browser.post('', undefined, { extensions: ext(hashOf(/mutation CreateTask/)) });
    const task = created.body?.data?.createTask as Task;
    assert.match(task?.id ?? '', UUID_V4, created.text);
    const forged = encodePageData([{ ...task, __typename: 'Task', id: 'forged-task' }]);
    const res = await fetch(`${trusted.url}/`, { headers: { cookie: browser.cookie!, [PAGE_DATA_HEADER]: forged }, signal: AbortSignal.timeout(20_000) });
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.ok(html.includes(`data-task-id="${task.id}"`), 'the task is in the server-rendered HTML');
    assert.ok(!html.includes('forged-task'), 'nothing from the forged header');
  });

  test('HTTP: shipped operations run by hash (the stored text, whatever was sent); anything else is refused with a code', async () => {
    const browser = await new Browser(at()).init();
    const created = await browser.post('mutation Evil { a: createTask { id } b: createTask { id } }', undefined, {
      extensions: ext(hashOf(/mutation CreateTask/)),
    });
    assert.equal(created.body?.errors, undefined, created.text);
    assert.match(created.body?.data?.createTask?.id, UUID_V4, 'the stored CreateTask ran, not the text sent');
    const listed = await browser.post('', { first: 10 }, { extensions: ext(hashOf(/query TaskHistory/)) });
    assert.equal(listed.body?.data?.taskHistory?.edges?.length, 1, listed.text);
    const refusals = [
      await browser.post(TASKS, { first: 10 }),
      await browser.post('mutation { createTask { id } }'),
      await browser.post(TASKS, { first: 10 }, { extensions: ext(`sha256:${'0'.repeat(64)}`) }),
      await browser.post(TASKS, { first: 10 }, { extensions: { persistedQuery: { version: 1, sha256Hash: 42 } } }),
    ];
    for (const res of refusals) {
      assert.equal(res.body?.data ?? null, null, res.text);
      assert.equal(firstError(res.body).code, 'BAD_REQUEST', res.text);
    }
    const tasks = (await browser.post('', { first: 10 }, { extensions: ext(hashOf(/query TaskHistory/)) })).body?.data?.taskHistory?.edges as unknown[];
    assert.equal(tasks.length, 1, 'refused operations created nothing');
  });

  test("the CLI's operations (operations/) are shipped too: they run by their own hash", async () => {
    const browser = await new Browser(at()).init();
    const hash = (CreateTaskDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
    const created = await browser.post(CreateTaskDocument.toString(), undefined, { extensions: ext(hash) });
    assert.equal(created.body?.errors, undefined, created.text);
    assert.match(created.body?.data?.createTask?.id, UUID_V4);
  });

  test("the CLI's list operations run by hash too: taskUpdates over the WebSocket sees a task created over HTTP, taskHistory lists it", async () => {
    const browser = await new Browser(at()).init();
    const byHash = (doc: unknown) => ext((doc as { __meta__: { hash: string } }).__meta__.hash);
    const client = browser.ws({ lazy: false });
    const updates = watch<{ taskUpdates: Task }>(client, TaskUpdatesDocument.toString(), undefined, byHash(TaskUpdatesDocument));
    await sleep(300);
    const created = await browser.post(CreateTaskDocument.toString(), undefined, { extensions: byHash(CreateTaskDocument) });
    const id = created.body?.data?.createTask?.id as string;
    assert.match(id, UUID_V4, created.text);
    const update = await updates.waitFor((d) => d.taskUpdates.id === id, 10_000);
    assert.equal(update.taskUpdates.version, 1);
    const listed = await browser.post(TaskHistoryDocument.toString(), { first: 5 }, { extensions: byHash(TaskHistoryDocument) });
    assert.deepEqual(
      listed.body?.data?.taskHistory?.edges?.map((e: { node: Task }) => e.node.id),
      [id],
      listed.text,
    );
    updates.unsubscribe();
    await client.dispose();
  });

  test('WS: a shipped subscription runs by hash; arbitrary text is refused with a code, the socket lives on', async () => {
    const browser = await new Browser(at()).init();
    const created = await browser.post('', undefined, { extensions: ext(hashOf(/mutation CreateTask/)) });
    const id = created.body?.data?.createTask?.id as string;
    assert.match(id, UUID_V4, created.text);
    const client = browser.ws({ lazy: false });
    const refused = await collect(client, STATUS, { id }, undefined, 15_000);
    assert.deepEqual(refused.data, []);
    assert.equal(refused.errors[0]?.extensions?.code, 'BAD_REQUEST', JSON.stringify(refused));
    const unknown = await collect(client, STATUS, { id }, ext(`sha256:${'f'.repeat(64)}`), 15_000);
    assert.equal(unknown.errors[0]?.extensions?.code, 'BAD_REQUEST', JSON.stringify(unknown));
    const sub = collect<{ taskStatus: Task }>(
      client,
      'subscription Evil { taskStatus(id: "x") { id } }',
      { id },
      ext(hashOf(/subscription TaskStatus/)),
      15_000,
    );
    const first = await Promise.race([sub, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    // The task stays WAITING (no worker here), so the stored subscription is still live.
    assert.equal(first, null, `still live: ${JSON.stringify(first)}`);
    assert.equal(client.connects(), 1);
    assert.deepEqual(client.closes, []);
    await client.dispose();
    const done = await sub;
    assert.equal(done.data[0]?.taskStatus.id, id, JSON.stringify(done));
  });
});
