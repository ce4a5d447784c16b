/**
 * The frontend process run like a production service, against the real stack (private
 * redis-server, built backend, built frontend): /healthz and /readyz (including the backend
 * going away), /metrics behind METRICS_TOKEN and moved by real traffic, JSON logs without
 * secrets or session ids and with the request id carried to the backend, and no queue
 * dashboard on the public port.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { userTag } from '@longrun/server-common';
import WebSocket from 'ws';
import {
  disposeAllClients,
  killAllChildren,
  startBackend,
  startFrontend,
  startRedis,
  waitUntil,
  watch,
  settle,
  wsClient,
  type Backend,
  type Frontend,
  type RedisServer,
} from '../../testkit/index.js';

const TOKEN = randomBytes(24).toString('base64url');
const SESSION_SECRET = randomBytes(32).toString('base64url');
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
const ADMIN_PASSWORD = `admin-${randomBytes(12).toString('hex')}`;

let redis: RedisServer;
let backend: Backend;
let frontend: Frontend;

before(async () => {
  redis = await startRedis();
  backend = await startBackend({
    REDIS_URL: redis.url,
    INTERNAL_API_TOKEN: TOKEN,
    ADMIN_PASSWORD,
    TASK_MIN_DURATION_MS: '1500',
    TASK_MAX_DURATION_MS: '2500',
    TASK_FAILURE_RATE: '0',
  });
  frontend = await startFrontend({
    NODE_ENV: 'production',
    BACKEND_URL: backend.url,
    INTERNAL_API_TOKEN: TOKEN,
    SESSION_SECRET,
    COOKIE_SECURE: 'false',
    METRICS_TOKEN,
  });
});

after(async () => {
  await disposeAllClients();
  await frontend?.stop();
  await backend?.stop();
  await redis?.stop();
  await killAllChildren();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${frontend.url}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A GraphQL POST through the gateway, as a browser would send it (JSON, with its cookie). */
async function gql(query: string, cookie?: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${frontend.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, body: (await res.json()) as any, cookie: setCookie?.split(';')[0], requestId: res.headers.get('x-request-id') };
}

const scrape = async () => (await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })).text;

function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('health', () => {
  test('/healthz and /readyz answer without a session, and set no cookie', async () => {
    const live = await get('/healthz');
    assert.equal(live.status, 200);
    assert.deepEqual(JSON.parse(live.text), { status: 'ok' });
    assert.equal(live.headers.get('set-cookie'), null);

    const ready = await get('/readyz');
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(JSON.parse(ready.text), { status: 'ready', checks: { next: 'ok', backend: 'ok' } });
    assert.equal(ready.headers.get('set-cookie'), null);
  });
});

describe('no dashboard on the public port', () => {
  test('/admin/queues on the frontend is the 404 page, with or without the admin password', async () => {
    const basic = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` };
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      for (const headers of [{}, basic]) {
        const page = await get(path, headers);
        assert.equal(page.status, 404, `${path}: ${page.status}`);
        assert.doesNotMatch(page.text, /bull-board|longrun queues|"queues"\s*:/i, 'not the board');
      }
    }
    // ...while the backend's private port does serve it (so the test above means something).
    const own = await fetch(`${backend.url.replace(/\/graphql$/, '')}/admin/queues`, { headers: basic });
    assert.equal(own.status, 200);
  });
});

describe('metrics', () => {
  test('/metrics wants METRICS_TOKEN', async () => {
    const none = await get('/metrics');
    assert.equal(none.status, 401);
    assert.doesNotMatch(none.text, /longrun_/);
    assert.equal((await get('/metrics', { authorization: 'Bearer not-the-metrics-token' })).status, 401);
    const ok = await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /^process_cpu_user_seconds_total /m);
  });

  test('a page load, a mutation and a live subscription move the gateway metrics', async () => {
    const before = await scrape();
    assert.equal((await get('/')).status, 200);
    const created = await gql('mutation { createTask { id status } }');
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.data.createTask.id as string;
    assert.ok(created.cookie, 'the gateway issued a session');

    const cookie = created.cookie;
    class CookieSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    }
    const client = wsClient(`${frontend.url.replace(/^http/, 'ws')}/api/graphql`, { webSocketImpl: CookieSocket });
    const w = watch<{ taskStatus: { status: string } }>(client, 'subscription S($id: ID!) { taskStatus(id: $id) { status progress } }', { id });
    await w.waitFor((d) => d.taskStatus.status === 'IN_PROGRESS' || d.taskStatus.status === 'WAITING', 10_000);
    const during = await scrape();
    assert.ok(sample(during, 'longrun_gateway_ws_sockets') >= 1, 'the browser socket is counted');
    assert.ok(sample(during, 'longrun_gateway_subscriptions') >= 1, 'the live subscription is counted');
    assert.equal(sample(during, 'longrun_gateway_upstream_ws_connected'), 1, 'the shared upstream socket is up');
    assert.ok(sample(during, 'longrun_gateway_upstream_ws_events_total', { event: 'connected' }) >= 1);
    const done = await settle(w, 20_000);
    assert.equal(done.data.at(-1)?.taskStatus.status, 'FINISHED');
    await waitUntil(async () => sample(await scrape(), 'longrun_gateway_subscriptions') === 0, {
      timeoutMs: 10_000,
      what: 'the ended subscription is released',
    });

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    assert.ok(moved('longrun_gateway_http_request_duration_seconds_count', { route: '/api/graphql', method: 'POST', status: '200' }) >= 1);
    assert.ok(moved('longrun_gateway_http_request_duration_seconds_count', { route: 'page', method: 'GET', status: '200' }) >= 1);
  });
});

describe('logs', () => {
  test('JSON lines with request id, pseudonymous user and duration; the request id reaches the backend; no secrets or session ids', async () => {
    const first = await gql('mutation { createTask { id } }');
    assert.equal(first.status, 200);
    const cookie = first.cookie!;
    const sessionId = decodeURIComponent(cookie.split('=')[1]).split('.')[0];
    assert.ok(sessionId.length >= 16, 'the raw session id was found in the cookie');
    const second = await gql('query { tasks(first: 5) { id } }', cookie);
    assert.equal(second.status, 200);
    const reqId = second.requestId!;
    assert.ok(reqId, 'the response names its request id');

    const parse = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = await waitUntil(() => parse(frontend.logs.text()).find((e) => e.msg === 'request' && e.reqId === reqId), {
      timeoutMs: 5000,
      what: 'the request line',
    });
    assert.equal(line.path, '/api/graphql');
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(line.user, userTag(sessionId), 'the user is a short hash of the session id');
    for (const entry of parse(frontend.logs.text())) {
      assert.equal(entry.service, 'frontend');
      assert.equal(typeof entry.level, 'number');
      assert.equal(typeof entry.msg, 'string');
    }
    // The same request, in the backend's log, under the same id and user tag.
    const upstream = await waitUntil(() => parse(backend.logs.text()).find((e) => e.msg === 'request' && e.reqId === reqId), {
      timeoutMs: 5000,
      what: 'the backend line',
    });
    assert.equal(upstream.user, userTag(sessionId));

    const everything = frontend.logs.text() + backend.logs.text();
    for (const secret of [TOKEN, SESSION_SECRET, METRICS_TOKEN, ADMIN_PASSWORD, sessionId, cookie]) {
      assert.ok(!everything.includes(secret), `a secret or session id appears in the logs: ${secret.slice(0, 6)}…`);
    }
  });
});

describe('backend down', () => {
  test('/readyz goes 503 (backend unreachable) while /healthz stays 200', async () => {
    await backend.stop();
    const down = await waitUntil(
      async () => {
        const r = await get('/readyz');
        return r.status === 503 ? r : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 250, what: 'frontend not ready' },
    );
    const body = JSON.parse(down.text) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, 'unavailable');
    assert.equal(body.checks.backend, 'unreachable');
    assert.equal(body.checks.next, 'ok');
    assert.doesNotMatch(down.text, /127\.0\.0\.1|http:/, 'no upstream address revealed');
    assert.equal((await get('/healthz')).status, 200);
  });
});

describe('without METRICS_TOKEN', () => {
  test('the public port has no /metrics at all (the 404 page), while the probes still answer', async () => {
    const plain = await startFrontend({
      NODE_ENV: 'production',
      BACKEND_URL: backend.url,
      INTERNAL_API_TOKEN: TOKEN,
      SESSION_SECRET,
      COOKIE_SECURE: 'false',
    });
    try {
      const res = await fetch(`${plain.url}/metrics`, { signal: AbortSignal.timeout(15_000) });
      assert.equal(res.status, 404);
      assert.doesNotMatch(await res.text(), /longrun_|process_cpu/);
      assert.equal((await fetch(`${plain.url}/healthz`)).status, 200);
    } finally {
      await plain.stop();
    }
  });
});
