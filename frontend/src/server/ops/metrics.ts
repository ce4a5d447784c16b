import { GATEWAY_FILES_PATH, GATEWAY_GRAPHQL_PATH, HEALTH_PATH, METRICS_PATH, READY_PATH } from '@longrun/server-common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the scrape-time gauges read. */
export interface GatewaySources {
  /** Browser WebSockets open on this process. */
  sockets(): number;
  /** Live subscriptions over them. */
  subscriptions(): number;
  /** Bytes queued in this process for them, not yet written to their connections. */
  bufferedBytes(): number;
}

/**
 * Every Prometheus metric of one frontend process, in its own registry. Names are listed in
 * docs/operations.md.
 */
export class FrontendMetrics {
  readonly registry = new Registry();
  private sources: GatewaySources | undefined;

  readonly requestSeconds = new Histogram({
    name: 'longrun_gateway_http_request_duration_seconds',
    help: 'HTTP requests served by this frontend, by route (/api/graphql, page, _next, probes), method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly upstreamConnected = new Gauge({
    name: 'longrun_gateway_upstream_ws_connected',
    help: 'Whether the shared WebSocket to the backend is connected (1) or not (0); it is lazy, so 0 while no subscription is live',
    registers: [this.registry],
  });
  readonly upstreamEvents = new Counter({
    name: 'longrun_gateway_upstream_ws_events_total',
    help: 'State changes of the shared WebSocket to the backend (connecting, connected, closed)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly slowConsumers = new Counter({
    name: 'longrun_gateway_ws_slow_consumers_total',
    help: 'Browser WebSockets closed with 4008 because their client stopped reading (over WS_MAX_BUFFERED_BYTES queued)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const sources = () => this.sources;
    new Gauge({
      name: 'longrun_gateway_ws_sockets',
      help: 'Browser WebSockets open on this frontend process',
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s) this.set(s.sockets());
      },
    });
    new Gauge({
      name: 'longrun_gateway_subscriptions',
      help: 'Live GraphQL subscriptions from browsers on this frontend process',
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s) this.set(s.subscriptions());
      },
    });
    new Gauge({
      name: 'longrun_gateway_ws_buffered_bytes',
      help: 'Bytes queued in this frontend process for browser WebSockets, not yet written to their connections',
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s) this.set(s.bufferedBytes());
      },
    });
  }

  attach(sources: GatewaySources): void {
    this.sources = sources;
  }
}

/** Bounded route label, so arbitrary URLs cannot explode the series count. */
export function routeLabel(path: string): string {
  if (path === GATEWAY_GRAPHQL_PATH || path === HEALTH_PATH || path === READY_PATH || path === METRICS_PATH) return path;
  if (path.startsWith('/_next/')) return '/_next';
  if (path.startsWith(`${GATEWAY_FILES_PATH}/`)) return GATEWAY_FILES_PATH;
  return 'page';
}
