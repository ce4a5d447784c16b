import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * The frontend server's whole configuration, parsed once per process. Nothing else in the
 * server reads `process.env` (browser code gets nothing from it).
 */
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    BACKEND_PORT: z.coerce.number().int().min(1).max(65535).default(4000),
    /** Overrides BACKEND_PORT: the backend's GraphQL endpoint (http://; ws:// is derived). */
    BACKEND_URL: z.string().url().optional(),
    INTERNAL_API_TOKEN: z.string().min(16).optional(),
    /** Signs the anonymous session cookie. Generated per process in development when unset. */
    SESSION_SECRET: z.string().min(32).optional(),
    /** How long a session lives after it was issued (it slides: re-issued past half its age). */
    SESSION_MAX_AGE_S: z.coerce.number().int().min(60).default(30 * 24 * 3600),
    /** Largest request body /api/graphql accepts; larger ones get 413 before any parsing. */
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
    /** Extra origins allowed to open the WebSocket, comma-separated; the page's own origin always is. */
    ALLOWED_ORIGINS: z.string().default(''),
    /** GraphiQL, introspection and field suggestions; on in development unless set. */
    GRAPHIQL: z.enum(['true', 'false', '1', '0']).optional(),
    /** Mark the session cookie Secure; on in production unless set (for plain-HTTP local runs). */
    COOKIE_SECURE: z.enum(['true', 'false', '1', '0']).optional(),
    /** How long a query or mutation may wait for the backend before SERVICE_UNAVAILABLE. */
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
    /** Live subscriptions one WebSocket may hold; more get RATE_LIMITED (the socket lives on). */
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).default(100),
    /** Open WebSockets one session may hold in this process; more are refused with HTTP 429. */
    WS_MAX_SOCKETS_PER_SESSION: z.coerce.number().int().min(1).default(10),
    /** A socket that has not sent `connection_init` by then is closed (4408). */
    WS_INIT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
    /** Accept only the operations the app ships (codegen's persisted documents). */
    TRUSTED_DOCUMENTS: bool(false),
    NEXT_DIR: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `pretty` (human, for a terminal) or `json` (one object per line); default: pretty only in development on a TTY. */
    LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
    /** When set, /metrics is served and wants `Authorization: Bearer <METRICS_TOKEN>`; unset, this public port has no /metrics. */
    METRICS_TOKEN: z.string().min(16).optional(),
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.INTERNAL_API_TOKEN !== undefined, {
    message: 'INTERNAL_API_TOKEN is required in production',
    path: ['INTERNAL_API_TOKEN'],
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.SESSION_SECRET !== undefined, {
    message: 'SESSION_SECRET is required in production',
    path: ['SESSION_SECRET'],
  });

export interface FrontendConfig {
  dev: boolean;
  host: string;
  port: number;
  backendHttpUrl: string;
  backendWsUrl: string;
  /** The backend's readiness probe (same host as its GraphQL endpoint), checked by our /readyz. */
  backendReadyUrl: string;
  internalToken: string;
  sessionSecret: string;
  sessionMaxAgeS: number;
  maxBodyBytes: number;
  allowedOrigins: string[];
  graphiql: boolean;
  cookieSecure: boolean;
  upstreamTimeoutMs: number;
  nextDir: string | undefined;
  trustedDocuments: boolean;
  ws: { maxSubscriptionsPerSocket: number; maxSocketsPerSession: number; initTimeoutMs: number };
  ops: {
    logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    /** Undefined: decide at start (pretty in development on a TTY, else JSON). */
    logFormat: 'pretty' | 'json' | undefined;
    metricsToken: string | undefined;
  };
}

const flag = (v: string | undefined, def: boolean) => (v === undefined ? def : v === 'true' || v === '1');

export function loadConfig(env: Record<string, string | undefined> = process.env): FrontendConfig {
  const parsed = configSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`Invalid frontend configuration:\n${problems.join('\n')}`);
  }
  const c = parsed.data;
  const dev = c.NODE_ENV !== 'production';
  const backendHttpUrl = c.BACKEND_URL ?? `http://127.0.0.1:${c.BACKEND_PORT}/graphql`;
  return {
    dev,
    host: c.HOST,
    port: c.PORT,
    backendHttpUrl,
    backendWsUrl: backendHttpUrl.replace(/^http/, 'ws'),
    backendReadyUrl: new URL('/readyz', backendHttpUrl).toString(),
    internalToken: c.INTERNAL_API_TOKEN ?? randomBytes(32).toString('base64url'),
    sessionSecret: c.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    sessionMaxAgeS: c.SESSION_MAX_AGE_S,
    maxBodyBytes: c.MAX_BODY_BYTES,
    allowedOrigins: c.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    graphiql: flag(c.GRAPHIQL, dev),
    cookieSecure: flag(c.COOKIE_SECURE, !dev),
    upstreamTimeoutMs: c.UPSTREAM_TIMEOUT_MS,
    nextDir: c.NEXT_DIR,
    trustedDocuments: c.TRUSTED_DOCUMENTS,
    ws: {
      maxSubscriptionsPerSocket: c.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerSession: c.WS_MAX_SOCKETS_PER_SESSION,
      initTimeoutMs: c.WS_INIT_TIMEOUT_MS,
    },
    ops: { logLevel: c.LOG_LEVEL, logFormat: c.LOG_FORMAT, metricsToken: c.METRICS_TOKEN },
  };
}

/** An empty variable (`PORT=`) means unset, so it gets the default rather than 0. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}
