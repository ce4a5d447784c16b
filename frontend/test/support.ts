/**
 * Shared pieces of the gateway suites: one real stack (private redis-server, built backend, a
 * counting TCP proxy, built frontend in production mode), a "browser" that keeps its own session
 * cookie, raw WebSocket access for protocol-level tests, and the GraphQL documents.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CREATE,
  REPO_ROOT,
  redisCall,
  startBackend,
  startFrontend,
  startProxy,
  startRedis,
  TASKS,
  wsClient,
  type Backend,
  type Frontend,
  type GqlHttpResponse,
  type GqlResult,
  type RedisServer,
  type Task,
  type TcpProxy,
  type WsClient,
} from '../../testkit/index.js';
import { redisKeys } from '../../backend/src/redis/redis-keys.js';

export { CANCEL, CREATE, STATUS, TASK, TASKS, type Task } from '../../testkit/index.js';
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export interface Stack {
  redis: RedisServer;
  backend: Backend;
  /** Between the frontend and the backend: counts the frontend's upstream connections. */
  proxy: TcpProxy;
  frontend: Frontend;
  sessionSecret: string;
  /** The internal credential, for another backend process of the same deployment. */
  token: string;
  /** http://127.0.0.1:PORT/api/graphql */
  gql: string;
  /** ws://127.0.0.1:PORT/api/graphql */
  ws: string;
  /** The frontend's own origin, as a browser on its page sends it. */
  origin: string;
  /** Starts another frontend on the same backend (through the same proxy), stopped with the stack. */
  addFrontend(env?: Record<string, string | undefined>): Promise<Frontend>;
  stop(): Promise<void>;
}

export interface StackOptions {
  backendEnv?: Record<string, string | undefined>;
  frontendEnv?: Record<string, string | undefined>;
}

/**
 * Redis + backend (short tasks that never fail, unless overridden) + proxy + frontend in
 * production mode, with the settings `npm start` uses for a plain-HTTP local run.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const redis = await startRedis();
  const token = randomBytes(24).toString('base64url');
  const sessionSecret = randomBytes(32).toString('base64url');
  const extra: Frontend[] = [];
  let backend: Backend | undefined;
  let proxy: TcpProxy | undefined;
  try {
    backend = await startBackend({
      REDIS_URL: redis.url,
      INTERNAL_API_TOKEN: token,
      TASK_MIN_DURATION_MS: '1500',
      TASK_MAX_DURATION_MS: '3000',
      TASK_FAILURE_RATE: '0',
      ...opts.backendEnv,
    });
    proxy = await startProxy({ port: Number(new URL(backend.url).port) });
    const frontendEnv = (env: Record<string, string | undefined> = {}) => ({
      NODE_ENV: 'production',
      BACKEND_URL: proxy!.url('/graphql'),
      INTERNAL_API_TOKEN: token,
      SESSION_SECRET: sessionSecret,
      COOKIE_SECURE: 'false',
      ...env,
    });
    const frontend = await startFrontend(frontendEnv(opts.frontendEnv));
    const p = proxy;
    const b = backend;
    return {
      redis,
      backend: b,
      proxy: p,
      frontend,
      sessionSecret,
      token,
      gql: `${frontend.url}/api/graphql`,
      ws: `${frontend.url.replace(/^http/, 'ws')}/api/graphql`,
      origin: frontend.url,
      addFrontend: async (env) => {
        const f = await startFrontend(frontendEnv({ ...opts.frontendEnv, ...env }), { name: `frontend-${extra.length + 2}` });
        extra.push(f);
        return f;
      },
      stop: async () => {
        await Promise.all([frontend, ...extra].map((f) => f.stop()));
        await p.stop();
        await b.stop();
        await redis.stop();
      },
    };
  } catch (error) {
    await proxy?.stop();
    await backend?.stop();
    await redis.stop();
    throw error;
  }
}

export interface PostOptions {
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
  /** Send no session cookie, even if this browser has one. */
  anonymous?: boolean;
}

/** `name=value` of every Set-Cookie in a response, and the raw headers. */
export function setCookies(headers: Headers): string[] {
  return headers.getSetCookie();
}

/** The `longrun_session` Set-Cookie header of a response, if any. */
export function sessionSetCookie(headers: Headers): string | undefined {
  return setCookies(headers).find((c) => c.startsWith('longrun_session='));
}

/**
 * One browser: it keeps the session cookie the gateway gives it (like a cookie jar) and sends
 * it with every request and WebSocket upgrade, with its page's Origin on upgrades.
 */
export class Browser {
  cookie: string | undefined;

  constructor(
    readonly stack: Pick<Stack, 'gql' | 'ws' | 'origin'>,
    cookie?: string,
  ) {
    this.cookie = cookie;
  }

  /** The cookie's value (`<id>.<issued>.<signature>`). */
  get sessionValue(): string | undefined {
    return this.cookie?.replace(/^longrun_session=/, '');
  }

  async post<D = any>(query: string, variables?: Record<string, unknown>, opts: PostOptions = {}): Promise<GqlHttpResponse<D>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...opts.headers };
    if (this.cookie && !opts.anonymous) headers.cookie = this.cookie;
    const res = await fetch(this.stack.gql, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables, ...(opts.extensions ? { extensions: opts.extensions } : {}) }),
      signal: AbortSignal.timeout(20_000),
    });
    const issued = sessionSetCookie(res.headers);
    if (issued && !opts.anonymous) this.cookie = issued.split(';')[0];
    const text = await res.text();
    let body: GqlResult<D> | undefined;
    try {
      body = JSON.parse(text) as GqlResult<D>;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, body, text };
  }

  /** Runs an operation and returns `data[field]`, failing the test on any error. */
  async ok<T = any>(query: string, field: string, variables?: Record<string, unknown>): Promise<T> {
    const res = await this.post(query, variables);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body?.errors, undefined, `${field}: ${res.text}`);
    return (res.body!.data as Record<string, T>)[field];
  }

  /** Makes sure this browser has a session (a first request sets the cookie). */
  async init(): Promise<this> {
    if (!this.cookie) await this.post('query Hello { __typename }');
    assert.ok(this.cookie, 'the gateway set a session cookie');
    return this;
  }

  create(): Promise<Task> {
    return this.ok<Task>(CREATE, 'createTask');
  }

  list(first = 100): Promise<Task[]> {
    return this.ok<Task[]>(TASKS, 'tasks', { first });
  }

  /** A graphql-ws client that upgrades with this browser's cookie and its page's Origin. */
  ws(options: Partial<ClientOptions> = {}, headers: Record<string, string> = {}): WsClient {
    return wsClient(this.stack.ws, {
      webSocketImpl: webSocketWith({ origin: this.stack.origin, ...(this.cookie ? { cookie: this.cookie } : {}), ...headers }),
      ...options,
    });
  }
}

/** A `WebSocket` class that sends these headers with its upgrade request (for graphql-ws). */
export function webSocketWith(headers: Record<string, string>): typeof WebSocket {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  } as typeof WebSocket;
}

/** Tries an upgrade and reports the HTTP status: 101 when it was accepted (the socket is closed again). */
export function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers, handshakeTimeout: 10_000 });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
  });
}

/**
 * A WebSocket speaking graphql-transport-ws by hand: send any frame (valid or not), wait for
 * messages, see how it closed.
 */
export class RawSocket {
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<{ match: (m: any) => boolean; resolve: (m: any) => void }>();
  private readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (raw) => {
      let message: any;
      try {
        message = JSON.parse(raw.toString());
      } catch {
        message = raw.toString();
      }
      this.messages.push(message);
      for (const w of [...this.waiters]) {
        if (w.match(message)) {
          this.waiters.delete(w);
          w.resolve(message);
        }
      }
    });
    socket.on('error', () => undefined);
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws', { headers, handshakeTimeout: 10_000 });
      socket.once('open', () => resolve(new RawSocket(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  /** Opens and completes the handshake (connection_init → connection_ack). */
  static async ready(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
    const s = await RawSocket.open(url, headers);
    s.send({ type: 'connection_init', payload: {} });
    await s.next((m) => m?.type === 'connection_ack', 10_000);
    return s;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>): void {
    this.send({ id, type: 'subscribe', payload: { query, variables, ...(extensions ? { extensions } : {}) } });
  }

  /** The first message (already received or future) that matches. */
  next(match: (m: any) => boolean, timeoutMs: number): Promise<any> {
    const seen = this.messages.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: any) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`RawSocket: no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

/** How a close arrives, bounded. */
export async function closedWithin(socket: RawSocket, ms: number): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      socket.closed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first error's code and message of an HTTP answer or a list of errors. */
export function firstError(result: GqlResult | undefined): { code?: string; message?: string; extensions?: Record<string, any> } {
  const e = result?.errors?.[0];
  return { code: e?.extensions?.code, message: e?.message, extensions: e?.extensions };
}

/** The app's shipped operations by hash (codegen's persisted documents). */
export function persistedDocuments(): Record<string, string> {
  return JSON.parse(readFileSync(`${REPO_ROOT}/frontend/src/graphql/generated/persisted-documents.json`, 'utf8')) as Record<string, string>;
}

/** Asserts that no answer text carries internals (stack frames, file paths). */
export function assertNoInternals(text: string, what = 'answer'): void {
  assert.doesNotMatch(text, /"stack"|stacktrace|\bat [\w.<>]+ \(|\/node_modules\/|\.(?:js|ts):\d+/i, `${what} leaks internals: ${text.slice(0, 500)}`);
}

/** How many task records the backend holds in Redis (under the stack's prefix). */
export async function taskRecordCount(stack: Pick<Stack, 'redis' | 'backend'>): Promise<number> {
  const keys = (await redisCall(stack.redis.port, 'KEYS', redisKeys(stack.backend.prefix).task('*'))) as string[];
  // task('*') also matches each task's timeline and file keys (`<task key>:events`, `:file`).
  return keys.filter((k) => k === redisKeys(stack.backend.prefix).task(k.slice(k.lastIndexOf(':') + 1))).length;
}
