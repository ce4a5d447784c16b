import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomToken, REPO_ROOT, startBackend, startFrontend, startRedis, type Backend, type Frontend, type RedisServer } from '../testkit/index.js';

/**
 * The terminal client against a real stack (private redis-server, built backend and frontend):
 * it starts a task, follows it over the WebSocket to its end, lists and cancels, as one user.
 * Tasks run 10–12 s: each CLI run takes seconds to start here, and a task must still be
 * running when the separate `cancel` run reaches it.
 */
let redis: RedisServer;
let backend: Backend;
let frontend: Frontend;
let dir: string;

before(async () => {
  redis = await startRedis();
  const token = randomToken();
  backend = await startBackend({
    REDIS_URL: redis.url,
    INTERNAL_API_TOKEN: token,
    TASK_MIN_DURATION_MS: '10000',
    TASK_MAX_DURATION_MS: '12000',
    TASK_FAILURE_RATE: '0',
  });
  frontend = await startFrontend({
    NODE_ENV: 'production',
    BACKEND_PORT: new URL(backend.url).port,
    INTERNAL_API_TOKEN: token,
    SESSION_SECRET: randomToken() + randomToken(),
    COOKIE_SECURE: 'false',
  });
  dir = mkdtempSync(join(tmpdir(), 'longrun-cli-'));
});

after(async () => {
  await frontend?.stop();
  await backend?.stop();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run cli -- <args>` (the same command, without npm) with a bound. */
function cli(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/longrun.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LONGRUN_URL: frontend.url, LONGRUN_CLI_SESSION: join(dir, 'session') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not end within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

test('start --watch follows a task over the WebSocket to FINISHED and exits 0', async () => {
  const run = await cli(['start', '--watch']);
  assert.equal(run.code, 0, `exit code\n${run.stdout}\n${run.stderr}`);
  const id = /^queued (\S+)$/m.exec(run.stdout)?.[1];
  assert.match(id ?? '', UUID);
  // Not a TTY: one line per state, "<id8>  <STATUS> [bar] <n>%".
  const states = run.stdout
    .split('\n')
    .filter((l) => l.startsWith(id!.slice(0, 8)))
    .map((l) => /^\S+\s+(WAITING|IN PROGRESS|FINISHED|CANCELLED|ERROR)\s+\[[#.]+\]\s+(\d+)%$/.exec(l));
  assert.ok(states.length >= 2, `several updates:\n${run.stdout}`);
  assert.ok(states.every(Boolean), `every line is a status line:\n${run.stdout}`);
  const progress = states.map((m) => Number(m![2]));
  assert.deepEqual(
    [...progress].sort((a, b) => a - b),
    progress,
    'progress never goes back',
  );
  assert.deepEqual(states.at(-1)!.slice(1), ['FINISHED', '100']);
  assert.ok(
    states.slice(0, -1).every((m) => m![1] !== 'FINISHED'),
    'it stops at the final state',
  );

  // The same user (session file) lists it.
  const list = await cli(['list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${id!.slice(0, 8)}\\s+FINISHED`, 'm'));
});

test('cancel stops a task; watching it afterwards ends at once with CANCELLED and exit 1', async () => {
  const started = await cli(['start']);
  assert.equal(started.code, 0, started.stderr);
  const id = /^queued (\S+)$/m.exec(started.stdout)![1];
  const cancelled = await cli(['cancel', id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.equal(cancelled.stdout.trim(), `${id} CANCELLED`);
  const watched = await cli(['watch', id]);
  assert.equal(watched.code, 1);
  assert.match(watched.stdout, new RegExp(`^${id.slice(0, 8)}\\s+CANCELLED`, 'm'));
});

test('bad input gets the coded error, not a stack trace', async () => {
  const run = await cli(['cancel', 'not-a-uuid']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^longrun: .*\(BAD_USER_INPUT\)$/m);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});
