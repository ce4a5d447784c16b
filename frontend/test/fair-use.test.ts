/**
 * Fair use at the edge, through the real stack: limits per client address (operations, task
 * starts, open sockets), the trusted-proxy setting that names the address, and the global
 * admission bound on queued work. The backend runs no worker, so every task created stays
 * queued and the admission bound is reached exactly.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { redisKeys } from '../../backend/src/redis/redis-keys.js';
import { disposeAllClients, killAllChildren, redisCall, waitUntil, type Frontend } from '../../testkit/index.js';
import { Browser, closedWithin, CREATE, firstError, RawSocket, startStack, STATUS, taskRecordCount, type Stack } from './support.js';

const ADDRESS_CREATE_LIMIT = 5;
const OPS_LIMIT = 30;
const SOCKETS_PER_ADDRESS = 3;
const MAX_QUEUED = 20;
let stack: Stack;
/** A second frontend on the same backend that trusts one proxy hop of X-Forwarded-For. */
let behindProxy: Frontend;
let proxied: Pick<Stack, 'gql' | 'ws' | 'origin'>;

before(async () => {
  stack = await startStack({
    backendEnv: {
      BACKEND_ROLE: 'api',
      // The per-user budget stays out of the way: what bites here is the address's.
      TASK_CREATE_LIMIT: '1000',
      TASK_CREATE_ADDRESS_LIMIT: String(ADDRESS_CREATE_LIMIT),
      TASK_CREATE_WINDOW_S: '60',
      MAX_QUEUED_TASKS: String(MAX_QUEUED),
    },
    // The stack's own frontend trusts no proxy.
    frontendEnv: { ADDRESS_OPS_LIMIT: String(OPS_LIMIT), ADDRESS_OPS_WINDOW_S: '60', WS_MAX_SOCKETS_PER_ADDRESS: String(SOCKETS_PER_ADDRESS) },
  });
  behindProxy = await stack.addFrontend({ TRUSTED_PROXY_HEADER: 'X-Forwarded-For', TRUSTED_PROXY_HOPS: '1' });
  proxied = { gql: `${behindProxy.url}/api/graphql`, ws: `${behindProxy.url.replace(/^http/, 'ws')}/api/graphql`, origin: behindProxy.url };
});

after(async () => {
  await disposeAllClients();
  await stack?.stop();
  await killAllChildren();
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** As the load balancer sends it: whatever the client wrote, then the address it saw. */
const from = (address: string, spoofed?: string) => ({ 'x-forwarded-for': spoofed ? `${spoofed}, ${address}` : address });
const HELLO = 'query Hello { __typename }';
const RETRY = 'mutation R($id: ID!) { retryTask(id: $id) { id } }';

function assertRetryAfter(extensions: Record<string, any> | undefined, max: number, what: string): void {
  const seconds = extensions?.retryAfterSeconds;
  assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= max, `${what}: retryAfterSeconds ${seconds}`);
}

describe('task starts per address', () => {
  test('a cookie-less flood (a fresh session each time) is RATE_LIMITED at the address budget; another address carries on', async () => {
    const flooder = new Browser(proxied);
    const before = await taskRecordCount(stack);
    // Each request spoofs a different left-most entry: the address the proxy appended is what counts.
    const flood = await Promise.all(
      range(ADDRESS_CREATE_LIMIT + 5).map((i) => flooder.post(CREATE, undefined, { anonymous: true, headers: from('203.0.113.7', `10.66.0.${i}`) })),
    );
    const ok = flood.filter((r) => r.body?.data?.createTask?.id);
    const limited = flood.filter((r) => firstError(r.body).code === 'RATE_LIMITED');
    assert.equal(ok.length, ADDRESS_CREATE_LIMIT, flood.map((r) => r.text).join('\n'));
    assert.equal(limited.length, 5);
    for (const r of limited) assertRetryAfter(firstError(r.body).extensions, 60, 'a refused start');
    assert.equal(new Set(ok.map((r) => r.headers.get('set-cookie'))).size, ok.length, 'every request got a session of its own');
    assert.equal(await taskRecordCount(stack), before + ADDRESS_CREATE_LIMIT, 'refused calls created nothing');

    const calm = new Browser(proxied);
    for (const _ of range(3)) {
      const r = await calm.post(CREATE, undefined, { headers: from('203.0.113.8') });
      assert.ok(r.body?.data?.createTask?.id, `the other address: ${r.text}`);
    }
    // retryTask spends the same budget: the flooding address is still refused.
    const retried = await flooder.post(RETRY, { id: ok[0].body!.data.createTask.id }, { anonymous: true, headers: from('203.0.113.7') });
    assert.equal(firstError(retried.body).code, 'RATE_LIMITED', retried.text);
  });

  test('a start that fails (no such task) costs the address nothing', async () => {
    const b = new Browser(proxied);
    const headers = from('203.0.113.20');
    for (const _ of range(ADDRESS_CREATE_LIMIT + 3)) {
      const r = await b.post(RETRY, { id: randomUUID() }, { headers });
      assert.equal(firstError(r.body).code, 'NOT_FOUND', r.text);
    }
    for (const _ of range(ADDRESS_CREATE_LIMIT)) {
      const r = await b.post(CREATE, undefined, { headers });
      assert.ok(r.body?.data?.createTask?.id, r.text);
    }
  });

  test('retryTasks costs the address one start per task it created', async () => {
    const b = new Browser(proxied);
    const headers = from('203.0.113.30');
    for (const _ of range(3)) {
      const r = await b.post(CREATE, undefined, { headers });
      assert.ok(r.body?.data?.createTask?.id, r.text);
    }
    const cancelled = await b.post('mutation C { cancelTasks(filter: { status: [WAITING] }) { applied } }', undefined, { headers });
    assert.equal(cancelled.body?.data?.cancelTasks?.applied, 3, cancelled.text);
    const retried = await b.post('mutation R { retryTasks(filter: { status: [CANCELLED] }) { applied } }', undefined, { headers });
    assert.equal(retried.body?.data?.retryTasks?.applied, 3, retried.text);
    // 3 + 3 of 5 spent: charged one per task, the address is over its budget.
    const refused = await b.post(CREATE, undefined, { headers });
    assert.equal(firstError(refused.body).code, 'RATE_LIMITED', refused.text);
  });
});

describe('operations per address', () => {
  test(`HTTP: ${OPS_LIMIT} requests per window, then 429 RATE_LIMITED with Retry-After; another address carries on`, async () => {
    const b = new Browser(proxied);
    const answers = await Promise.all(
      range(OPS_LIMIT + 5).map((i) => b.post(HELLO, undefined, { anonymous: true, headers: from('198.51.100.1', `10.77.0.${i}`) })),
    );
    const refused = answers.filter((r) => r.status === 429);
    assert.equal(answers.filter((r) => r.status === 200).length, OPS_LIMIT);
    assert.equal(refused.length, 5);
    for (const r of refused) {
      assert.equal(firstError(r.body).code, 'RATE_LIMITED', r.text);
      assertRetryAfter(firstError(r.body).extensions, 60, 'a refused request');
      assert.equal(r.headers.get('retry-after'), String(firstError(r.body).extensions?.retryAfterSeconds));
      assert.equal(r.headers.get('set-cookie'), null, 'refused before any session is made');
    }
    const other = await b.post(HELLO, undefined, { anonymous: true, headers: from('198.51.100.2') });
    assert.equal(other.status, 200, other.text);
  });

  test('WebSocket: subscribe messages spend the same budget; over it, RATE_LIMITED for that operation, the socket lives on', async () => {
    const address = '198.51.100.3';
    const socket = await RawSocket.ready(proxied.ws, { origin: proxied.origin, ...from(address) });
    const id = '00000000-0000-4000-8000-000000000000';
    for (const i of range(OPS_LIMIT + 2)) socket.subscribe(`s${i}`, STATUS, { id });
    const last = await socket.next((m) => m?.id === `s${OPS_LIMIT + 1}` && m.type === 'error', 10_000);
    assert.equal(last.payload[0].extensions.code, 'RATE_LIMITED', JSON.stringify(last));
    assertRetryAfter(last.payload[0].extensions, 60, 'a refused subscribe');
    // Within the budget the operation ran: the backend found no such task.
    const first = await socket.next((m) => m?.id === 's0' && m.type !== 'complete', 10_000);
    const firstErrors = Array.isArray(first.payload) ? first.payload : first.payload?.errors;
    assert.equal(firstErrors?.[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(first));
    assert.ok(socket.isOpen);
    // The address's HTTP requests share that budget.
    const http = await new Browser(proxied).post(HELLO, undefined, { anonymous: true, headers: from(address) });
    assert.equal(http.status, 429, http.text);
    socket.close();
  });

  test('a frontend that trusts no proxy ignores X-Forwarded-For: every request counts under the socket peer', async () => {
    const b = new Browser(stack);
    const answers = await Promise.all(range(OPS_LIMIT + 5).map((i) => b.post(HELLO, undefined, { anonymous: true, headers: from(`192.0.2.${i + 1}`) })));
    assert.equal(answers.filter((r) => r.status === 200).length, OPS_LIMIT);
    assert.equal(answers.filter((r) => r.status === 429).length, 5);
  });
});

describe('sockets per address', () => {
  test(`${SOCKETS_PER_ADDRESS} open, the next closed with 1013 and a reason saying when to retry; other addresses unaffected`, async () => {
    const headers = { origin: proxied.origin, ...from('192.0.2.50') };
    // Cookie-less: each socket is another session, so only the address caps them.
    const sockets = await Promise.all(range(SOCKETS_PER_ADDRESS).map(() => RawSocket.ready(proxied.ws, headers)));
    const extra = await RawSocket.open(proxied.ws, headers);
    const closed = await closedWithin(extra, 5000);
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /too many connections from this address; retry in \d+ s/i);
    const other = await RawSocket.ready(proxied.ws, { origin: proxied.origin, ...from('192.0.2.51') });
    assert.ok(other.isOpen);
    other.close();
    sockets[0].close();
    await waitUntil(
      async () => {
        const s = await RawSocket.open(proxied.ws, headers);
        const open = await closedWithin(s, 300).then(
          () => false,
          () => true,
        );
        s.close();
        return open;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'a freed slot is reusable' },
    );
    for (const s of sockets) s.close();
  });
});

describe('admission bound', () => {
  test(`at MAX_QUEUED_TASKS (${MAX_QUEUED}) queued, createTask is SERVICE_UNAVAILABLE with retryAfterSeconds and queues nothing`, async () => {
    // Every job has a priority (NORMAL too), so BullMQ keeps queued jobs in its prioritized set, not its wait list.
    const queue = `${redisKeys(stack.backend.prefix).bullPrefix}:tasks`;
    const waiting = async () =>
      Number(await redisCall(stack.redis.port, 'LLEN', `${queue}:wait`)) + Number(await redisCall(stack.redis.port, 'ZCARD', `${queue}:prioritized`));
    const queued = await waiting();
    assert.ok(queued < MAX_QUEUED, `${queued} queued so far`);
    // One start per address, so no address budget is what stops them.
    for (const i of range(MAX_QUEUED - queued)) {
      const r = await new Browser(proxied).post(CREATE, undefined, { headers: from(`100.64.0.${i + 1}`) });
      assert.ok(r.body?.data?.createTask?.id, r.text);
    }
    assert.equal(await waiting(), MAX_QUEUED);
    const records = await taskRecordCount(stack);
    const refused = await new Browser(proxied).post(CREATE, undefined, { headers: from('100.64.1.1') });
    assert.equal(firstError(refused.body).code, 'SERVICE_UNAVAILABLE', refused.text);
    assert.match(firstError(refused.body).message ?? '', /too many tasks are waiting/i);
    assertRetryAfter(firstError(refused.body).extensions, 60, 'a full queue');
    assert.equal(await taskRecordCount(stack), records, 'no record was written');
    assert.equal(await waiting(), MAX_QUEUED, 'nothing was queued');
  });
});
