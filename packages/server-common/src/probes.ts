import type { IncomingMessage, ServerResponse } from 'node:http';
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from './names.js';
import { bearerToken, secretMatches } from './secrets.js';

export interface Readiness {
  ready: boolean;
  /** Each check: "ok" or why not (no hosts, credentials or stack traces). */
  checks: Record<string, string>;
}

export interface ProbeRoutes {
  readiness(): Promise<Readiness>;
  /** The Prometheus registry served at /metrics; undefined: /metrics is not served here. */
  metrics: { metrics(): Promise<string>; contentType: string } | undefined;
  /** When set, /metrics wants `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Serves /healthz, /readyz and /metrics on a plain node:http request (GET or HEAD); returns
 * false for any other path, leaving the request untouched.
 */
export function serveProbes(routes: ProbeRoutes): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== HEALTH_PATH && path !== READY_PATH && !(path === METRICS_PATH && routes.metrics)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { error: 'method not allowed' });
    } else if (path === HEALTH_PATH) {
      json(res, 200, { status: 'ok' });
    } else if (path === READY_PATH) {
      void routes.readiness().then(
        (r) => json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'unavailable', checks: r.checks }),
        () => json(res, 503, { status: 'unavailable' }),
      );
    } else if (routes.metricsToken !== undefined && !secretMatches(bearerToken(req.headers.authorization), routes.metricsToken)) {
      res.setHeader('www-authenticate', 'Bearer');
      json(res, 401, { error: 'metrics credentials required' });
    } else {
      const registry = routes.metrics!;
      void registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        () => json(res, 500, { error: 'metrics collection failed' }),
      );
    }
    return true;
  };
}

/** A JSON 404, for listeners that serve nothing but probes. */
export function notFound(res: ServerResponse): void {
  json(res, 404, { error: 'not found' });
}
