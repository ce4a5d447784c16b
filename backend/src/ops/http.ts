import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { readiness, type HealthTargets } from './health.js';
import { userTag } from './logger.js';
import { routeLabel, type BackendMetrics } from './metrics.js';

/** Paths probed every few seconds: logged at debug only, so they do not drown real traffic. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface OpsRoutes {
  metrics: BackendMetrics;
  health: HealthTargets;
  /** When set, /metrics wants it as a Bearer token. */
  metricsToken: string | undefined;
}

/** Compares secrets in constant time (hashes first, so lengths do not leak either). */
export function secretMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Serves /healthz, /readyz and /metrics; returns false for any other path. Plain node:http so
 * the same handler serves the API's Express app and the worker's own small listener.
 */
export function opsHandler(routes: OpsRoutes): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!QUIET.has(path)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { error: 'method not allowed' });
      return true;
    }
    if (path === '/healthz') {
      json(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      void readiness(routes.health).then(
        (r) => json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'unavailable', checks: r.checks }),
        () => json(res, 503, { status: 'unavailable' }),
      );
    } else {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (routes.metricsToken !== undefined && !secretMatches(bearer, routes.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer');
        json(res, 401, { error: 'metrics credentials required' });
        return true;
      }
      void routes.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': routes.metrics.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        () => json(res, 500, { error: 'metrics collection failed' }),
      );
    }
    return true;
  };
}

/**
 * One log line and one histogram sample per HTTP request: request id (the caller's
 * `x-request-id` if well-formed, so a request can be followed across tiers, else a new one),
 * method, path, status, duration, and the user as a pseudonymous tag. No headers are logged.
 */
export function requestLogger(log: Logger, metrics: BackendMetrics) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const began = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const reqId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', reqId);
    const path = (req.url ?? '/').split('?')[0];
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      metrics.requestSeconds.observe({ route: routeLabel(path), method: req.method ?? '', status: String(res.statusCode) }, seconds);
      const user = req.headers['x-longrun-user'];
      const fields = {
        reqId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        user: userTag(typeof user === 'string' ? user : undefined),
      };
      if (QUIET.has(path)) log.debug(fields, 'request');
      else log.info(fields, 'request');
    });
    next();
  };
}

/**
 * The worker-only process's listener for health and metrics (it serves nothing else). Port 0
 * takes a free port; the caller prints the URL.
 */
export async function startOpsServer(routes: OpsRoutes, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const handle = opsHandler(routes);
  const server: Server = createServer((req, res) => {
    if (!handle(req, res)) json(res, 404, { error: 'not found' });
  });
  // Probes need no keep-alive; short timeouts keep a stuck scraper from holding shutdown.
  server.keepAliveTimeout = 1000;
  server.headersTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
