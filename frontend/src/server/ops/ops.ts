import type { IncomingMessage, ServerResponse } from 'node:http';
import { captureConsole, HEALTH_PATH, logRequest, METRICS_PATH, READY_PATH, serveProbes, type Readiness } from '@longrun/server-common';
import type { Client } from 'graphql-ws';
import type { Logger } from 'pino';
import type { FrontendConfig } from '../config.js';
import { initLogger } from './logger.js';
import { FrontendMetrics, routeLabel, type GatewaySources } from './metrics.js';

/** The backend's readiness is asked at most this often; probes in between get the cached answer. */
const BACKEND_CHECK_CACHE_MS = 1000;
const BACKEND_CHECK_TIMEOUT_MS = 1000;
/** Paths hit constantly (probes, scrapes, static chunks): logged at debug only. */
const QUIET = new Set([HEALTH_PATH, READY_PATH, METRICS_PATH, '/_next']);

export interface RequestTrack {
  /** Set once the session is known, for the log line. */
  user?: string;
}

/**
 * Operations for the frontend process (docs/operations.md): its logger, metrics, request logs and the
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

  async function readiness(): Promise<Readiness> {
    const checks: Record<string, string> = {};
    if (stopping) checks.process = 'shutting down';
    checks.next = nextReady ? 'ok' : 'not prepared';
    checks.backend = await backendState();
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  }

  // /metrics only with a token: this port is public.
  const probes = serveProbes({
    readiness,
    metrics: config.ops.metricsToken !== undefined ? metrics.registry : undefined,
    metricsToken: config.ops.metricsToken,
  });

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
     * Times the request and logs its line when it ends (see `logRequest`); the request id it
     * sets on the request's headers is passed on to the backend.
     */
    track(req: IncomingMessage, res: ServerResponse): RequestTrack {
      const track: RequestTrack = {};
      logRequest(req, res, {
        log: httpLog,
        quiet: (path) => QUIET.has(routeLabel(path)),
        user: () => track.user,
        finished: (path, seconds) =>
          metrics.requestSeconds.observe({ route: routeLabel(path), method: req.method ?? '', status: String(res.statusCode) }, seconds),
      });
      return track;
    },

    /** Serves /healthz, /readyz and (with METRICS_TOKEN set) /metrics; false for anything else. */
    handle: probes,
  };
}

export type FrontendOps = ReturnType<typeof createFrontendOps>;
