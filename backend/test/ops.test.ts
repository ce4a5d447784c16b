/**
 * Running in production, end to end: an API process and a worker-only process (with its own
 * health listener) on a private redis-server. Health and readiness (including a Redis outage),
 * JSON logs without secrets, Prometheus metrics moved by a real task, the queue dashboard's
 * door, and the worker listener closing on SIGTERM.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { userTag } from '@longrun/server-common';
import {
  backendWsClient,
  collect,
  disposeAllClients,
  killAllChildren,
  startBackend,
  startRedis,
  waitUntil,
  within,
  type Backend,
  type RedisServer,
  type WsClient,
} from '../../testkit/index.js';
import { Api, assertCleanStream, newUser, STATUS, type Task } from './helpers.js';

const ADMIN_PASSWORD = `admin-${randomBytes(12).toString('hex')}`;
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;

let redis: RedisServer;
let api: Backend;
let worker: Backend;
let workerHealth: string;
let ws: WsClient;

before(async () => {
  redis = await startRedis();
  const common = { REDIS_URL: redis.url, TASK_MIN_DURATION_MS: '1500', TASK_MAX_DURATION_MS: '2500', TASK_FAILURE_RATE: '0' };
  api = await startBackend({ ...common, BACKEND_ROLE: 'api', ADMIN_PASSWORD, METRICS_TOKEN, LOG_LEVEL: 'info' });
  worker = await startBackend({
    ...common,
    BACKEND_ROLE: 'worker',
    REDIS_PREFIX: api.prefix,
    INTERNAL_API_TOKEN: api.token,
    WORKER_HEALTH_PORT: '0',
  });
  workerHealth = (await worker.logs.waitFor(/health and metrics on (http:\/\/[^\s"]+)/, 10_000))[1];
  ws = backendWsClient(api.wsUrl, api.token);
});

after(async () => {
  await disposeAllClients();
  await api?.stop();
  await worker?.stop();
  await redis?.stop();
  await killAllChildren();
});

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const base = (b: Backend) => b.url.replace(/\/graphql$/, '');

/** One sample's value from a Prometheus text exposition (0 if absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('health', () => {
  test('liveness and readiness on the API port and on the worker listener, no credential needed', async () => {
    const live = await get(`${base(api)}/healthz`);
    assert.equal(live.status, 200);
    assert.deepEqual(JSON.parse(live.text), { status: 'ok' });

    const ready = await get(`${base(api)}/readyz`);
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(JSON.parse(ready.text), { status: 'ready', checks: { redis: 'ok', subscriber: 'ok' } });

    assert.equal((await get(`${workerHealth}/healthz`)).status, 200);
    const workerReady = await waitUntil(
      async () => {
        const r = await get(`${workerHealth}/readyz`);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'worker ready' },
    );
    assert.deepEqual(JSON.parse(workerReady.text), { status: 'ready', checks: { redis: 'ok', worker: 'ok' } });
    // The worker listener serves probes and metrics only.
    assert.equal((await get(`${workerHealth}/graphql`)).status, 404);
    assert.equal((await get(`${workerHealth}/admin/queues`)).status, 404);
  });
});

describe('metrics', () => {
  test('/metrics on the API wants METRICS_TOKEN; the worker listener (no token set) is open', async () => {
    const none = await get(`${base(api)}/metrics`);
    assert.equal(none.status, 401);
    assert.doesNotMatch(none.text, /longrun_/);
    assert.equal((await get(`${base(api)}/metrics`, { authorization: 'Bearer wrong-token-wrong-token' })).status, 401);
    const ok = await get(`${base(api)}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(ok.text, /^process_cpu_user_seconds_total /m, 'default process metrics');
    assert.equal((await get(`${workerHealth}/metrics`)).status, 200);
  });

  test('a task run moves the counters and histograms where it happened', async () => {
    const scrapeApi = async () => (await get(`${base(api)}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })).text;
    const scrapeWorker = async () => (await get(`${workerHealth}/metrics`)).text;
    const [apiBefore, workerBefore] = [await scrapeApi(), await scrapeWorker()];

    const caller = new Api(api, newUser('metrics'));
    const task = await caller.create();
    const watching = collect<{ taskStatus: Task }>(ws, STATUS, { id: task.id }, { user: caller.user }, 20_000);
    // While the subscription is live, the API counts it.
    await waitUntil(async () => sample(await scrapeApi(), 'longrun_task_subscriptions') >= 1, { timeoutMs: 10_000, what: 'live subscription counted' });
    const last = assertCleanStream(await watching, task.id);
    assert.equal(last.status, 'FINISHED');
    await waitUntil(async () => sample(await scrapeApi(), 'longrun_task_subscriptions') === 0, { timeoutMs: 10_000, what: 'ended subscription released' });

    const apiAfter = await scrapeApi();
    assert.equal(sample(apiAfter, 'longrun_tasks_created_total') - sample(apiBefore, 'longrun_tasks_created_total'), 1);
    assert.ok(
      sample(apiAfter, 'longrun_status_delivery_seconds_count') - sample(apiBefore, 'longrun_status_delivery_seconds_count') >= 2,
      'published snapshots reached the API process and were timed',
    );
    assert.ok(sample(apiAfter, 'longrun_queue_jobs', { state: 'completed' }) >= 1, 'queue depth is read at scrape time');
    assert.match(apiAfter, /^longrun_queue_jobs\{state="waiting"\} \d+/m);
    assert.match(apiAfter, /^longrun_http_request_duration_seconds_count\{route="\/graphql",method="POST",status="200"\} \d+/m);

    // The transitions happened in the worker process: its counters moved.
    const workerAfter = await waitUntil(
      async () => {
        const text = await scrapeWorker();
        return sample(text, 'longrun_task_outcomes_total', { status: 'FINISHED' }) > sample(workerBefore, 'longrun_task_outcomes_total', { status: 'FINISHED' })
          ? text
          : undefined;
      },
      { timeoutMs: 10_000, what: 'worker outcome counted' },
    );
    const moved = (name: string, labels: Record<string, string> = {}) => sample(workerAfter, name, labels) - sample(workerBefore, name, labels);
    assert.equal(moved('longrun_task_transitions_total', { transition: 'start', status: 'IN_PROGRESS' }), 1);
    assert.equal(moved('longrun_task_transitions_total', { transition: 'finish', status: 'FINISHED' }), 1);
    assert.ok(moved('longrun_task_transitions_total', { transition: 'progress', status: 'IN_PROGRESS' }) >= 1);
    assert.equal(moved('longrun_task_wait_seconds_count'), 1);
    assert.equal(moved('longrun_task_run_seconds_count', { status: 'FINISHED' }), 1);
    const runS = moved('longrun_task_run_seconds_sum', { status: 'FINISHED' });
    assert.ok(runS >= 1.4 && runS < 60, `run time ${runS} s for a 1.5-2.5 s task`);
    assert.match(workerAfter, /^longrun_tasks_reconciled_total\{action="lost"\} 0$/m, 'reconciler tallies are exported');
    assert.match(workerAfter, /^longrun_tasks_stalled_total 0$/m);

    // A cancel counts as an outcome too (cancelled while WAITING: the API applied it).
    const waiting = await caller.create();
    const cancelled = await caller.cancel(waiting.id).catch(() => undefined);
    assert.equal(cancelled?.status, 'CANCELLED', 'a task cancelled within a few ms of its creation (1.5 s of work) is cancelled');
    const cancels = async () =>
      sample(await scrapeApi(), 'longrun_task_outcomes_total', { status: 'CANCELLED' }) +
      sample(await scrapeWorker(), 'longrun_task_outcomes_total', { status: 'CANCELLED' });
    await waitUntil(async () => (await cancels()) === 1, { timeoutMs: 10_000, what: 'the cancel counted once' });
  });
});

describe('queue dashboard', () => {
  test('Bull Board at /admin/queues: 401 without or with wrong credentials, 200 with them, lists the queue', async () => {
    const url = `${base(api)}/admin/queues`;
    const anonymous = await get(url);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.doesNotMatch(anonymous.text, /bull/i);
    const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    assert.equal((await get(url, basic('admin', 'not-the-password'))).status, 401);
    assert.equal((await get(url, basic('root', ADMIN_PASSWORD))).status, 401);
    assert.equal((await get(`${url}/api/queues`)).status, 401, 'its API is behind the same door');

    const page = await get(url, basic('admin', ADMIN_PASSWORD));
    assert.equal(page.status, 200);
    assert.match(page.text, /longrun queues|bull/i);
    const queues = await get(`${url}/api/queues`, basic('admin', ADMIN_PASSWORD));
    assert.equal(queues.status, 200);
    const body = JSON.parse(queues.text) as { queues: { name: string; readOnlyMode?: boolean }[] };
    const tasks = body.queues.find((q) => q.name === 'tasks');
    assert.ok(tasks, `the tasks queue is listed: ${queues.text.slice(0, 200)}`);
    assert.equal(tasks.readOnlyMode, true, 'jobs cannot be changed behind the state machine');
  });
});

describe('logs', () => {
  test('every line is JSON with the expected fields; no secret, token or raw user id appears', async () => {
    const user = newUser('logs');
    const caller = new Api(api, user);
    const task = await caller.create();
    await waitUntil(
      () => worker.logs.text().includes(`"taskId":"${task.id}"`) && /"status":"FINISHED"/.test(worker.logs.lines(new RegExp(task.id)).join('\n')),
      {
        timeoutMs: 15_000,
        what: 'the worker logged the task end',
      },
    );

    for (const service of [api, worker]) {
      const lines = service.logs
        .text()
        .split('\n')
        .filter((l) => l.trim() !== '');
      assert.ok(lines.length > 5);
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        assert.equal(typeof entry.level, 'number', line);
        assert.equal(typeof entry.time, 'string', line);
        assert.equal(entry.service, 'backend', line);
        assert.equal(typeof entry.msg, 'string', line);
      }
    }
    const apiLines = api.logs
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const created = apiLines.find((e) => e.taskId === task.id && e.msg === 'task created');
    assert.ok(created, 'the API logged the creation');
    assert.equal(created.user, userTag(user), 'users appear as a short hash');
    const request = apiLines.find((e) => e.msg === 'request' && e.path === '/graphql' && e.user === userTag(user));
    assert.ok(request, 'the request was logged');
    assert.equal(typeof request.reqId, 'string');
    assert.equal(typeof request.durationMs, 'number');
    assert.equal(request.status, 200);

    const workerLines = worker.logs
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const finished = workerLines.find((e) => e.taskId === task.id && e.status === 'FINISHED');
    assert.ok(finished, 'the worker logged the end');
    assert.equal(finished.user, userTag(user));
    assert.equal(typeof finished.runMs, 'number');
    assert.equal(typeof finished.waitMs, 'number', 'the final line says how long it waited, too');
    assert.ok(!workerLines.some((e) => e.taskId === task.id && e.status === 'IN_PROGRESS'), 'start and progress are at debug: one line per task');
    assert.ok((finished.runMs as number) >= 1400);

    const everything = api.logs.text() + worker.logs.text();
    for (const secret of [api.token, ADMIN_PASSWORD, METRICS_TOKEN, user]) {
      assert.ok(!everything.includes(secret), `a secret or raw user id appears in the logs: ${secret.slice(0, 6)}…`);
    }
  });
});

describe('Redis outage', () => {
  test('readiness goes 503 quickly when Redis stops and 200 again when it is back', async () => {
    // Make sure both are ready before the outage proper.
    for (const url of [`${base(api)}/readyz`, `${workerHealth}/readyz`]) {
      await waitUntil(async () => (await get(url)).status === 200, { timeoutMs: 30_000, what: `${url} ready before the outage` });
    }
    await redis.stop({ keepDir: true });
    const began = Date.now();
    const down = await get(`${base(api)}/readyz`);
    assert.equal(down.status, 503, down.text);
    const body = JSON.parse(down.text) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, 'unavailable');
    assert.notEqual(body.checks.redis, 'ok');
    assert.ok(Date.now() - began < 3000, 'the probe answers within its timeout, it does not hang');
    assert.doesNotMatch(down.text, /127\.0\.0\.1|redis:\/\/|at .*\.js/, 'no hosts or stack traces');
    const workerDown = await get(`${workerHealth}/readyz`);
    assert.equal(workerDown.status, 503, workerDown.text);
    // Liveness is about the process, not its dependencies.
    assert.equal((await get(`${base(api)}/healthz`)).status, 200);

    await redis.restart();
    for (const url of [`${base(api)}/readyz`, `${workerHealth}/readyz`]) {
      await waitUntil(async () => (await get(url)).status === 200, { timeoutMs: 30_000, intervalMs: 250, what: `${url} ready after Redis is back` });
    }
  });
});

describe('shutdown', () => {
  test('SIGTERM closes the worker health listener and the worker exits 0', async () => {
    await worker.stop({ signal: 'SIGTERM', timeoutMs: 20_000 });
    const exit = await within(worker.exited, 20_000, 'worker exit');
    assert.deepEqual(exit, { code: 0, signal: null });
    await assert.rejects(fetch(`${workerHealth}/healthz`, { signal: AbortSignal.timeout(3000) }), 'the listener is closed');
  });
});

describe('failures', () => {
  test('a failed task counts as an ERROR outcome where it ran, and is logged at warn with its reason', async () => {
    // The first worker is gone (previous test); this one fails every task.
    const failing = await startBackend({
      REDIS_URL: redis.url,
      REDIS_PREFIX: api.prefix,
      INTERNAL_API_TOKEN: api.token,
      BACKEND_ROLE: 'worker',
      WORKER_HEALTH_PORT: '0',
      TASK_MIN_DURATION_MS: '200',
      TASK_MAX_DURATION_MS: '400',
      TASK_FAILURE_RATE: '1',
    });
    const health = (await failing.logs.waitFor(/health and metrics on (http:\/\/[^\s"]+)/, 10_000))[1];
    const caller = new Api(api, newUser('fail'));
    const task = await caller.create();
    const ended = await waitUntil(
      async () => {
        const t = await caller.get(task.id);
        return t.status === 'ERROR' ? t : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'the task failed' },
    );
    assert.match(ended.error ?? '', /simulated failure/);

    const text = (await get(`${health}/metrics`)).text;
    assert.equal(sample(text, 'longrun_task_outcomes_total', { status: 'ERROR' }), 1);
    assert.equal(sample(text, 'longrun_task_transitions_total', { transition: 'fail', status: 'ERROR' }), 1);
    assert.equal(sample(text, 'longrun_task_run_seconds_count', { status: 'ERROR' }), 1);
    assert.equal(sample(text, 'longrun_tasks_stalled_total'), 0, 'a simulated failure is not a lost worker');

    const line = failing.logs
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.taskId === task.id && e.status === 'ERROR');
    assert.ok(line, 'the failure was logged');
    assert.equal(line.level, 40, 'at warn');
    assert.match(String(line.reason), /simulated failure/);
    await failing.stop();
  });
});
