import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from 'graphql-ws';
import type { Logger } from 'pino';
import type { FrontendConfig } from '../config.js';
import { captureConsole, initLogger, userTag } from './logger.js';
import { FrontendMetrics, routeLabel, type GatewaySources } from './metrics.js';

/** The backend's readiness is asked at most this often; probes in between get the cached answer. */
const BACKEND_CHECK_CACHE_MS = 1000;
const BACKEND_CHECK_TIMEOUT_MS = 1000;
/** Paths hit constantly (probes, scrapes, static chunks): logged at debug only. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics', '/_next']);
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface RequestTrack {
  /** Set once the session is known, for the log line. */
  user?: string;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function secretMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/**
 * Running in production, for the frontend process: its logger, metrics, request logs and the
 * /healthz, /readyz, /metrics routes. server.ts calls `track` for every request, then `handle`
 * before anything else (probes need no session and set no cookie).
 */
export function createFrontendOps(config: FrontendConfig) {
  const log: Logger = initLogger(config);
  captureConsole(log);
  const httpLog = log.child({ context: 'HTTP' });
  const metrics = new FrontendMetrics();
  let nextReady = false;
  let stopping = false;
  let backendCheck: { at: number; result: Promise<string> } | undefined;

  /** "ok", or why the backend is not usable; one probe per second at most, however many ask. */
  function backendState(): Promise<string> {
    const now = Date.now();
    if (!backendCheck || now - backendCheck.at > BACKEND_CHECK_CACHE_MS) {
      backendCheck = {
        at: now,
        result: fetch(config.backendReadyUrl, { signal: AbortSignal.timeout(BACKEND_CHECK_TIMEOUT_MS) }).then(
          async (res) => {
            await res.body?.cancel();
            return res.ok ? 'ok' : `not ready (${res.status})`;
          },
          () => 'unreachable',
        ),
      };
    }
    return backendCheck.result;
  }

  async function readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    if (stopping) checks.process = 'shutting down';
    checks.next = nextReady ? 'ok' : 'not prepared';
    checks.backend = await backendState();
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  }

  return {
    log,
    metrics,

    /** Next has prepared its pages: the page can be served. */
    nextPrepared(): void {
      nextReady = true;
    },
    beginShutdown(): void {
      stopping = true;
    },

    /** Follows the shared upstream socket's state, and reads browser socket counts at scrape time. */
    watchGateway(upstream: Client, sources: GatewaySources): void {
      metrics.attach(sources);
      metrics.upstreamConnected.set(0);
      upstream.on('connecting', () => metrics.upstreamEvents.inc({ event: 'connecting' }));
      upstream.on('connected', () => {
        metrics.upstreamEvents.inc({ event: 'connected' });
        metrics.upstreamConnected.set(1);
      });
      upstream.on('closed', () => {
        metrics.upstreamEvents.inc({ event: 'closed' });
        metrics.upstreamConnected.set(0);
      });
    },

    /**
     * Times the request and logs one line when it ends: request id (the caller's
     * `x-request-id` if well-formed, else new; it is passed on to the backend), method, path,
     * status, duration, and the session as a pseudonymous tag. No headers are logged.
     */
    track(req: IncomingMessage, res: ServerResponse): RequestTrack {
      const began = process.hrtime.bigint();
      const given = req.headers['x-request-id'];
      const reqId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      req.headers['x-request-id'] = reqId;
      res.setHeader('x-request-id', reqId);
      const path = (req.url ?? '/').split('?')[0];
      const track: RequestTrack = {};
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - began) / 1e9;
        const route = routeLabel(path);
        metrics.requestSeconds.observe({ route, method: req.method ?? '', status: String(res.statusCode) }, seconds);
        const fields = { reqId, method: req.method, path, status: res.statusCode, durationMs: Math.round(seconds * 10_000) / 10, user: userTag(track.user) };
        if (QUIET.has(route)) httpLog.debug(fields, 'request');
        else httpLog.info(fields, 'request');
      });
      return track;
    },

    /** Serves /healthz, /readyz and (with METRICS_TOKEN set) /metrics; false for anything else. */
    handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
      if (path !== '/healthz' && path !== '/readyz' && !(path === '/metrics' && config.ops.metricsToken !== undefined)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        json(res, 405, { error: 'method not allowed' });
        return true;
      }
      if (path === '/healthz') {
        json(res, 200, { status: 'ok' });
      } else if (path === '/readyz') {
        void readiness().then((r) => json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'unavailable', checks: r.checks }));
      } else {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!secretMatches(bearer, config.ops.metricsToken!)) {
          res.setHeader('www-authenticate', 'Bearer');
          json(res, 401, { error: 'metrics credentials required' });
          return true;
        }
        void metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
            res.end(text);
          },
          () => json(res, 500, { error: 'metrics collection failed' }),
        );
      }
      return true;
    },
  };
}

export type FrontendOps = ReturnType<typeof createFrontendOps>;
