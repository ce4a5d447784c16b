import { randomBytes } from 'node:crypto';
import { commonEnv, envBool, envFlag, envInt, envPort, parseEnv, requiredInProduction, type LogFormat, type LogLevel } from '@longrun/server-common';
import { z } from 'zod';

/**
 * The backend's whole configuration, parsed once per process from the environment.
 * Nothing else in the backend reads `process.env`.
 */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export const configSchema = z
  .object({
    ...commonEnv,
    /** `api`: GraphQL only; `worker`: runs tasks only; `all`: both in one process. */
    BACKEND_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
    BACKEND_HOST: z.string().min(1).default('127.0.0.1'),
    /** The backend must never face browsers; binding elsewhere needs this explicit opt-in. */
    BACKEND_ALLOW_NON_LOOPBACK: envBool(false),
    BACKEND_PORT: envPort(4000),
    /** `single`: one Redis; `cluster`: a Redis Cluster (REDIS_URL lists seed nodes); `sentinel`: a master found through Sentinel. */
    REDIS_MODE: z.enum(['single', 'cluster', 'sentinel']).default('single'),
    /** single: one redis:// URL. cluster: comma-separated seed node URLs. sentinel: only its credentials, db and scheme are used. */
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    /** sentinel: comma-separated `host:port` of the Sentinels. */
    REDIS_SENTINELS: z.string().optional(),
    /** sentinel: the monitored master's name. */
    REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
    /** Namespace for every key, channel and queue, so several deployments (or tests) share a Redis. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .default('longrun'),
    /**
     * Every long-lived, non-blocking Redis connection (commands, pub/sub, BullMQ's) sends a PING
     * this often; one unanswered within REDIS_PING_TIMEOUT_MS is dropped and reconnected.
     */
    REDIS_PING_INTERVAL_MS: envInt(5000, 100),
    REDIS_PING_TIMEOUT_MS: envInt(5000, 100),
    /** Each served graphql-ws socket (a gateway's) is pinged this often; one that has not answered the previous ping is dropped. */
    GATEWAY_SOCKET_PING_MS: envInt(10000, 100),
    TASK_MIN_DURATION_MS: envInt(1000),
    TASK_MAX_DURATION_MS: envInt(10000),
    TASK_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.1),
    TASK_RANDOM_SEED: z.string().min(1).optional(),
    TASK_RETENTION_S: envInt(86400, 1),
    /** Attempts a simulated task makes unless it asks for its own (1: the seed's single attempt). */
    TASK_MAX_ATTEMPTS: envInt(1, 1).pipe(z.number().max(10)),
    /** Base delay before a simulated task's second attempt (later ones back off exponentially). */
    TASK_RETRY_DELAY_MS: envInt(1000, 0).pipe(z.number().max(300000)),
    /** The largest file a task may keep for download (an export), in bytes. */
    FILE_MAX_BYTES: envInt(5 * 1024 * 1024, 1024),
    /** Log lines one task may add to its timeline (then one warning, and the rest are dropped). */
    LOG_LINES_PER_TASK: envInt(500, 1),
    WORKER_CONCURRENCY: envInt(50, 1),
    /** A running job's lock lives this long unless its worker renews it (every quarter of it). */
    WORKER_LOCK_DURATION_MS: envInt(30000, 100),
    /** How often workers look for jobs whose lock expired (their worker died or froze). */
    WORKER_STALLED_INTERVAL_MS: envInt(30000, 100),
    /** A running task that reports nothing for this long is stuck: its work is stopped and it ends ERROR. */
    TASK_STALL_TIMEOUT_MS: envInt(60000, 500),
    /**
     * On SIGTERM a worker lets its running attempts finish for this long, then exits anyway (those
     * attempts then count as lost). Default: TASK_MAX_DURATION_MS + 5 s, enough for a default
     * simulated task; tasks whose input asks for longer work need a larger grace.
     */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(1000).optional(),
    /** Per-user `createTask` budget: this many per window, shared by every API process (in Redis). */
    TASK_CREATE_LIMIT: envInt(20, 1),
    /** Tasks one user may have IN_PROGRESS at once; the rest wait while other users' tasks start. */
    MAX_RUNNING_PER_USER: envInt(10, 1).pipe(z.number().max(10000)),
    TASK_CREATE_WINDOW_S: envInt(10, 1),
    /** The shortest life `shareTask` allows a link, in seconds (tests lower it to watch a link expire). */
    SHARE_MIN_EXPIRES_S: envInt(60, 1).pipe(z.number().max(3600)),
    /**
     * Per client address (asserted by the gateway; an IPv6 /64 counts as one): tasks started per
     * TASK_CREATE_WINDOW_S, shared by every API process. Sessions are free, addresses are not.
     */
    TASK_CREATE_ADDRESS_LIMIT: envInt(60, 1),
    /** Queued tasks (waiting, prioritized or delayed jobs) beyond which no new task is admitted. */
    MAX_QUEUED_TASKS: envInt(10000, 1),
    /** How often a worker process reconciles task records with their jobs. */
    RECONCILE_INTERVAL_MS: envInt(30000, 200),
    /** How long `cancelTask` waits for the worker to confirm a running task stopped. */
    CANCEL_TIMEOUT_MS: envInt(5000, 100),
    /** Introspection and field suggestions; default: on unless NODE_ENV=production. */
    GRAPHQL_INTROSPECTION: envFlag(),
    /**
     * A worker-only process has no HTTP server; with this set it serves /healthz, /readyz and
     * /metrics on BACKEND_HOST at this port (0: a free port, printed at start). Unset: none.
     */
    WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** When set, /metrics wants `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open (the port is private). */
    METRICS_TOKEN: z.string().min(16).optional(),
    /** Basic-auth password (user `admin`) of the queue dashboard at /admin/queues; unset, the dashboard refuses everyone. */
    ADMIN_PASSWORD: z.string().min(12).optional(),
  })
  .superRefine((c, ctx) => {
    for (const problem of redisProblems(c.REDIS_MODE, c.REDIS_URL, c.REDIS_SENTINELS)) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: [problem.variable] });
    }
  })
  .refine((c) => c.TASK_MIN_DURATION_MS <= c.TASK_MAX_DURATION_MS, {
    message: 'TASK_MIN_DURATION_MS must not exceed TASK_MAX_DURATION_MS',
    path: ['TASK_MIN_DURATION_MS'],
  })
  .refine((c) => c.BACKEND_ALLOW_NON_LOOPBACK || LOOPBACK.has(c.BACKEND_HOST), {
    message: 'BACKEND_HOST must be a loopback address unless BACKEND_ALLOW_NON_LOOPBACK=true',
    path: ['BACKEND_HOST'],
  })
  .refine(...requiredInProduction('INTERNAL_API_TOKEN'));

export interface Config {
  env: 'development' | 'production' | 'test';
  role: 'api' | 'worker' | 'all';
  host: string;
  port: number;
  redis: RedisTopology;
  /** Keep-alive of each non-blocking Redis connection: a dead link is dropped within intervalMs + timeoutMs. */
  redisPing: { intervalMs: number; timeoutMs: number };
  /** Ping interval of served graphql-ws sockets: a silent one is dropped within two. */
  wsPingMs: number;
  prefix: string;
  internalToken: string;
  /** True when the token was generated here: only useful when nothing else must call us. */
  internalTokenGenerated: boolean;
  introspection: boolean;
  task: {
    minDurationMs: number;
    maxDurationMs: number;
    failureRate: number;
    seed: string | undefined;
    retentionS: number;
    maxAttempts: number;
    retryDelayMs: number;
    fileMaxBytes: number;
    logLinesPerTask: number;
  };
  worker: {
    concurrency: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    stallTimeoutMs: number;
    shutdownGraceMs: number;
  };
  cancelTimeoutMs: number;
  reconcileIntervalMs: number;
  createLimit: { points: number; windowS: number; addressPoints: number };
  maxQueuedTasks: number;
  /** `shareTask`'s lower bound on `expiresInSeconds`. */
  shareMinExpiresS: number;
  /** Tasks one user may have IN_PROGRESS at once (MAX_RUNNING_PER_USER). */
  maxRunningPerUser: number;
  ops: {
    logLevel: LogLevel;
    /** Undefined: decide at start (pretty in development on a TTY, else JSON). */
    logFormat: LogFormat | undefined;
    workerHealthPort: number | undefined;
    metricsToken: string | undefined;
    adminPassword: string | undefined;
  };
}

export interface RedisAddress {
  host: string;
  port: number;
}

/** How to reach Redis: one server, a cluster (seed nodes), or a master through Sentinel. */
export interface RedisTopology {
  mode: 'single' | 'cluster' | 'sentinel';
  /** single: the server; cluster: the seed nodes; sentinel: the Sentinels. */
  nodes: RedisAddress[];
  /** sentinel: the master's name. */
  sentinelName: string | undefined;
  username: string | undefined;
  password: string | undefined;
  db: number | undefined;
  tls: boolean;
}

/** Parses and validates the environment; throws a `ConfigError` listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const c = parseEnv(configSchema, env, 'backend');
  return {
    env: c.NODE_ENV,
    role: c.BACKEND_ROLE,
    host: c.BACKEND_HOST,
    port: c.BACKEND_PORT,
    redis: redisTopology(c.REDIS_MODE, c.REDIS_URL, c.REDIS_SENTINELS, c.REDIS_SENTINEL_NAME),
    redisPing: { intervalMs: c.REDIS_PING_INTERVAL_MS, timeoutMs: c.REDIS_PING_TIMEOUT_MS },
    wsPingMs: c.GATEWAY_SOCKET_PING_MS,
    prefix: c.REDIS_PREFIX,
    internalToken: c.INTERNAL_API_TOKEN ?? randomBytes(32).toString('base64url'),
    internalTokenGenerated: c.INTERNAL_API_TOKEN === undefined,
    introspection: c.GRAPHQL_INTROSPECTION ?? c.NODE_ENV !== 'production',
    task: {
      minDurationMs: c.TASK_MIN_DURATION_MS,
      maxDurationMs: c.TASK_MAX_DURATION_MS,
      failureRate: c.TASK_FAILURE_RATE,
      seed: c.TASK_RANDOM_SEED,
      retentionS: c.TASK_RETENTION_S,
      maxAttempts: c.TASK_MAX_ATTEMPTS,
      retryDelayMs: c.TASK_RETRY_DELAY_MS,
      fileMaxBytes: c.FILE_MAX_BYTES,
      logLinesPerTask: c.LOG_LINES_PER_TASK,
    },
    worker: {
      concurrency: c.WORKER_CONCURRENCY,
      lockDurationMs: c.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: c.WORKER_STALLED_INTERVAL_MS,
      stallTimeoutMs: c.TASK_STALL_TIMEOUT_MS,
      shutdownGraceMs: c.SHUTDOWN_GRACE_MS ?? c.TASK_MAX_DURATION_MS + 5000,
    },
    cancelTimeoutMs: c.CANCEL_TIMEOUT_MS,
    reconcileIntervalMs: c.RECONCILE_INTERVAL_MS,
    createLimit: { points: c.TASK_CREATE_LIMIT, windowS: c.TASK_CREATE_WINDOW_S, addressPoints: c.TASK_CREATE_ADDRESS_LIMIT },
    maxQueuedTasks: c.MAX_QUEUED_TASKS,
    shareMinExpiresS: c.SHARE_MIN_EXPIRES_S,
    maxRunningPerUser: c.MAX_RUNNING_PER_USER,
    ops: {
      logLevel: c.LOG_LEVEL,
      logFormat: c.LOG_FORMAT,
      workerHealthPort: c.WORKER_HEALTH_PORT,
      metricsToken: c.METRICS_TOKEN,
      adminPassword: c.ADMIN_PASSWORD,
    },
  };
}

/** Nest injection token for the parsed `Config`. */
export const CONFIG = Symbol('CONFIG');

const REDIS_SCHEMES = new Set(['redis:', 'rediss:']);

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `redis://host:port` or a bare `host:port` (cluster seeds are often written that way). */
function parseRedisUrl(entry: string): URL | undefined {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `redis://${entry}`);
    return REDIS_SCHEMES.has(url.protocol) && url.hostname ? url : undefined;
  } catch {
    return undefined;
  }
}

function parseAddress(entry: string): RedisAddress | undefined {
  const url = parseRedisUrl(entry);
  return url ? { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) } : undefined;
}

function redisProblems(mode: RedisTopology['mode'], redisUrl: string, sentinels: string | undefined): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  const entries = splitList(redisUrl);
  if (entries.length === 0) problems.push({ variable: 'REDIS_URL', message: 'must not be empty' });
  for (const entry of entries) {
    if (!parseRedisUrl(entry)) problems.push({ variable: 'REDIS_URL', message: `"${entry}" is not a redis:// or rediss:// URL` });
  }
  if (mode !== 'cluster' && entries.length > 1) {
    problems.push({ variable: 'REDIS_URL', message: 'lists several servers: set REDIS_MODE=cluster for a Redis Cluster' });
  }
  const db = entries.length > 0 ? parseRedisUrl(entries[0])?.pathname.slice(1) : '';
  if (db && !/^\d+$/.test(db)) problems.push({ variable: 'REDIS_URL', message: `database "${db}" is not a number` });
  else if (mode === 'cluster' && db && Number(db) !== 0) problems.push({ variable: 'REDIS_URL', message: 'a Redis Cluster has only database 0' });
  if (mode === 'sentinel') {
    const list = splitList(sentinels);
    if (list.length === 0) problems.push({ variable: 'REDIS_SENTINELS', message: 'is required when REDIS_MODE=sentinel (host:port,...)' });
    for (const entry of list) {
      if (!parseAddress(entry)) problems.push({ variable: 'REDIS_SENTINELS', message: `"${entry}" is not host:port` });
    }
  }
  return problems;
}

/** Builds the topology from already validated settings; credentials come from the first URL. */
function redisTopology(mode: RedisTopology['mode'], redisUrl: string, sentinels: string | undefined, sentinelName: string): RedisTopology {
  const urls = splitList(redisUrl).map((entry) => parseRedisUrl(entry)!);
  const first = urls[0];
  const db = first.pathname.length > 1 ? Number(first.pathname.slice(1)) : undefined;
  return {
    mode,
    nodes: mode === 'sentinel' ? splitList(sentinels).map((e) => parseAddress(e)!) : urls.map((u) => parseAddress(u.href)!),
    sentinelName: mode === 'sentinel' ? sentinelName : undefined,
    username: first.username ? decodeURIComponent(first.username) : undefined,
    password: first.password ? decodeURIComponent(first.password) : undefined,
    db: mode === 'cluster' ? undefined : db,
    tls: first.protocol === 'rediss:',
  };
}
