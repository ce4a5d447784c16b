import { randomBytes } from 'node:crypto';
import {
  BACKEND_FILES_PATH,
  BACKEND_GRAPHQL_PATH,
  commonEnv,
  envBool,
  envFlag,
  envInt,
  envPort,
  parseEnv,
  READY_PATH,
  requiredInProduction,
  type LogFormat,
  type LogLevel,
} from '@longrun/server-common';
import { z } from 'zod';
import type { ProxyTrust } from './client-address.js';

/**
 * The frontend server's whole configuration, parsed once per process. Nothing else in the
 * server reads `process.env` (browser code gets nothing from it).
 */
export const configSchema = z
  .object({
    ...commonEnv,
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: envPort(3000),
    BACKEND_PORT: envPort(4000, 1),
    /** Overrides BACKEND_PORT: the backend's GraphQL endpoint (http://; ws:// is derived). */
    BACKEND_URL: z.string().url().optional(),
    /** Signs the anonymous session cookie. Generated per process in development when unset. */
    SESSION_SECRET: z.string().min(32).optional(),
    /** How long a session lives after it was issued (it slides: re-issued past half its age). */
    SESSION_MAX_AGE_S: envInt(30 * 24 * 3600, 60),
    /** Largest request body /api/graphql accepts; larger ones get 413 before any parsing. */
    MAX_BODY_BYTES: envInt(64 * 1024, 1024),
    /** Extra origins allowed to open the WebSocket, comma-separated; the page's own origin always is. */
    ALLOWED_ORIGINS: z.string().default(''),
    /** GraphiQL, introspection and field suggestions; on in development unless set. */
    GRAPHIQL: envFlag(),
    /** Mark the session cookie Secure; on in production unless set (for plain-HTTP local runs). */
    COOKIE_SECURE: envFlag(),
    /** How long a query or mutation may wait for the backend before SERVICE_UNAVAILABLE. */
    UPSTREAM_TIMEOUT_MS: envInt(10000, 100),
    /** How often the shared WebSocket to the backend is pinged (graphql-ws ping). */
    UPSTREAM_WS_PING_MS: envInt(10000, 100),
    /** A ping unanswered this long drops the upstream socket (it reconnects and resubscribes). */
    UPSTREAM_WS_PONG_TIMEOUT_MS: envInt(5000, 100),
    /** How often each browser WebSocket is pinged; one that has not answered the previous ping by then is dropped. */
    WS_PING_MS: envInt(12000, 100),
    /** Live subscriptions one WebSocket may hold; more get RATE_LIMITED (the socket lives on). */
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: envInt(100, 1),
    /** Open WebSockets one session may hold in this process; more are refused with HTTP 429. */
    WS_MAX_SOCKETS_PER_SESSION: envInt(10, 1),
    /** Open WebSockets one client address may hold in this process; more are closed with 1013. */
    WS_MAX_SOCKETS_PER_ADDRESS: envInt(50, 1),
    /** Operations (HTTP requests, WebSocket upgrades and subscribe messages) one client address may make per window, in this process. */
    ADDRESS_OPS_LIMIT: envInt(300, 1),
    ADDRESS_OPS_WINDOW_S: envInt(10, 1),
    /**
     * Behind a load balancer: the header its proxies append the client's address to (e.g.
     * `x-forwarded-for`). Unset: no proxy is trusted, the socket's peer is the client.
     */
    TRUSTED_PROXY_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'a header name')
      .optional(),
    /** How many trusted proxies append to TRUSTED_PROXY_HEADER: the client is the entry that many from the right. */
    TRUSTED_PROXY_HOPS: envInt(1, 1),
    /** Bytes this process may hold unsent for one WebSocket; past them the socket is closed (4008, slow consumer). */
    WS_MAX_BUFFERED_BYTES: envInt(1024 * 1024, 16 * 1024),
    /** A socket that has not sent `connection_init` by then is closed (4408). */
    WS_INIT_TIMEOUT_MS: envInt(3000, 100),
    /** Accept only the operations the app ships (codegen's persisted documents). */
    TRUSTED_DOCUMENTS: envBool(false),
    NEXT_DIR: z.string().optional(),
    /** When set, /metrics is served and wants `Authorization: Bearer <METRICS_TOKEN>`; unset, this public port has no /metrics. */
    METRICS_TOKEN: z.string().min(16).optional(),
  })
  .refine(...requiredInProduction('INTERNAL_API_TOKEN'))
  .refine(...requiredInProduction('SESSION_SECRET'));

export interface FrontendConfig {
  dev: boolean;
  host: string;
  port: number;
  backendHttpUrl: string;
  backendWsUrl: string;
  /** The backend's readiness probe (same host as its GraphQL endpoint), checked by our /readyz. */
  backendReadyUrl: string;
  /** Where the backend serves task files (same host): `<backendFilesUrl><taskId>`. */
  backendFilesUrl: string;
  internalToken: string;
  sessionSecret: string;
  sessionMaxAgeS: number;
  maxBodyBytes: number;
  allowedOrigins: string[];
  graphiql: boolean;
  cookieSecure: boolean;
  upstreamTimeoutMs: number;
  /** Keep-alive of the shared upstream socket: detection bound of a dead link = pingMs + pongTimeoutMs. */
  upstreamWs: { pingMs: number; pongTimeoutMs: number };
  nextDir: string | undefined;
  trustedDocuments: boolean;
  ws: {
    maxSubscriptionsPerSocket: number;
    maxSocketsPerSession: number;
    maxSocketsPerAddress: number;
    initTimeoutMs: number;
    pingMs: number;
    maxBufferedBytes: number;
  };
  /** Per client address, in this process (see client-address.ts and gateway/address-limits.ts). */
  address: { proxy: ProxyTrust; opsLimit: number; opsWindowS: number };
  ops: {
    logLevel: LogLevel;
    /** Undefined: decide at start (pretty in development on a TTY, else JSON). */
    logFormat: LogFormat | undefined;
    metricsToken: string | undefined;
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): FrontendConfig {
  const c = parseEnv(configSchema, env, 'frontend');
  const dev = c.NODE_ENV !== 'production';
  const backendHttpUrl = c.BACKEND_URL ?? `http://127.0.0.1:${c.BACKEND_PORT}${BACKEND_GRAPHQL_PATH}`;
  return {
    dev,
    host: c.HOST,
    port: c.PORT,
    backendHttpUrl,
    backendWsUrl: backendHttpUrl.replace(/^http/, 'ws'),
    backendReadyUrl: new URL(READY_PATH, backendHttpUrl).toString(),
    backendFilesUrl: new URL(`${BACKEND_FILES_PATH}/`, backendHttpUrl).toString(),
    internalToken: c.INTERNAL_API_TOKEN ?? randomBytes(32).toString('base64url'),
    sessionSecret: c.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    sessionMaxAgeS: c.SESSION_MAX_AGE_S,
    maxBodyBytes: c.MAX_BODY_BYTES,
    allowedOrigins: c.ALLOWED_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    graphiql: c.GRAPHIQL ?? dev,
    cookieSecure: c.COOKIE_SECURE ?? !dev,
    upstreamTimeoutMs: c.UPSTREAM_TIMEOUT_MS,
    upstreamWs: { pingMs: c.UPSTREAM_WS_PING_MS, pongTimeoutMs: c.UPSTREAM_WS_PONG_TIMEOUT_MS },
    nextDir: c.NEXT_DIR,
    trustedDocuments: c.TRUSTED_DOCUMENTS,
    ws: {
      maxSubscriptionsPerSocket: c.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerSession: c.WS_MAX_SOCKETS_PER_SESSION,
      maxSocketsPerAddress: c.WS_MAX_SOCKETS_PER_ADDRESS,
      initTimeoutMs: c.WS_INIT_TIMEOUT_MS,
      pingMs: c.WS_PING_MS,
      maxBufferedBytes: c.WS_MAX_BUFFERED_BYTES,
    },
    address: {
      proxy: { header: c.TRUSTED_PROXY_HEADER?.toLowerCase(), hops: c.TRUSTED_PROXY_HOPS },
      opsLimit: c.ADDRESS_OPS_LIMIT,
      opsWindowS: c.ADDRESS_OPS_WINDOW_S,
    },
    ops: { logLevel: c.LOG_LEVEL, logFormat: c.LOG_FORMAT, metricsToken: c.METRICS_TOKEN },
  };
}
