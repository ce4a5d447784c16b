/**
 * What one status write costs Redis, in instructions: the product's CAS script (with the
 * timeline) against the script before the timeline (bench/raw/cas-before.ts), each counted by
 * callgrind inside EVALSHA on its own redis-server. Counts, unlike times, do not move with the
 * other processes on a shared machine, so a change to the script can be judged by a few
 * percent; `npm run bench` gives the times (the timeline rows). Needs valgrind.
 *
 *   node --import tsx bench/cas-cost.ts [--pattern worker|jumps] [--tasks n] [--writes n]
 *
 * Pattern `worker` is the simulated kind's and the latency trials' (5 % steps from 5 to 95 on
 * 100 tasks: 9 writes in 19 cross a 10 % step and append an event); `jumps` the trials' before
 * the timeline (5 writes on each of 1,000 tasks, each 20 % past the last: four in five append one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REPO_ROOT, freePort, waitUntil, which } from '../testkit/index.js';
import { casBefore } from './raw/cas-before.js';

const { TaskStore } = (await import(join(REPO_ROOT, 'backend/dist/tasks/task-store.js'))) as any;
const { redisKeys } = (await import(join(REPO_ROOT, 'backend/dist/redis/redis-keys.js'))) as any;
const { loadConfig } = (await import(join(REPO_ROOT, 'backend/dist/config/config.js'))) as any;

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const PATTERN = arg('--pattern', 'worker');
// `worker`: 19 writes per task (5 % to 95 %), as a task of two seconds or more makes them.
const TASKS = Number(arg('--tasks', PATTERN === 'worker' ? '100' : '1000'));
const WRITES = Number(arg('--writes', PATTERN === 'worker' ? String(19 * TASKS) : String(5 * TASKS)));
if (PATTERN !== 'worker' && PATTERN !== 'jumps') throw new Error('--pattern: worker or jumps');
if (!which('valgrind')) throw new Error('bench/cas-cost.ts counts instructions with callgrind: apt-get install valgrind');

type Script = 'before' | 'product';

/** Instructions Redis spent in EVALSHA/EVAL over a run: `script` writes on `TASKS` running tasks (none: the set-up alone). */
async function count(script: Script | null, dir: string): Promise<number> {
  const port = await freePort();
  const out = join(dir, `${script ?? 'setup'}.callgrind`);
  const server: ChildProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--toggle-collect=evalGenericCommand',
      `--callgrind-out-file=${out}`,
      'redis-server',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const reachable = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  try {
    await waitUntil(reachable, { timeoutMs: 60_000, intervalMs: 200, what: 'redis-server under valgrind' });
    await write(`redis://127.0.0.1:${port}`, script);
  } catch (error) {
    server.kill('SIGKILL');
    throw error;
  }
  // SHUTDOWN on a socket of its own: callgrind writes its counts when the server exits.
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.end('SHUTDOWN NOSAVE\r\n');
  await exited;
  return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1]);
}

/** `TASKS` running tasks, each watched by a subscriber as the API watches it, then `script`'s writes (none: the set-up alone). */
async function write(url: string, script: Script | null): Promise<void> {
  const redis = new Redis(url);
  // One subscriber on every task's channel, as the API is: PUBLISH pays for a receiver.
  const subscriber = new Redis(url);
  try {
    const keys = redisKeys('cost');
    const store = new TaskStore(redis, keys, loadConfig({ REDIS_URL: url, REDIS_PREFIX: 'cost' }));
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const task = await store.create(`user${i}`, { kind: 'simulated', input: {}, maxAttempts: 1, retryDelayMs: 1000 });
      await store.apply(task.id, 'start', { startedAt: Date.now(), progress: 0, error: '', nextAttemptAt: '' }, { attempt: 1 });
      ids.push(task.id);
    }
    for (let i = 0; i < ids.length; i += 500) await subscriber.subscribe(...ids.slice(i, i + 500).map((id) => keys.taskChannel(id)));
    const before = casBefore(redis, keys);
    for (let sent = 0; script && sent < WRITES; sent++) {
      const id = ids[sent % TASKS];
      const progress = PATTERN === 'worker' ? 5 * (1 + (Math.floor(sent / TASKS) % 19)) : 1 + (sent % 98);
      if (script === 'product') await store.apply(id, 'progress', { progress }, { attempt: 1 });
      else await before(id, progress);
    }
  } finally {
    redis.disconnect();
    subscriber.disconnect();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cas-cost-'));
try {
  const setup = await count(null, dir);
  const per = { before: ((await count('before', dir)) - setup) / WRITES, product: ((await count('product', dir)) - setup) / WRITES };
  console.log(`instructions per status write (${WRITES} progress writes, ${TASKS} tasks, pattern ${PATTERN}):`);
  console.log(`  CAS script before the timeline  ${Math.round(per.before)}`);
  console.log(`  product CAS script              ${Math.round(per.product)}  (${(per.product / per.before).toFixed(3)}×)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
