import { BACKEND_GRAPHQL_PATH, HEALTH_PATH, METRICS_PATH, READY_PATH } from '@longrun/server-common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds, from a fast status hop to a task that ran for minutes. */
const TASK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the scrape-time collectors read; each is absent in roles that do not have it. */
export interface MetricSources {
  /** BullMQ job counts of the tasks queue (waiting, active, delayed, ...). */
  jobCounts?: () => Promise<Record<string, number>>;
  /** Live taskStatus streams in this process. */
  liveSubscriptions?: () => number;
  /** What this process's reconciler corrected since start, per action. */
  reconciled?: () => Record<string, number>;
}

/**
 * Every Prometheus metric of one backend process, in its own registry (nothing global, so a
 * test can build two). Counters count what happened in this process: sum them across
 * processes in Prometheus. Names are listed in docs/operations.md.
 */
export class BackendMetrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};

  readonly transitions = new Counter({
    name: 'longrun_task_transitions_total',
    help: 'Task status changes applied by this process, by transition and resulting status',
    labelNames: ['transition', 'status'] as const,
    registers: [this.registry],
  });
  readonly created = new Counter({
    name: 'longrun_tasks_created_total',
    help: 'Tasks created (records written) by this process',
    registers: [this.registry],
  });
  readonly outcomes = new Counter({
    name: 'longrun_task_outcomes_total',
    help: 'Tasks that reached a final status in this process (FINISHED, ERROR, CANCELLED)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly stalled = new Counter({
    name: 'longrun_tasks_stalled_total',
    help: 'Tasks ended ERROR because their worker was lost (stall detection or the reconciler)',
    registers: [this.registry],
  });
  readonly waitSeconds = new Histogram({
    name: 'longrun_task_wait_seconds',
    help: 'Time from creation to a worker starting the task',
    buckets: TASK_BUCKETS,
    registers: [this.registry],
  });
  readonly runSeconds = new Histogram({
    name: 'longrun_task_run_seconds',
    help: 'Time from start to final status, by final status',
    labelNames: ['status'] as const,
    buckets: TASK_BUCKETS,
    registers: [this.registry],
  });
  readonly deliverySeconds = new Histogram({
    name: 'longrun_status_delivery_seconds',
    help: 'From the status write (CAS) to its snapshot reaching this process’s status streams',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'longrun_http_request_duration_seconds',
    help: 'HTTP requests served by this process, by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const sources = () => this.sources;
    new Gauge({
      name: 'longrun_queue_jobs',
      help: 'Jobs in the tasks queue by state (read from Redis at scrape time)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const read = sources().jobCounts;
        if (!read) return;
        this.reset();
        const counts = await read().catch(() => undefined);
        if (!counts) return;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'longrun_task_subscriptions',
      help: 'Live task subscriptions (taskStatus, taskEvents, taskUpdates) in this process',
      registers: [this.registry],
      collect() {
        const read = sources().liveSubscriptions;
        if (read) this.set(read());
      },
    });
    new Counter({
      name: 'longrun_tasks_reconciled_total',
      help: 'Task records the reconciler in this process corrected, by action (finish, fail, lost, stuck)',
      labelNames: ['action'] as const,
      registers: [this.registry],
      collect() {
        // The reconciler keeps its own tallies; mirror them (they only grow).
        const read = sources().reconciled;
        if (!read) return;
        this.reset();
        for (const [action, n] of Object.entries(read())) this.inc({ action }, n);
      },
    });
  }

  /** Connects the scrape-time collectors once the app (queue, streams, reconciler) exists. */
  attach(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }
}

/** Bounded label for a request path, so arbitrary URLs cannot explode the series count. */
export function routeLabel(path: string): string {
  if (path === BACKEND_GRAPHQL_PATH || path === HEALTH_PATH || path === READY_PATH || path === METRICS_PATH) return path;
  if (path === '/admin/queues' || path.startsWith('/admin/queues/')) return '/admin/queues';
  return 'other';
}
