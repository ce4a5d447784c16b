/**
 * Where a frontend tier's memory per browser subscription goes (issue 17's RSS row): the same
 * stack as the peers phase (Redis, the backend API, the product's frontend, optionally
 * stitched-yoga), N running tasks each watched on its own socket (as the load clients do), and
 * for each tier process its memory after GC and a heap snapshot before and after the
 * subscriptions. The snapshots' difference is printed by bench/heap-diff.ts.
 *
 *   node --import tsx bench/heap-probe.ts [N=2000] [--yoga] [--no-snapshot] [--out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { encodeSession, newSessionId } from '../frontend/src/server/session.js';
import { frontendEnv, INSPECT } from './stack-env.js';
import { BenchWatchDocument } from '../operations/generated/graphql.js';
import { INSPECTOR_LINE, REPO_ROOT, randomToken, sleep, spawnService, startBackend, startFrontend, startRedis, type Service } from '../testkit/index.js';

const { TaskStore } = (await import(join(REPO_ROOT, 'backend/dist/tasks/task-store.js'))) as any;
const { redisKeys } = (await import(join(REPO_ROOT, 'backend/dist/redis/redis-keys.js'))) as any;
const { loadConfig } = (await import(join(REPO_ROOT, 'backend/dist/config/config.js'))) as any;

const argv = process.argv.slice(2);
const n = Number(argv.find((a) => /^\d+$/.test(a)) ?? 2000);
const withYoga = argv.includes('--yoga');
/** --no-snapshot: memory only (a snapshot's own allocations raise the RSS read after it). */
const snapshots = !argv.includes('--no-snapshot');
const out = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : '/tmp/heap-probe';
mkdirSync(out, { recursive: true });
const tsx = import.meta.resolve('tsx');

/** An inspector session that can also stream a heap snapshot to a file. */
class Probe {
  private seq = 0;
  private readonly waiting = new Map<number, (msg: any) => void>();
  private chunks: string[] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') this.chunks.push(msg.params.chunk);
      else if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg);
    });
  }
  static async of(service: Service): Promise<Probe> {
    const m = await service.logs.waitFor(INSPECTOR_LINE, 30_000);
    const ws = new WebSocket(m[1], { maxPayload: 1 << 30 });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    return new Probe(ws);
  }
  call(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (msg) => {
        this.waiting.delete(id);
        if (msg.error) reject(new Error(`${method}: ${JSON.stringify(msg.error)}`));
        else resolve(msg.result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
  async memory(): Promise<Record<string, number>> {
    await this.call('HeapProfiler.collectGarbage');
    await sleep(200);
    await this.call('HeapProfiler.collectGarbage');
    const r = await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(r.result.value);
  }
  async snapshot(file: string): Promise<void> {
    this.chunks = [];
    await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
    writeFileSync(file, this.chunks.join(''));
    this.chunks = [];
  }
  close() {
    this.ws.close();
  }
}

const redis = await startRedis({ args: ['--maxmemory-policy', 'noeviction'] });
const prefix = `probe${Date.now().toString(36)}`;
const token = randomToken();
const secret = randomToken() + randomToken();
const services: Service[] = [];
const clients: Client[] = [];
try {
  const api = await startBackend(
    {
      NODE_ENV: 'production',
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      INTERNAL_API_TOKEN: token,
      RECONCILE_INTERVAL_MS: '3600000',
      TASK_RETENTION_S: '3600',
      BACKEND_ROLE: 'api',
    },
    { name: 'api' },
  );
  services.push(api);
  const frontend = await startFrontend({ ...frontendEnv(api.url, token, secret), ...INSPECT }, { name: 'frontend' });
  services.push(frontend);
  const tiers: Array<{ name: string; service: Service; ws: string }> = [
    { name: 'frontend', service: frontend, ws: `${frontend.url.replace(/^http/, 'ws')}/api/graphql` },
  ];
  if (withYoga) {
    const yoga = await spawnService(
      process.execPath,
      ['--import', tsx, join(REPO_ROOT, 'bench/peers/stitched-yoga.ts')],
      { BACKEND_URL: api.url, INTERNAL_API_TOKEN: token, SESSION_SECRET: secret, NODE_ENV: 'production', ...INSPECT },
      /ready on (http\S+)/,
      { name: 'stitched-yoga' },
    );
    services.push(yoga);
    tiers.push({ name: 'yoga', service: yoga, ws: `${yoga.ready[1].replace(/^http/, 'ws')}/api/graphql` });
  }
  const redisClient = new Redis(redis.url);
  const config = loadConfig({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, TASK_RETENTION_S: '3600' });
  const store = new TaskStore(redisClient, redisKeys(prefix), config);
  const WATCH = BenchWatchDocument.toString();

  for (const tier of tiers) {
    const probe = await Probe.of(tier.service);
    const subs: Array<{ cookie: string; taskId: string }> = [];
    for (let i = 0; i < n; i++) {
      const user = newSessionId();
      const task = await store.create(user, { kind: 'simulated', input: {}, maxAttempts: 1, retryDelayMs: 0 });
      await store.apply(task.id, 'start', { startedAt: Date.now(), progress: 0, error: '', nextAttemptAt: '' }, { attempt: 1 });
      subs.push({ cookie: `longrun_session=${encodeSession(user, secret)}`, taskId: task.id });
    }
    // One socket and one subscription per browser, as bench/load-client.ts connects them; warm up first.
    const connect = async (sub: { cookie: string; taskId: string }) => {
      const Impl = class extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers: { cookie: sub.cookie } });
        }
      };
      const client = createClient({ url: tier.ws, webSocketImpl: Impl, lazy: true, retryAttempts: 0 });
      await new Promise<void>((resolve, reject) => {
        client.subscribe({ query: WATCH, variables: { id: sub.taskId } }, { next: () => resolve(), error: reject, complete: () => undefined });
      });
      clients.push(client);
    };
    const pool = async (items: typeof subs) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 25 }, async () => {
          while (next < items.length) await connect(items[next++]);
        }),
      );
    };
    await pool(subs.slice(0, 50));
    for (const c of clients.splice(0)) await c.dispose();
    await sleep(1500);
    const before = await probe.memory();
    if (snapshots) await probe.snapshot(join(out, `${tier.name}-before.heapsnapshot`));
    const t0 = Date.now();
    await pool(subs.slice(50));
    console.log(`${tier.name}: ${n - 50} subscriptions in ${Date.now() - t0} ms`);
    await sleep(1500);
    const after = await probe.memory();
    if (snapshots) await probe.snapshot(join(out, `${tier.name}-after.heapsnapshot`));
    const per = (k: string) => ((after[k] - before[k]) / (n - 50) / 1024).toFixed(2);
    console.log(
      `${tier.name} per subscription (KB): rss ${per('rss')}, heapTotal ${per('heapTotal')}, heapUsed ${per('heapUsed')}, external ${per('external')}, arrayBuffers ${per('arrayBuffers')}`,
    );
    writeFileSync(join(out, `${tier.name}-memory.json`), JSON.stringify({ n: n - 50, before, after }, null, 2));
    for (const c of clients.splice(0)) await c.dispose();
    probe.close();
  }
  redisClient.disconnect();
} finally {
  for (const c of clients) await c.dispose();
  for (const s of services.reverse()) await s.stop();
  await redis.stop();
}
