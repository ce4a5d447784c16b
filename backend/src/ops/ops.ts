import { announce, withTimeout } from '@longrun/server-common';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue, Worker } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { PUBSUB, REDIS } from '../redis/redis.module.js';
import { TASKS_QUEUE } from '../redis/redis-keys.js';
import { TaskReconciler } from '../tasks/task-reconciler.js';
import { TaskStatusStreams } from '../tasks/task-status.stream.js';
import { TasksProcessor } from '../tasks/tasks.processor.js';
import { opsHandler, requestLogger, startOpsServer, type OpsRoutes } from './http.js';
import { BackendMetrics } from './metrics.js';
import { OPS_LOGGER } from './task-events.js';

/** Job states reported by `longrun_queue_jobs`. */
const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;
const SCRAPE_TIMEOUT_MS = 1000;

export interface Ops {
  /** The worker-only health listener's base URL, if one was started. */
  url: string | undefined;
  /** From now on /readyz answers 503 (load balancers stop sending work while we drain). */
  beginShutdown(): void;
  /** Closes the worker-only health listener (the API's routes close with its HTTP server). */
  close(): Promise<void>;
}

/**
 * Wires health, metrics, request logs and the queue dashboard into a built (not yet listening)
 * backend. API roles get them on their HTTP port; a worker-only process gets its own small
 * listener for /healthz, /readyz and /metrics when WORKER_HEALTH_PORT is set.
 */
export async function attachOps(app: INestApplicationContext, config: Config): Promise<Ops> {
  const metrics = app.get(BackendMetrics);
  const log = app.get<Logger>(OPS_LOGGER);
  const queue = app.get<Queue>(getQueueToken(TASKS_QUEUE));
  const runsApi = config.role !== 'worker';
  const runsWorker = config.role !== 'api';
  let stopping = false;

  const streams = runsApi ? app.get(TaskStatusStreams) : undefined;
  const reconciler = runsWorker ? app.get(TaskReconciler) : undefined;
  const processor = runsWorker ? app.get(TasksProcessor) : undefined;
  metrics.attach({
    jobCounts: () => withTimeout(queue.getJobCounts(...JOB_STATES), SCRAPE_TIMEOUT_MS),
    liveSubscriptions: streams ? () => streams.liveCount : undefined,
    reconciled: reconciler ? () => ({ ...reconciler.corrected }) : undefined,
  });

  const routes: OpsRoutes = {
    metrics,
    metricsToken: config.ops.metricsToken,
    health: {
      redis: app.get<Redis>(REDIS),
      pubsub: runsApi ? app.get<RedisPubSub>(PUBSUB) : undefined,
      // The worker is created when the app initialises (for `all`, at listen): read it late;
      // until it exists, a worker role is not ready.
      get worker() {
        if (!processor) return undefined;
        try {
          return processor.worker ?? NOT_STARTED;
        } catch {
          return NOT_STARTED;
        }
      },
      stopping: () => stopping,
    },
  };

  let server: { url: string; close(): Promise<void> } | undefined;
  if (runsApi) {
    const http = app as NestExpressApplication;
    const handle = opsHandler(routes);
    http.use(requestLogger(log.child({ context: 'HTTP' }), metrics));
    http.use((req: Request, res: Response, next: NextFunction) => {
      if (!handle(req, res)) next();
    });
    // Loaded only where it is served: Bull Board and its Express UI add to every start-up.
    const { ADMIN_PATH, bullBoardRouter } = await import('./admin.js');
    http.use(ADMIN_PATH, ...bullBoardRouter(queue, config.ops.adminPassword));
  } else if (config.ops.workerHealthPort !== undefined) {
    server = await startOpsServer(routes, config.host, config.ops.workerHealthPort);
    announce(log, `worker health and metrics on ${server.url} (/healthz /readyz /metrics)`);
  }

  return {
    url: server?.url,
    beginShutdown: () => {
      stopping = true;
    },
    close: async () => {
      await server?.close();
    },
  };
}

/** Stands in for a BullMQ worker that has not been created yet: never ready. */
const NOT_STARTED = {
  closing: undefined,
  isRunning: () => false,
  isPaused: () => false,
} as unknown as Worker;
