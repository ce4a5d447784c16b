import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HEALTH_PATH, logRequest, METRICS_PATH, notFound, READY_PATH, serveProbes, USER_HEADER } from '@longrun/server-common';
import type { Logger } from 'pino';
import { readiness, type HealthTargets } from './health.js';
import { routeLabel, type BackendMetrics } from './metrics.js';

/** Paths probed every few seconds: logged at debug only, so they do not drown real traffic. */
const QUIET = new Set([HEALTH_PATH, READY_PATH, METRICS_PATH]);

export interface OpsRoutes {
  metrics: BackendMetrics;
  health: HealthTargets;
  /** When set, /metrics wants it as a Bearer token. */
  metricsToken: string | undefined;
}

/**
 * Serves /healthz, /readyz and /metrics; returns false for any other path. Plain node:http so
 * the same handler serves the API's Express app and the worker's own small listener.
 */
export function opsHandler(routes: OpsRoutes): (req: IncomingMessage, res: ServerResponse) => boolean {
  return serveProbes({ readiness: () => readiness(routes.health), metrics: routes.metrics.registry, metricsToken: routes.metricsToken });
}

/** One log line (see `logRequest`) and one histogram sample per HTTP request. */
export function requestLogger(log: Logger, metrics: BackendMetrics) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    logRequest(req, res, {
      log,
      quiet: (path) => QUIET.has(path),
      user: () => {
        const user = req.headers[USER_HEADER];
        return typeof user === 'string' ? user : undefined;
      },
      finished: (path, seconds) =>
        metrics.requestSeconds.observe({ route: routeLabel(path), method: req.method ?? '', status: String(res.statusCode) }, seconds),
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
    if (!handle(req, res)) notFound(res);
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
