/**
 * The gateway end to end: the built frontend (production mode) in front of the built backend,
 * with a counting TCP proxy between them. Same schema, operations passing through on both
 * transports, the session applied, Origin checks, and one shared upstream socket.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type IntrospectionQuery } from 'graphql';
import {
  collect,
  disposeAllClients,
  killAllChildren,
  redisCall,
  REPO_ROOT,
  settle,
  sleep,
  startBackend,
  waitUntil,
  watch,
  type Watch,
} from '../../testkit/index.js';
import { TaskUpdatesDocument } from '../../operations/generated/graphql.js';
import { Browser, CANCEL, firstError, sessionSetCookie, startStack, STATUS, TASK, UUID_V4, upgradeStatus, type Stack, type Task } from './support.js';

const ALLOWED = 'https://app.example';
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
let stack: Stack;

before(async () => {
  stack = await startStack({
    // Long enough that nine subscriptions are live at once in the sharing test.
    backendEnv: { TASK_MIN_DURATION_MS: '4000', TASK_MAX_DURATION_MS: '6000', METRICS_TOKEN },
    frontendEnv: { GRAPHIQL: 'true', ALLOWED_ORIGINS: ALLOWED },
  });
});

after(async () => {
  await disposeAllClients();
  await stack?.stop();
  await killAllChildren();
});

type StatusData = { taskStatus: Task };

describe('schema', () => {
  test('the gateway serves exactly schema/schema.graphql', async () => {
    const browser = new Browser(stack);
    const query = getIntrospectionQuery({
      descriptions: true,
      schemaDescription: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    const res = await browser.post<IntrospectionQuery>(query);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body?.errors, undefined, res.text);
    const served = printSchema(lexicographicSortSchema(buildClientSchema(res.body!.data!)));
    const source = printSchema(lexicographicSortSchema(buildSchema(readFileSync(`${REPO_ROOT}/schema/schema.graphql`, 'utf8'))));
    assert.equal(served, source);
  });
});

describe('exploration (GRAPHIQL=true)', () => {
  test('GraphiQL is served, self-hosted, and validation errors suggest fields', async () => {
    const page = await fetch(stack.gql, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(15_000) });
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(html, /graphiql/i);
    assert.doesNotMatch(html, /<script[^>]+src="https?:\/\//i, 'no script from a CDN');
    const typo = await new Browser(stack).post('query Typo { taks(first: 1) { id } }');
    assert.equal(firstError(typo.body).code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(typo.text, /did you mean/i);
  });
});

describe('pass-through', () => {
  test('queries and mutations over HTTP reach the backend and come back', async () => {
    const browser = await new Browser(stack).init();
    const created = await browser.create();
    assert.match(created.id, UUID_V4);
    assert.equal(created.status, 'WAITING');
    assert.equal(created.version, 1);
    const read = await browser.ok<Task>(TASK, 'task', { id: created.id });
    assert.equal(read.id, created.id);
    const list = await browser.list();
    assert.deepEqual(
      list.map((t) => t.id),
      [created.id],
    );
    const cancelled = await browser.ok<Task>(CANCEL, 'cancelTask', { id: created.id });
    assert.equal(cancelled.status, 'CANCELLED');
    const again = await browser.post(CANCEL, { id: created.id });
    assert.equal(firstError(again.body).code, 'TASK_NOT_CANCELLABLE', 'backend errors pass through with their code');
  });

  test('a subscription over the WebSocket follows a task to its final state', async () => {
    const browser = await new Browser(stack).init();
    const task = await browser.create();
    const client = browser.ws();
    const result = await collect<StatusData>(client, STATUS, { id: task.id }, undefined, 30_000);
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.deepEqual(result.errors, []);
    assert.equal(result.completed, true);
    const statuses = result.data.map((d) => d.taskStatus.status);
    assert.equal(statuses.at(-1), 'FINISHED', statuses.join(' '));
    assert.ok(statuses.includes('IN_PROGRESS'), statuses.join(' '));
    const versions = result.data.map((d) => d.taskStatus.version);
    for (let i = 1; i < versions.length; i++) assert.equal(versions[i], versions[i - 1] + 1, `versions ${versions.join(',')}`);
    await client.dispose();
  });

  test('a subscription over HTTP (GraphQL over SSE, or plain JSON) is refused with BAD_REQUEST: the WebSocket is its only transport', async () => {
    const browser = await new Browser(stack).init();
    const task = await browser.create();
    for (const accept of ['text/event-stream', 'application/json']) {
      const res = await browser.post(STATUS, { id: task.id }, { headers: { accept } });
      assert.equal(res.status, 400, `${accept}: ${res.text}`);
      assert.match(res.text, /"code":"BAD_REQUEST"/, accept);
      assert.match(res.text, /over WebSocket only/, accept);
      assert.doesNotMatch(res.text, /"taskStatus"/, `${accept}: no event of the task`);
    }
  });
});

describe('session', () => {
  test('a cookie-less request gets an HttpOnly, SameSite=Lax session cookie (not Secure when COOKIE_SECURE=false)', async () => {
    const browser = new Browser(stack);
    const res = await browser.post('query Hello { __typename }');
    const cookie = sessionSetCookie(res.headers);
    assert.ok(cookie, `no session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
    const attributes = cookie
      .split(';')
      .slice(1)
      .map((a) => a.trim().toLowerCase());
    assert.ok(attributes.includes('httponly'), cookie);
    assert.ok(attributes.includes('samesite=lax'), cookie);
    assert.ok(attributes.includes('path=/'), cookie);
    assert.ok(!attributes.includes('secure'), cookie);
    assert.match(cookie, /^longrun_session=[A-Za-z0-9_-]{32}\.[0-9a-z]+\.[A-Za-z0-9_-]+;/);
    const second = await browser.post('query Hello { __typename }');
    assert.equal(sessionSetCookie(second.headers), undefined, 'a valid fresh session is not re-issued');
  });

  test("tasks made with cookie A are NOT_FOUND with cookie B, on HTTP and WS, and absent from B's list", async () => {
    const a = await new Browser(stack).init();
    const b = await new Browser(stack).init();
    assert.notEqual(a.cookie, b.cookie);
    const task = await a.create();
    for (const doc of [TASK, CANCEL]) {
      const res = await b.post(doc, { id: task.id });
      assert.equal(firstError(res.body).code, 'NOT_FOUND', res.text);
      assert.equal(res.body?.data?.task ?? null, null);
    }
    assert.deepEqual(await b.list(), []);
    const wsB = b.ws();
    const foreign = await collect<StatusData>(wsB, STATUS, { id: task.id }, undefined, 15_000);
    assert.deepEqual(foreign.data, [], 'no event of A reaches B');
    assert.equal(foreign.errors[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(foreign));
    assert.deepEqual(
      (await a.list()).map((t) => t.id),
      [task.id],
      'A still sees its own task',
    );
    const wsA = a.ws();
    const own = watch<StatusData>(wsA, STATUS, { id: task.id });
    await own.waitFor(() => true, 15_000);
    own.unsubscribe();
    await Promise.all([wsA.dispose(), wsB.dispose()]);
  });
});

describe('origin', () => {
  test('a foreign Origin gets HTTP 403 on upgrade; the own origin, ALLOWED_ORIGINS and non-browser clients get through', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example', `${stack.origin}.evil.example`]) {
      assert.equal(await upgradeStatus(stack.ws, { origin }), 403, origin);
    }
    assert.equal(await upgradeStatus(stack.ws, { origin: stack.origin }), 101);
    assert.equal(await upgradeStatus(stack.ws, { origin: ALLOWED }), 101);
    assert.equal(await upgradeStatus(stack.ws, {}), 101, 'no Origin: not a browser');
  });
});

describe('shared upstream', () => {
  test('3 browsers × 3 subscriptions share ONE upstream WebSocket to the backend', async () => {
    const browsers = await Promise.all([0, 1, 2].map(() => new Browser(stack).init()));
    const tasks = await Promise.all(browsers.map(async (b) => [await b.create(), await b.create(), await b.create()]));
    // Queries and mutations have a socket of their own (upstream.ts), closed a second after the last one.
    await waitUntil(() => stack.proxy.openUpgrades() === 0, { timeoutMs: 15_000, what: 'the idle query socket closes' });
    const upgradesBefore = stack.proxy.upgrades();
    const clients = browsers.map((b) => b.ws());
    const watches: Watch<StatusData>[] = [];
    browsers.forEach((_, i) => {
      for (const task of tasks[i]) watches.push(watch<StatusData>(clients[i], STATUS, { id: task.id }));
    });
    // Every subscription has its snapshot, none has ended: all nine are live upstream.
    await Promise.all(watches.map((w) => w.waitFor(() => true, 20_000)));
    const ended = await Promise.race([Promise.any(watches.map((w) => w.done)).then(() => true), Promise.resolve(false)]);
    assert.equal(ended, false, 'all nine subscriptions are live (tasks outlast the set-up)');
    assert.equal(stack.proxy.openUpgrades(), 1, 'exactly one upstream WebSocket is open');
    assert.ok(stack.proxy.upgrades() - upgradesBefore <= 1, `upgrades during the test: ${stack.proxy.upgrades() - upgradesBefore}`);
    const results = await Promise.all(watches.map((w) => settle(w, 30_000)));
    for (const r of results) assert.equal(r.data.at(-1)?.taskStatus.status, 'FINISHED', JSON.stringify(r.errors));
    assert.ok(stack.proxy.upgrades() - upgradesBefore <= 1, 'still one upstream socket at the end');
    await Promise.all(clients.map((c) => c.dispose()));
    // The lazy upstream socket closes once no subscription is left.
    await waitUntil(() => stack.proxy.openUpgrades() === 0, { timeoutMs: 15_000, what: 'the idle upstream socket closes' });
  });

  test("one user's three tabs on one task share ONE upstream subscription; a tab that joins late starts from the newest status", async () => {
    const browser = await new Browser(stack).init();
    const task = await browser.create();
    const tabs = [browser.ws(), browser.ws(), browser.ws()];
    const first = watch<StatusData>(tabs[0], STATUS, { id: task.id });
    const second = watch<StatusData>(tabs[1], STATUS, { id: task.id });
    const running = await first.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS' && d.taskStatus.version >= 3, 20_000);
    const late = watch<StatusData>(tabs[2], STATUS, { id: task.id });
    const snapshot = await late.waitFor(() => true, 20_000);
    assert.ok(
      snapshot.taskStatus.version >= running.taskStatus.version,
      `the late tab starts at v${snapshot.taskStatus.version}, the first was at v${running.taskStatus.version}`,
    );
    assert.equal(await backendSubscriptions(), 1, 'one stream at the backend for three tabs');
    const [a, b, c] = await Promise.all([first, second, late].map((w) => settle(w, 30_000)));
    for (const r of [a, b, c]) {
      const versions = r.data.map((d) => d.taskStatus.version);
      assert.ok(
        versions.every((v, i) => i === 0 || v > versions[i - 1]),
        `versions rise: ${versions}`,
      );
      assert.equal(r.data.at(-1)?.taskStatus.status, 'FINISHED', JSON.stringify(r.errors));
    }
    assert.deepEqual(
      b.data.map((d) => d.taskStatus.version),
      a.data.map((d) => d.taskStatus.version),
      'the two tabs from the start saw the same versions',
    );
    await Promise.all(tabs.map((t) => t.dispose()));
    await waitUntil(async () => (await backendSubscriptions()) === 0, { timeoutMs: 15_000, what: 'no stream left at the backend' });
  });

  test("cutting one of a user's tabs leaves the other live; cutting the last releases the backend's stream at once", async () => {
    const browser = await new Browser(stack).init();
    const task = await browser.create();
    const tabs = [browser.ws(), browser.ws()];
    const [first, second] = tabs.map((t) => watch<StatusData>(t, STATUS, { id: task.id }));
    await Promise.all([first, second].map((w) => w.waitFor(() => true, 20_000)));
    assert.equal(await backendSubscriptions(), 1);
    await tabs[0].dispose();
    const seen = second.data.at(-1)!.taskStatus.version;
    await second.waitFor((d) => d.taskStatus.version > seen, 20_000);
    assert.equal(await backendSubscriptions(), 1, 'the other tab still holds it');
    await tabs[1].dispose();
    // Well before the task's next event could end it (events are ~0.2-0.3 s apart, the task 4-6 s).
    await waitUntil(async () => (await backendSubscriptions()) === 0, { timeoutMs: 3_000, intervalMs: 50, what: "the backend's stream released" });
  });
});

describe('a backend that cannot serve for a moment', () => {
  test('a subscription the backend refuses with SERVICE_UNAVAILABLE stays open and starts once it can, the browser none the wiser', async () => {
    const browser = await new Browser(stack).init();
    const task = await browser.create();
    // Another API of the same deployment, whose Redis user may not read a task's record: it
    // refuses every taskStatus subscribe with SERVICE_UNAVAILABLE (graphql-ws sends such a
    // refusal as a result without data, then complete), as an API does while its Redis reconnects.
    await redisCall(stack.redis.port, 'ACL', 'SETUSER', 'noread', 'on', '>noread-secret', '~*', '&*', '+@all', '-hgetall');
    const url = new URL(stack.redis.url);
    url.username = 'noread';
    url.password = 'noread-secret';
    const api = await startBackend(
      { REDIS_URL: url.toString(), REDIS_PREFIX: stack.backend.prefix, INTERNAL_API_TOKEN: stack.token, BACKEND_ROLE: 'api' },
      { name: 'backend-noread' },
    );
    const front = await stack.addFrontend({ BACKEND_URL: api.url });
    try {
      const there = new Browser({ gql: `${front.url}/api/graphql`, ws: `${front.url.replace(/^http/, 'ws')}/api/graphql`, origin: front.url }, browser.cookie);
      const client = there.ws();
      const live = watch<StatusData>(client, STATUS, { id: task.id });
      // Long enough for several refusals (the gateway tries again after 0.1, 0.2, 0.4, 0.8 s...).
      const ended = await Promise.race([live.done.then(() => true), sleep(3000).then(() => false)]);
      assert.deepEqual([live.results.length, ended], [0, false], `nothing reached the browser, and it is still open: ${JSON.stringify(live.results)}`);
      await redisCall(stack.redis.port, 'ACL', 'SETUSER', 'noread', '+hgetall');
      const r = await settle(live, 30_000);
      assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
      assert.equal(r.data.at(-1)?.taskStatus.status, 'FINISHED');
      await client.dispose();
    } finally {
      await front.stop();
      await api.stop();
    }
  });
});

describe('the list through the gateway', () => {
  type UpdatesData = { taskUpdates: Task };
  const UPDATES = TaskUpdatesDocument.toString();

  test("taskUpdates: a task created elsewhere shows up live in each of the user's tabs to its final state, another user's never; one upstream stream per user", async () => {
    const a = await new Browser(stack).init();
    const b = await new Browser(stack).init();
    const tabs = [a.ws(), a.ws()];
    const elsewhere = b.ws();
    const before = await backendSubscriptions();
    const watches = tabs.map((t) => watch<UpdatesData>(t, UPDATES));
    const theirs = watch<UpdatesData>(elsewhere, UPDATES);
    await waitUntil(async () => (await backendSubscriptions()) === before + 2, {
      timeoutMs: 10_000,
      what: "two streams at the backend: one per user, the tabs' shared",
    });
    // Over HTTP, as from another tab or device: no subscription of this socket made it.
    const task = await a.create();
    const foreign = await b.create();
    // A second task once the first is a few versions in: its version 1 follows higher ones of
    // another task on the same stream, and must not be taken for a repeat.
    await watches[0].waitFor((d) => d.taskUpdates.id === task.id && d.taskUpdates.version >= 3, 20_000);
    const second = await a.create();
    for (const t of [task, second]) {
      const finals = await Promise.all(watches.map((w) => w.waitFor((d) => d.taskUpdates.id === t.id && d.taskUpdates.status === 'FINISHED', 30_000)));
      const stored = await a.ok<Task>(TASK, 'task', { id: t.id });
      for (const [i, w] of watches.entries()) {
        assert.deepEqual(finals[i].taskUpdates, stored, 'the last update equals the stored task');
        const versions = w.data
          .map((d) => d.taskUpdates)
          .filter((u) => u.id === t.id)
          .map((u) => u.version);
        assert.equal(versions[0], 1, 'from its creation');
        assert.ok(
          versions.every((v, j) => j === 0 || v > versions[j - 1]),
          `versions rise: ${versions}`,
        );
      }
    }
    await theirs.waitFor((d) => d.taskUpdates.id === foreign.id && d.taskUpdates.status === 'FINISHED', 30_000);
    for (const w of watches) assert.ok(!w.data.some((d) => d.taskUpdates.id === foreign.id), "no event of another user's task");
    assert.ok(!theirs.data.some((d) => d.taskUpdates.id !== foreign.id), "only b's task on b's socket");
    const ended = await Promise.race([Promise.any([...watches, theirs].map((w) => w.done)).then(() => true), sleep(300).then(() => false)]);
    assert.equal(ended, false, 'taskUpdates never completes');
    await Promise.all([...tabs, elsewhere].map((t) => t.dispose()));
    await waitUntil(async () => (await backendSubscriptions()) === before, { timeoutMs: 5_000, what: "the backend's streams released" });
  });

  test('taskHistory and the bulk actions pass through over HTTP, with their coded errors', async () => {
    const browser = await new Browser(stack).init();
    const made = [await browser.create(), await browser.create()];
    const history = `query ($first: Int, $after: String) {
      taskHistory(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount countsByStatus { status count } }
    }`;
    const first = await browser.ok(history, 'taskHistory', { first: 1 });
    assert.deepEqual(
      first.edges.map((e: { node: Task }) => e.node.id),
      [made[1].id],
    );
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.equal(first.totalCount, 2);
    const second = await browser.ok(history, 'taskHistory', { first: 1, after: first.pageInfo.endCursor });
    assert.deepEqual(
      second.edges.map((e: { node: Task }) => e.node.id),
      [made[0].id],
    );
    const bad = await browser.post(history, { after: 'nonsense' });
    assert.equal(firstError(bad.body).code, 'BAD_USER_INPUT');
    assert.equal(bad.body?.errors?.[0]?.extensions?.field, 'after');
    const dry = await browser.ok('mutation { cancelTasks(filter: {}, dryRun: true) { matched applied skipped hasMore } }', 'cancelTasks');
    assert.deepEqual(dry, { matched: 2, applied: 2, skipped: 0, hasMore: false });
    const done = await browser.ok('mutation { cancelTasks(filter: { status: [WAITING, IN_PROGRESS] }) { matched applied skipped } }', 'cancelTasks');
    assert.deepEqual(done, { matched: 2, applied: 2, skipped: 0 });
  });
});

/** Live task streams (status, timeline, updates) at the backend, from its /metrics. */
async function backendSubscriptions(): Promise<number> {
  const res = await fetch(new URL('/metrics', stack.backend.url), {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const m = /^longrun_task_subscriptions (\d+)/m.exec(text);
  assert.ok(m, `no longrun_task_subscriptions in /metrics (HTTP ${res.status})`);
  return Number(m[1]);
}
