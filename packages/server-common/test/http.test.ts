/** The request log line and the probe routes, on a real node:http server. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { HEALTH_PATH, METRICS_PATH, READY_PATH, REQUEST_ID_HEADER } from '../src/names.js';
import { notFound, serveProbes, type Readiness } from '../src/probes.js';
import { logRequest, requestIdOf } from '../src/request-log.js';
import { userTag } from '../src/user-tag.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server };
}

describe('logRequest', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'debug', base: null, timestamp: false }, sink);
  const finished: [string, number][] = [];
  const seenIds: (string | string[] | undefined)[] = [];
  let url = '';
  let server: Server;

  before(async () => {
    ({ url, server } = await listen((req, res) => {
      logRequest(req, res, {
        log,
        quiet: (path) => path === HEALTH_PATH,
        user: () => 'the-raw-session-id',
        finished: (path, seconds) => finished.push([path, seconds]),
      });
      seenIds.push(req.headers[REQUEST_ID_HEADER]);
      res.end('ok');
    }));
  });
  after(() => server.close());

  const lineFor = async (res: Response) => {
    await res.text();
    await new Promise((r) => setImmediate(r));
    return lines.at(-1)!;
  };

  test('one line per request, with a pseudonymous user and no headers; a well-formed id is kept and passed on', async () => {
    const res = await fetch(`${url}/api/graphql?x=1`, {
      method: 'POST',
      headers: { [REQUEST_ID_HEADER]: 'abc.DEF-123_x', cookie: 'secret-cookie' },
      body: '{}',
    });
    assert.equal(res.headers.get(REQUEST_ID_HEADER), 'abc.DEF-123_x');
    const line = await lineFor(res);
    assert.deepEqual(Object.keys(line).sort(), ['durationMs', 'level', 'method', 'msg', 'path', 'reqId', 'status', 'user']);
    assert.deepEqual(
      { level: line.level, msg: line.msg, reqId: line.reqId, method: line.method, path: line.path, status: line.status, user: line.user },
      { level: 30, msg: 'request', reqId: 'abc.DEF-123_x', method: 'POST', path: '/api/graphql', status: 200, user: userTag('the-raw-session-id') },
    );
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(seenIds.at(-1), 'abc.DEF-123_x', 'the id is on the request for whoever passes it on');
    assert.deepEqual(finished.at(-1)?.[0], '/api/graphql');
  });

  test('a malformed or missing request id is replaced by a new one', async () => {
    for (const given of ['has space', 'x'.repeat(65), undefined]) {
      const res = await fetch(url, { headers: given === undefined ? {} : { [REQUEST_ID_HEADER]: given } });
      const line = await lineFor(res);
      assert.match(String(line.reqId), /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.get(REQUEST_ID_HEADER), line.reqId);
    }
  });

  test('quiet paths are logged at debug', async () => {
    const line = await lineFor(await fetch(`${url}${HEALTH_PATH}`));
    assert.equal(line.level, 20);
  });

  test('requestIdOf accepts 1-64 characters of [A-Za-z0-9._-] only', () => {
    for (const ok of ['a', 'A.b_c-9', 'x'.repeat(64)]) assert.equal(requestIdOf(ok), ok);
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a\nb', ['a'], 5, undefined]) assert.equal(requestIdOf(bad), undefined, String(bad));
  });
});

describe('serveProbes', () => {
  let ready: Readiness | Error = { ready: true, checks: { redis: 'ok' } };
  const registry = { contentType: 'text/plain; version=0.0.4', metrics: async () => 'longrun_up 1\n' };
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  const start = async (routes: Omit<Parameters<typeof serveProbes>[0], 'readiness'>) => {
    const handle = serveProbes({ readiness: async () => (ready instanceof Error ? Promise.reject(ready) : ready), ...routes });
    const { url, server } = await listen((req, res) => {
      if (!handle(req, res)) notFound(res);
    });
    servers.push(server);
    return url;
  };

  test('/healthz, /readyz (ready, not ready, failing), anything else left to the caller, GET and HEAD only', async () => {
    const url = await start({ metrics: undefined, metricsToken: undefined });
    assert.deepEqual(await (await fetch(`${url}${HEALTH_PATH}`)).json(), { status: 'ok' });
    const readyRes = await fetch(`${url}${READY_PATH}?verbose`);
    assert.equal(readyRes.status, 200);
    assert.equal(readyRes.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await readyRes.json(), { status: 'ready', checks: { redis: 'ok' } });
    ready = { ready: false, checks: { redis: 'unreachable' } };
    const notReady = await fetch(`${url}${READY_PATH}`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(await notReady.json(), { status: 'unavailable', checks: { redis: 'unreachable' } });
    ready = new Error('probe crashed');
    const failed = await fetch(`${url}${READY_PATH}`);
    assert.equal(failed.status, 503);
    assert.deepEqual(await failed.json(), { status: 'unavailable' });
    assert.equal((await fetch(`${url}${HEALTH_PATH}`, { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(`${url}${HEALTH_PATH}`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${url}${METRICS_PATH}`)).status, 404, 'no registry: /metrics is not served');
    assert.equal((await fetch(`${url}/other`)).status, 404);
  });

  test('/metrics: open without a token; with one, only for its exact Bearer', async () => {
    const open = await start({ metrics: registry, metricsToken: undefined });
    const res = await fetch(`${open}${METRICS_PATH}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), registry.contentType);
    assert.equal(await res.text(), 'longrun_up 1\n');

    const token = 'm'.repeat(20);
    const guarded = await start({ metrics: registry, metricsToken: token });
    for (const authorization of [undefined, `Bearer ${token}x`, `Basic ${token}`, `bearer ${token}`]) {
      const refused = await fetch(`${guarded}${METRICS_PATH}`, { headers: authorization ? { authorization } : {} });
      assert.equal(refused.status, 401, String(authorization));
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
      await refused.body?.cancel();
    }
    assert.equal((await fetch(`${guarded}${METRICS_PATH}`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  });
});
