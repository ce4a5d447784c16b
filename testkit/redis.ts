import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { hasExited, LogCapture, stopChild, track, type ExitStatus } from './children.js';
import { freePort } from './ports.js';

export interface RedisOptions {
  /** Turn on the append-only file (in `dir`), so data survives a restart. Default off. */
  aof?: boolean;
  /** Data directory. Default: a fresh temp dir, removed on `stop()` unless `keepDir`. */
  dir?: string;
  /** Fixed port (e.g. to come back on the same port). Default: a free loopback port. */
  port?: number;
  /** Extra redis-server arguments, e.g. ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']. */
  args?: string[];
  /** How long to wait for PING to answer (default 10 s). */
  startTimeoutMs?: number;
}

export interface RedisStopOptions {
  signal?: NodeJS.Signals;
  timeoutMs?: number;
  /** Keep the data directory even if the testkit created it (default false). */
  keepDir?: boolean;
}

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The current redis-server process (replaced by `restart()`). */
  readonly process: ChildProcess;
  readonly logs: LogCapture;
  /** Stops redis-server (SIGTERM, then SIGKILL after a bound); removes a temp dir it created. */
  stop(opts?: RedisStopOptions): Promise<ExitStatus & { forced: boolean }>;
  /**
   * Stops it (the data directory is kept) and starts it again on the same port and dir, with
   * the same options. With `aof: true` the data survives. `downMs` keeps it down that long.
   */
  restart(opts?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
}

const HOST = '127.0.0.1';

/** Finds an executable on PATH, or undefined. */
export function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, bin);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type RespValue = string | number | null | RespValue[];

/** A Redis error reply (e.g. "-ERR unknown command"). */
export class RedisReplyError extends Error {}

/** Parses one RESP reply from `buf` at `pos`; undefined if the buffer does not hold all of it yet. */
function parseResp(buf: Buffer, pos: number): { value: RespValue | RedisReplyError; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RedisReplyError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buf, at);
        if (!item) return undefined;
        items.push(item.value instanceof RedisReplyError ? item.value.message : item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

/**
 * Sends one command to a Redis (a port on 127.0.0.1, or a redis:// URL without auth) on a
 * fresh connection and resolves with the parsed reply: strings, numbers, null, arrays. An
 * error reply rejects with RedisReplyError. Dependency-free, for probing and fault injection
 * (`redisCall(port, 'CLIENT', 'KILL', 'TYPE', 'pubsub')`).
 */
export function redisCall(target: number | string, ...args: (string | number)[]): Promise<RespValue> {
  const timeoutMs = 5000;
  const port = typeof target === 'number' ? target : Number(new URL(target).port || 6379);
  const host = typeof target === 'number' ? HOST : new URL(target).hostname;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | null, value?: RespValue) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value ?? null);
    };
    const timer = setTimeout(() => finish(new Error(`redis ${args[0]}: no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (e) => finish(e));
    socket.once('connect', () => {
      const parts = args.map(String);
      socket.write(`*${parts.length}\r\n${parts.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const reply = parseResp(buf, 0);
        if (!reply) return;
        if (reply.value instanceof RedisReplyError) finish(reply.value);
        else finish(null, reply.value);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.once('close', () => finish(new Error(`redis ${args[0]}: connection closed before a reply`)));
  });
}

/** `HGETALL` as an object. */
export async function redisHash(target: number | string, key: string): Promise<Record<string, string>> {
  const flat = (await redisCall(target, 'HGETALL', key)) as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

async function waitForPing(port: number, child: ChildProcess, logs: LogCapture, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`redis-server exited before answering PING:\n${logs.tail(30)}`);
    try {
      last = String(await redisCall(port, 'PING'));
      if (last === 'PONG') {
        // Make sure it is our redis-server answering, not another that took the port first.
        const info = String(await redisCall(port, 'INFO', 'server'));
        const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
        if (pid === child.pid) return;
        throw new Error(`port ${port} is answered by another redis-server (pid ${pid}): Address already in use`);
      }
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms (last: ${last}):\n${logs.tail(30)}`);
}

interface Spawned {
  child: ChildProcess;
  logs: LogCapture;
}

async function spawnRedis(bin: string, port: number, dir: string, opts: RedisOptions): Promise<Spawned> {
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.aof ? 'yes' : 'no',
    ...(opts.aof ? ['--appendfsync', 'everysec'] : []),
    '--logfile',
    '',
    ...(opts.args ?? []),
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const logs = new LogCapture(`redis-server:${port}`);
  logs.attach(child);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  try {
    await Promise.race([waitForPing(port, child, logs, opts.startTimeoutMs ?? 10_000), spawnError]);
  } catch (error) {
    await stopChild(child, { signal: 'SIGKILL', timeoutMs: 2000 });
    throw error;
  }
  return { child, logs };
}

/**
 * Starts a private redis-server on a free loopback port (never 6379), without persistence
 * unless `aof` is set, and resolves once it answers PING.
 */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const bin = which('redis-server');
  if (!bin) {
    throw new Error(
      'redis-server was not found on PATH. The tests start their own private Redis; install it ' +
        '(e.g. `apt-get install redis-server` or `brew install redis`) and make sure `redis-server` is on PATH.',
    );
  }
  if (opts.port === 6379) throw new Error('startRedis: refusing port 6379 (it may be a real Redis)');
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'longrun-redis-'));

  let spawned: Spawned | undefined;
  let port = opts.port ?? 0;
  let lastError: unknown;
  // A free port can be taken between freePort() and bind: retry with another one.
  for (let attempt = 0; attempt < 5 && !spawned; attempt++) {
    if (opts.port === undefined) port = await freePort(HOST);
    try {
      spawned = await spawnRedis(bin, port, dir, opts);
    } catch (error) {
      lastError = error;
      if (opts.port !== undefined || !/Address already in use|bind/i.test(String((error as Error).message))) break;
    }
  }
  if (!spawned) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }

  let current = spawned;
  const server: RedisServer = {
    url: `redis://${HOST}:${port}`,
    port,
    dir,
    get process() {
      return current.child;
    },
    get logs() {
      return current.logs;
    },
    async stop(stopOpts: RedisStopOptions = {}) {
      const status = await stopChild(current.child, { signal: stopOpts.signal, timeoutMs: stopOpts.timeoutMs ?? 10_000 });
      if (ownDir && !stopOpts.keepDir) rmSync(dir, { recursive: true, force: true });
      return status;
    },
    async restart(restartOpts = {}) {
      await stopChild(current.child, { signal: restartOpts.signal ?? 'SIGTERM', timeoutMs: 10_000 });
      if (restartOpts.downMs) await new Promise((r) => setTimeout(r, restartOpts.downMs));
      current = await spawnRedis(bin, port, dir, opts);
    },
  };
  return server;
}
