import 'reflect-metadata';
import { BACKEND_GRAPHQL_PATH } from '@longrun/server-common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module.js';
import { requireInternalCredential } from './graphql/internal-credential.js';
import { attachOps } from './ops/ops.js';
import { PinoNestLogger, rootLogger } from './ops/logger.js';
import type { Config } from './config/config.js';
import { masters, type RedisClient } from './redis/redis-connection.js';
import { REDIS } from './redis/redis.module.js';
import { TasksProcessor } from './tasks/tasks.processor.js';

export interface Backend {
  app: INestApplicationContext;
  /** The GraphQL URL for API roles; undefined for a worker-only process. */
  url: string | undefined;
  stop(): Promise<void>;
}

/** Builds and starts the backend for `config.role`; resolves once it serves (or consumes). */
export async function startBackend(config: Config): Promise<Backend> {
  const module = AppModule.forRoot(config);
  const logger = new PinoNestLogger(rootLogger(config));
  const app =
    config.role === 'worker'
      ? await NestFactory.createApplicationContext(module, { bufferLogs: false, logger })
      : // No default body parsers: the credential is checked before the JSON parser (below).
        await NestFactory.create<NestExpressApplication>(module, { bodyParser: false, logger });
  await checkRedis(app.get<RedisClient>(REDIS));
  // Health, metrics, request logs and the dashboard (before listen: routes come first).
  const ops = await attachOps(app, config);

  let url: string | undefined;
  if (config.role !== 'worker') {
    const http = app as NestExpressApplication;
    http.disable('x-powered-by');
    // The internal credential first, from the headers alone: a caller without it never gets a
    // byte of its body read or parsed (internal-credential.ts).
    http.use(BACKEND_GRAPHQL_PATH, requireInternalCredential(config.internalToken));
    http.useBodyParser('json', { limit: '64kb' });
    // A body the parser refuses (malformed JSON, over the limit) gets a coded GraphQL error, not
    // Nest's generic error shape.
    http.use(BACKEND_GRAPHQL_PATH, (error: { status?: unknown }, _req: Request, res: Response, next: NextFunction) => {
      const status = error?.status;
      if (typeof status !== 'number' || status < 400 || status >= 500) return next(error);
      const message = status === 413 ? 'Request body too large' : 'Malformed request body';
      res.status(status).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
    });
    await http.listen(config.port, config.host);
    const address = http.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}${BACKEND_GRAPHQL_PATH}`;
  } else {
    await app.init();
  }
  const stop = async () => {
    ops.beginShutdown();
    // Let active jobs finish while Redis is still connected; only then tear the rest down
    // (Nest's own shutdown order among modules does not promise that).
    if (config.role !== 'api') await app.get(TasksProcessor).worker.close();
    await ops.close();
    await app.close();
  };
  return { app, url, stop };
}

/**
 * Waits for Redis (a cluster: until its slots are known), and refuses an eviction policy that
 * could silently drop queue keys, on every master of a cluster.
 */
async function checkRedis(redis: RedisClient): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await redis.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Redis unreachable: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  for (const server of masters(redis)) {
    const policy = (await server.config('GET', 'maxmemory-policy').catch(() => null)) as string[] | null;
    if (policy?.[1] && policy[1] !== 'noeviction') {
      const { host, port, sentinels, name } = server.options;
      const where = sentinels ? `master "${name}"` : `${host}:${port}`;
      throw new Error(`Redis ${where} maxmemory-policy is "${policy[1]}"; longrun needs "noeviction" so queue and task keys are never evicted`);
    }
  }
}
