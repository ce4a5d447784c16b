import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  randomToken,
  REPO_ROOT,
  startBackend,
  startFrontend,
  startProxy,
  startRedis,
  waitUntil,
  type Backend,
  type Frontend,
  type RedisServer,
  type TcpProxy,
} from '../testkit/index.js';

/**
 * The terminal client against a real stack (private redis-server, built backend and frontend):
 * it starts tasks of each kind, follows them over the WebSocket to their end, lists, cancels,
 * retries, reads and follows timelines, and downloads an export, as one user.
 * Tasks run 10–12 s unless a test asks for shorter: each CLI run takes seconds to start here,
 * and a task must still be running when a separate `cancel` or `retry` run reaches it.
 */
let redis: RedisServer;
let backend: Backend;
let frontend: Frontend;
let dir: string;
/** A proxy in front of the frontend, to cut the CLI's connections. */
let proxy: TcpProxy;

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
  proxy = await startProxy({ port: Number(new URL(frontend.url).port) });
});

after(async () => {
  await proxy?.stop();
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

interface CliOptions {
  timeoutMs?: number;
  /** Another user: a session file of its own. */
  session?: string;
  /** Where the CLI finds the frontend (default: the frontend itself). */
  url?: string;
}

/** Starts `npm run cli -- <args>` (the same command, without npm). */
function spawnCli(args: string[], { session = 'session', url = frontend.url }: CliOptions = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/longrun.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LONGRUN_URL: url, LONGRUN_CLI_SESSION: join(dir, session) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (output.stdout += d));
  child.stderr.on('data', (d: Buffer) => (output.stderr += d));
  return { child, output };
}

/** Runs `npm run cli -- <args>` with a bound. */
function cli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const { timeoutMs = 60_000 } = options;
  const { child, output } = spawnCli(args, options);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not end within ${timeoutMs} ms\n${output.stdout}\n${output.stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, ...output });
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

test('start --idempotency-key --delay --priority: the same key answers the same task; a delayed one can be cancelled before it starts', async () => {
  const args = ['start', '--idempotency-key', `cli-${Date.now()}`, '--delay', '30s', '--priority', 'high'];
  const first = await cli(args);
  assert.equal(first.code, 0, first.stderr);
  const id = /^queued (\S+)$/m.exec(first.stdout)![1];
  const startsAt = Date.parse(/^ {2}starts at (\S+)$/m.exec(first.stdout)![1]);
  assert.ok(startsAt > Date.now() + 20_000 && startsAt <= Date.now() + 30_000, first.stdout);
  const again = await cli(args);
  assert.equal(/^queued (\S+)$/m.exec(again.stdout)![1], id);
  const cancelled = await cli(['cancel', id]);
  assert.equal(cancelled.stdout.trim(), `${id} CANCELLED`);

  const conflict = await cli([...args.slice(0, 5), '--priority', 'low']);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /\(IDEMPOTENCY_CONFLICT\)$/m);
  for (const [flag, value, message] of [
    ['--delay', '5 minutes', /--delay needs a duration/],
    ['--priority', 'urgent', /--priority is low, normal or high/],
  ] as const) {
    const usage = await cli(['start', flag, value]);
    assert.equal(usage.code, 2, usage.stderr);
    assert.match(usage.stderr, message);
  }
  const tooLong = await cli(['start', '--delay', '8d']);
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /^longrun: delayMs.*\(BAD_USER_INPUT\)$/m);
});

test('bad input gets the coded error, not a stack trace', async () => {
  const run = await cli(['cancel', 'not-a-uuid']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^longrun: .*\(BAD_USER_INPUT\)$/m);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

interface Event {
  seq: number;
  type: string;
  status: string | null;
  attempt: number | null;
  progress: number | null;
  message: string | null;
  result: Record<string, unknown> | null;
}

/** `events --json` output: one event a line. */
const eventsOf = (stdout: string): Event[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event);

const queuedId = (run: CliRun): string => {
  const id = /^queued (\S+)/m.exec(run.stdout)?.[1];
  assert.match(id ?? '', UUID, `queued <id>\n${run.stdout}\n${run.stderr}`);
  return id!;
};

/** seq runs 1, 2, 3… (or from `after + 1`): no gap, no repeat. */
function assertContiguous(events: Event[], after = 0): void {
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => after + i + 1),
    `seq without gaps or repeats: ${events.map((e) => e.seq).join(',')}`,
  );
}

test('kinds lists the three kinds with their retry policies', async () => {
  const run = await cli(['kinds']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^simulated\s+.*\(1 attempt\)$/m);
  assert.match(run.stdout, /^primes\s+.*\(2 attempts, retry after \d+ ms\)$/m);
  assert.match(run.stdout, /^export\s+.*\(3 attempts, retry after \d+ ms\)$/m);
});

test('start --kind primes --watch ends FINISHED with the count and the largest prime', async () => {
  const run = await cli(['start', '--kind', 'primes', '--below', '100000', '--watch']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  queuedId(run);
  assert.match(run.stdout, /^\s+9592 primes below 100000, the largest 99991$/m);
  // --below alone picks the kind.
  const implied = await cli(['start', '--below', '10', '--watch']);
  assert.equal(implied.code, 0, implied.stderr);
  assert.match(implied.stdout, /^\s+4 primes below 10, the largest 7$/m);
});

test('out-of-range input is BAD_USER_INPUT naming the field; a malformed command line is a usage error', async () => {
  const primes = await cli(['start', '--kind', 'primes', '--below', '60000000']);
  assert.equal(primes.code, 1);
  assert.match(primes.stderr, /^longrun: input\.primes\.below: .*\(BAD_USER_INPUT\)$/m);
  const simulated = await cli(['start', '--failure-rate', '2']);
  assert.equal(simulated.code, 1);
  assert.match(simulated.stderr, /^longrun: input\.simulated\.failureRate: .*\(BAD_USER_INPUT\)$/m);
  const retries = await cli(['start', '--retries', '11']);
  assert.equal(retries.code, 1);
  assert.match(retries.stderr, /^longrun: retry\.maxAttempts: .*\(BAD_USER_INPUT\)$/m);
  assert.doesNotMatch(primes.stderr + simulated.stderr + retries.stderr, /\n\s+at /);

  const usage = await cli(['start', '--below', '10', '--format', 'csv']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^longrun: one kind at a time/m);
  assert.match(usage.stderr, /^usage: /m);
});

test('--retries: a failing task is tried again with backoff, its timeline tells each attempt, and retry runs it anew', async () => {
  const run = await cli(['start', '--min-ms', '0', '--max-ms', '100', '--failure-rate', '1', '--retries', '3', '--retry-delay-ms', '300', '--watch']);
  assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
  const id = queuedId(run);
  assert.match(run.stdout, new RegExp(`^${id.slice(0, 8)}\\s+ERROR\\s`, 'm'));
  assert.match(run.stdout, /^ {2}attempt [23] of 3 at \S+, after: /m);

  const timeline = await cli(['events', id, '--json']);
  assert.equal(timeline.code, 0, timeline.stderr);
  const events = eventsOf(timeline.stdout);
  assertContiguous(events);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'CREATED');
  assert.equal(types.at(-1), 'ENDED');
  assert.equal(events.at(-1)!.status, 'ERROR');
  assert.deepEqual(
    events.filter((e) => e.type === 'ATTEMPT_STARTED').map((e) => e.attempt),
    [1, 2, 3],
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'ATTEMPT_FAILED').map((e) => e.attempt),
    [1, 2, 3],
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'RETRY_SCHEDULED').map((e) => e.attempt),
    [2, 3],
  );

  // The text form: one event a line, "<seq>  <at>  <TYPE>  <STATUS>  details".
  const text = await cli(['events', id, '--after', '2']);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.equal(lines.length, events.length - 2);
  assert.match(lines[0], /^\s*3 {2}\S+Z {2}[A-Z_]+/);
  assert.match(lines.at(-1)!, /^\s*\d+ {2}\S+Z {2}ENDED\s+ERROR/);

  // The same kind, input and policy, as a new task: it fails the same way.
  const again = await cli(['retry', id, '--watch']);
  assert.equal(again.code, 1, `${again.stdout}\n${again.stderr}`);
  const retryId = /^queued (\S+) \(retry of (\S+)\)$/m.exec(again.stdout);
  assert.match(retryId?.[1] ?? '', UUID);
  assert.notEqual(retryId![1], id);
  assert.equal(retryId![2], id);
  assert.match(again.stdout, new RegExp(`^${retryId![1].slice(0, 8)}\\s+ERROR\\s`, 'm'));
});

test('retry on a live task is TASK_NOT_RETRYABLE, with what to do; on another user’s task, NOT_FOUND', async () => {
  const started = await cli(['start']);
  const id = queuedId(started);
  const run = await cli(['retry', id]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^longrun: .*\(TASK_NOT_RETRYABLE\)$/m);
  assert.match(run.stderr, /^ {2}only a final task/m);
  const cancelled = await cli(['cancel', id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  const stranger = await cli(['retry', id], { session: 'stranger' });
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, /\(NOT_FOUND\)$/m);
});

test('events --follow prints the timeline live to ENDED and resumes after a dropped connection without repeats', async () => {
  const started = await cli(['start', '--min-ms', '8000', '--max-ms', '8000']);
  const id = queuedId(started);
  const { child, output } = spawnCli(['events', id, '--follow', '--json'], { url: proxy.url() });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await waitUntil(() => eventsOf(output.stdout).some((e) => e.type === 'PROGRESS'), { timeoutMs: 30_000, what: 'a PROGRESS event' });
    proxy.dropAll();
    const code = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit')), 40_000))]);
    assert.equal(code, 0, `${output.stdout}\n${output.stderr}`);
  } finally {
    child.kill('SIGKILL');
  }
  assert.match(output.stderr, /^longrun: connection lost .*resuming after event \d+/m);
  const events = eventsOf(output.stdout);
  assertContiguous(events);
  assert.deepEqual(
    events.filter((e) => e.type === 'PROGRESS').map((e) => e.progress),
    [...events.filter((e) => e.type === 'PROGRESS').map((e) => e.progress)].sort((a, b) => a! - b!),
  );
  assert.equal(events.at(-1)!.type, 'ENDED');
  assert.equal(events.at(-1)!.status, 'FINISHED');
  const result = events.at(-1)!.result as { __typename: string; durationMs: number };
  assert.equal(result.__typename, 'SimulatedResult');
  assert.ok(result.durationMs >= 7900, `it worked about 8 s: ${result.durationMs}`);

  // After the end: --follow from a seq replays the rest and exits; the same events as read.
  const rest = await cli(['events', id, '--follow', '--json', '--after', '3']);
  assert.equal(rest.code, 0, rest.stderr);
  assert.deepEqual(eventsOf(rest.stdout), events.slice(3));
});

test('an export is downloaded by its owner only', async () => {
  const run = await cli(['start', '--kind', 'export', '--format', 'ndjson', '--watch']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const id = queuedId(run);
  const count = Number(/^\s+NDJSON file of (\d+) tasks, \d+ bytes$/m.exec(run.stdout)?.[1]);
  assert.match(run.stdout, new RegExp(`^\\s+npm run cli -- download ${id}$`, 'm'));

  const file = join(dir, 'history.ndjson');
  const saved = await cli(['download', id, '--out', file]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.match(saved.stdout, new RegExp(`^saved ${file} \\(\\d+ tasks, \\d+ bytes\\)$`, 'm'));
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; events: unknown[] });
  assert.equal(rows.length, count, 'as many tasks as the result says');
  assert.ok(
    rows.some((r) => r.id === id),
    'the export itself is in its history',
  );
  assert.ok(
    rows.every((r) => UUID.test(r.id) && Array.isArray(r.events) && r.events.length > 0),
    'each task with its timeline',
  );

  const csv = await cli(['start', '--kind', 'export', '--watch']);
  assert.equal(csv.code, 0, csv.stderr);
  const printed = await cli(['download', queuedId(csv), '--out', '-']);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout.split('\n')[0], /\bevents\b/, 'a CSV header with the events column');

  // Someone else: the task is not theirs, and the file is not served without the owner's session.
  const stranger = await cli(['download', id, '--out', join(dir, 'stolen')], { session: 'stranger' });
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, /\(NOT_FOUND\)$/m);
  const anonymous = await fetch(`${frontend.url}/api/files/${id}`);
  assert.notEqual(anonymous.status, 200);
  const notAnExport = await cli(['download', queuedId(await cli(['start', '--below', '10']))]);
  assert.equal(notAnExport.code, 1);
  assert.match(notAnExport.stderr, /is a primes task; only an export has a file/);
});

test('list filters by status and kind with counts; cancel-all and retry-all act on the matching tasks, with --dry-run changing nothing', async () => {
  const session = 'bulk';
  const ids = [queuedId(await cli(['start'], { session })), queuedId(await cli(['start'], { session }))];
  const done = queuedId(await cli(['start', '--below', '10', '--watch'], { session }));
  const linesOf = (run: CliRun) => run.stdout.split('\n').filter((l) => /^[0-9a-f]{8} {2}/.test(l));

  const live = await cli(['list', '--status', 'waiting,in_progress'], { session });
  assert.equal(live.code, 0, live.stderr);
  assert.deepEqual(
    linesOf(live)
      .map((l) => l.slice(0, 8))
      .sort(),
    ids.map((id) => id.slice(0, 8)).sort(),
  );
  assert.match(live.stdout, /^2 of 2 {2}· {2}WAITING \d+ {2}IN_PROGRESS \d+ {2}FINISHED 1 {2}CANCELLED 0 {2}ERROR 0$/m);
  const primes = await cli(['list', '--kind', 'primes'], { session });
  assert.deepEqual(
    linesOf(primes).map((l) => l.slice(0, 8)),
    [done.slice(0, 8)],
  );

  const dry = await cli(['cancel-all', '--dry-run'], { session });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^matched 2, would cancel 2, skipped 0 \(dry run: nothing changed\)$/m);
  assert.equal(linesOf(await cli(['list', '--status', 'CANCELLED'], { session })).length, 0, 'the dry run cancelled nothing');

  const cancelled = await cli(['cancel-all'], { session });
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, /^matched 2, cancelled 2, skipped 0$/m);
  const after = await cli(['list', '--status', 'CANCELLED'], { session });
  assert.deepEqual(
    linesOf(after)
      .map((l) => l.slice(0, 8))
      .sort(),
    ids.map((id) => id.slice(0, 8)).sort(),
  );
  assert.ok(linesOf(after).every((l) => /\sCANCELLED\s/.test(l)));

  const retryDry = await cli(['retry-all', '--status', 'CANCELLED', '--dry-run'], { session });
  assert.match(retryDry.stdout, /^matched 2, would retry 2, skipped 0 \(dry run: nothing changed\)$/m);
  const noFailures = await cli(['retry-all'], { session });
  assert.equal(noFailures.code, 0, noFailures.stderr);
  assert.match(noFailures.stdout, /^matched 0, retried 0, skipped 0$/m, 'by default only ERROR tasks are retried');

  const badStatus = await cli(['list', '--status', 'DONE'], { session });
  assert.equal(badStatus.code, 2);
  assert.match(badStatus.stderr, /^longrun: --status takes CANCELLED, ERROR, FINISHED, IN_PROGRESS, WAITING, not "DONE"$/m);
  const badKind = await cli(['cancel-all', '--kind', 'nope'], { session });
  assert.equal(badKind.code, 1);
  assert.match(badKind.stderr, /^longrun: filter\.kind: .*\(BAD_USER_INPUT\)$/m);
  const badTime = await cli(['list', '--created-after', 'yesterday'], { session });
  assert.equal(badTime.code, 1);
  assert.match(badTime.stderr, /^longrun: filter\.createdAfter must be an ISO 8601 date-time.*\(BAD_USER_INPUT\)$/m);
});

test('share prints a link anyone can open; unshare stops it; only the owner shares', async () => {
  const id = queuedId(await cli(['start']));
  const shared = await cli(['share', id, '--expires', '2h']);
  assert.equal(shared.code, 0, shared.stderr);
  const url = /^(http\S+\/watch\/(\S+))$/m.exec(shared.stdout);
  assert.ok(url, shared.stdout);
  assert.ok(url[1].startsWith(`${frontend.url}/watch/`));
  const expires = /until (\S+)$/m.exec(shared.stdout)![1];
  assert.ok(Math.abs(Date.parse(expires) - Date.now() - 7200_000) < 60_000, `two hours: ${expires}`);
  // Anyone, without a cookie: the task, through the gateway.
  const sharedTask = async () => {
    const response = await fetch(`${frontend.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query ($t: String!) { sharedTask(token: $t) { id } }', variables: { t: decodeURIComponent(url[2]) } }),
    });
    return (await response.json()) as { data?: { sharedTask: { id: string } } | null; errors?: { extensions: { code: string } }[] };
  };
  assert.equal((await sharedTask()).data?.sharedTask.id, id);

  const tooShort = await cli(['share', id, '--expires', '30s']);
  assert.equal(tooShort.code, 1);
  assert.match(tooShort.stderr, /\(BAD_USER_INPUT\)$/m);
  const badUnit = await cli(['share', id, '--expires', '1w']);
  assert.equal(badUnit.code, 2);
  const stranger = await cli(['unshare', id], { session: 'stranger' });
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, /\(NOT_FOUND\)$/m);
  assert.equal((await sharedTask()).data?.sharedTask.id, id, "a stranger's unshare changed nothing");

  const unshared = await cli(['unshare', id]);
  assert.equal(unshared.code, 0, unshared.stderr);
  assert.equal((await sharedTask()).errors?.[0]?.extensions.code, 'SHARE_REVOKED');
  await cli(['cancel', id]);
});

test('a refusal that says when to try again is printed with its code and the wait', async () => {
  // A frontend of its own whose address budget (this machine's, 127.0.0.1) is one request a minute.
  const strict = await startFrontend(
    {
      NODE_ENV: 'production',
      BACKEND_PORT: new URL(backend.url).port,
      INTERNAL_API_TOKEN: backend.token,
      SESSION_SECRET: randomToken() + randomToken(),
      COOKIE_SECURE: 'false',
      ADDRESS_OPS_LIMIT: '1',
      ADDRESS_OPS_WINDOW_S: '60',
    },
    { name: 'frontend-strict' },
  );
  try {
    assert.equal((await cli(['kinds'], { url: strict.url, session: 'strict' })).code, 0);
    const run = await cli(['kinds'], { url: strict.url, session: 'strict' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^longrun: .*\(RATE_LIMITED\)$/m);
    assert.match(run.stderr, /^ {2}try again in \d+ s$/m);
  } finally {
    await strict.stop();
  }
});
