import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exited, hasExited, LogCapture, stopChild, track, type ExitStatus, type StopOptions } from './children.js';

/** The monorepo root (this file lives in `<repo>/testkit/`). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const BACKEND_MAIN = `${REPO_ROOT}/backend/dist/main.js`;
export const FRONTEND_SERVER = `${REPO_ROOT}/frontend/dist/server.js`;

/** Environment every child gets: enough to run, nothing inherited that could change behaviour. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: '1', NODE_ENV: 'test' };
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'SystemRoot']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export interface SpawnOptions {
  /** Shown in errors and log dumps. Default: the command's base name. */
  name?: string;
  /** How long to wait for the ready line (default 30 s). */
  readyTimeoutMs?: number;
  cwd?: string;
  /** Inherit the test process's whole environment instead of a minimal one (default false). */
  inheritEnv?: boolean;
  /** Print the captured output to stderr when the service fails to start (default true). */
  printLogsOnFailure?: boolean;
}

export interface Service {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  readonly logs: LogCapture;
  /** The ready line's match (capture groups included). */
  readonly ready: RegExpMatchArray;
  /** Resolves when the process exits, however that happens. */
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM (or `signal`), wait up to `timeoutMs` (10 s), then SIGKILL. */
  stop(opts?: StopOptions): Promise<ExitStatus & { forced: boolean }>;
  /** Sends a signal without waiting (SIGKILL to simulate a crash, SIGSTOP to freeze...). */
  kill(signal: NodeJS.Signals): void;
}

/**
 * Spawns `cmd args` with `env` (on top of a minimal base environment), waits until a line of
 * its output matches `readyRegex`, and returns a handle. If it exits or times out first, the
 * captured output is printed and the error says why; the process is killed.
 */
export async function spawnService(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
  readyRegex: RegExp,
  opts: SpawnOptions = {},
): Promise<Service> {
  const name = opts.name ?? cmd.split('/').pop() ?? cmd;
  const fullEnv: Record<string, string> = opts.inheritEnv ? { ...(process.env as Record<string, string>) } : baseEnv();
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete fullEnv[k];
    else fullEnv[k] = v;
  }
  const child = spawn(cmd, args, { env: fullEnv, cwd: opts.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const logs = new LogCapture(name);
  logs.attach(child);
  const exit = exited(child);

  const died = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new Error(`${name}: could not start ${cmd}: ${e.message}`)));
    exit.then(({ code, signal }) => reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready`)));
  });
  died.catch(() => undefined);

  let ready: RegExpMatchArray;
  try {
    ready = await logs.waitFor(readyRegex, opts.readyTimeoutMs ?? 30_000, died);
  } catch (error) {
    await stopChild(child, { signal: 'SIGKILL', timeoutMs: 5000 });
    if (opts.printLogsOnFailure !== false) {
      process.stderr.write(`\n----- ${name} output (failed to start) -----\n${logs.text()}\n----- end of ${name} output -----\n`);
    }
    throw new Error(`${(error as Error).message}\n--- last lines of ${name} ---\n${logs.tail(40)}`);
  }

  return {
    name,
    process: child,
    pid: child.pid!,
    logs,
    ready,
    exited: exit,
    stop: (stopOpts) => stopChild(child, stopOpts),
    kill: (signal) => {
      if (!hasExited(child)) child.kill(signal);
    },
  };
}

export type BackendRole = 'api' | 'worker' | 'all';

export interface Backend extends Service {
  /** http://127.0.0.1:PORT/graphql (undefined for a worker-only process). */
  readonly url: string;
  /** ws://127.0.0.1:PORT/graphql */
  readonly wsUrl: string;
  /** The INTERNAL_API_TOKEN it was started with. */
  readonly token: string;
  readonly prefix: string;
  readonly role: BackendRole;
  /** The exact environment it was given (on top of the minimal base). */
  readonly env: Record<string, string>;
}

let prefixCounter = 0;

/** A Redis key prefix no other process of this test run uses. */
export function uniquePrefix(label = 't'): string {
  prefixCounter += 1;
  return `${label}-${process.pid}-${prefixCounter}-${randomBytes(3).toString('hex')}`.slice(0, 40);
}

/** A random INTERNAL_API_TOKEN. */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface BackendOptions extends SpawnOptions {
  /** Path of the entry point (default `<repo>/backend/dist/main.js`). */
  entry?: string;
}

/**
 * Starts the built backend (`node backend/dist/main.js`) with `env` on top of test defaults:
 * BACKEND_PORT=0 (a free port; the URL comes from its "listening on" line), a unique
 * REDIS_PREFIX, a random INTERNAL_API_TOKEN, NODE_ENV=test, the per-address task budget and the
 * queue's admission bound opened wide (a test of either sets it). Set REDIS_URL yourself. Waits for
 * "listening on" (api, all) or "worker consuming" (worker).
 */
export async function startBackend(env: Record<string, string | undefined>, opts: BackendOptions = {}): Promise<Backend> {
  const entry = opts.entry ?? BACKEND_MAIN;
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: build the backend first (cd backend && npx tsc -p tsconfig.build.json)`);
  }
  const role = (env.BACKEND_ROLE ?? 'all') as BackendRole;
  const full: Record<string, string> = {
    BACKEND_PORT: '0',
    REDIS_PREFIX: uniquePrefix('lr'),
    INTERNAL_API_TOKEN: randomToken(),
    NODE_ENV: 'test',
    // Every test client shares 127.0.0.1: the per-address budget is opened wide unless a test sets it.
    TASK_CREATE_ADDRESS_LIMIT: '1000000',
    // Load runs (bench, scale) queue more than a deployment's default admits; a test of the bound sets it.
    MAX_QUEUED_TASKS: '1000000000',
    // Fault, load and flow tests run many tasks of one session at once; a test of the per-user cap sets it.
    MAX_RUNNING_PER_USER: '10000',
  };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) full[k] = v;
  const ready = role === 'worker' ? /worker consuming/ : /listening on (https?:\/\/[^\s"]+)/;
  const service = await spawnService(process.execPath, [entry], full, ready, {
    ...opts,
    name: opts.name ?? `backend(${role})`,
    readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
  });
  const url = role === 'worker' ? '' : service.ready[1];
  return Object.assign(service, {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    token: full.INTERNAL_API_TOKEN,
    prefix: full.REDIS_PREFIX,
    role,
    env: full,
  });
}

export interface Frontend extends Service {
  /** The base URL from its "ready on" line, e.g. http://127.0.0.1:PORT */
  readonly url: string;
}

/**
 * Starts the built frontend (`node frontend/dist/server.js`) and waits for its
 * "ready on http://..." line, with the per-address bounds opened wide (a test of them sets them).
 * `env` must say how to reach the backend.
 */
export async function startFrontend(env: Record<string, string | undefined>, opts: BackendOptions = {}): Promise<Frontend> {
  const entry = opts.entry ?? FRONTEND_SERVER;
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: build the frontend first`);
  // Every test client shares 127.0.0.1: the per-address bounds are opened wide unless a test sets them.
  const wide = { ADDRESS_OPS_LIMIT: '1000000', WS_MAX_SOCKETS_PER_ADDRESS: '100000' };
  const service = await spawnService(process.execPath, [entry], { PORT: '0', ...wide, ...env }, /ready on (https?:\/\/[^\s"]+)/, {
    ...opts,
    name: opts.name ?? 'frontend',
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
    cwd: opts.cwd ?? `${REPO_ROOT}/frontend`,
  });
  return Object.assign(service, { url: service.ready[1].replace(/\/$/, '') });
}
