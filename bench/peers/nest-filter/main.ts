/**
 * Peer "nest-filter" (bench/peers, issue 17): a backend tier written as the NestJS docs show
 * subscriptions (https://docs.nestjs.com/graphql/subscriptions): ONE `RedisPubSub` trigger for
 * every task, and a `filter` per subscriber that picks its task. It serves the same SDL
 * (`schema/`), reads and writes the same records through the product's TaskStore, and accepts
 * the gateway's internal credential and asserted user, so the product's frontend works in
 * front of it unchanged. Run under tsx (TSX_TSCONFIG_PATH=bench/peers/nest-filter/tsconfig.json
 * for its decorators): constructor parameters name their providers with @Inject, because
 * esbuild emits no decorator metadata.
 *
 * The one trigger is a pattern over the tasks' channels (`<prefix>:task-status:*`,
 * `{ pattern: true }`): the product's compare-and-set publishes each snapshot on its task's
 * channel, and a pattern subscription makes those very writes one trigger, with no relay hop
 * and the same Redis work as the product's. Each message is decoded once (the deserializer),
 * then offered to every subscriber's filter, as the docs' pattern does.
 *
 * Two things the docs' example lacks and the page needs, so both sides do the same work: the
 * first message is the task's current record (read after the trigger is subscribed), and a
 * final status ends the subscription. Env: REDIS_URL, REDIS_PREFIX, INTERNAL_API_TOKEN.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Args, Context, GraphQLModule, Mutation, Resolver, Subscription } from '@nestjs/graphql';
import { BACKEND_GRAPHQL_PATH, INTERNAL_TOKEN_HEADER, INTERNAL_TOKEN_PARAM, secretMatches, USER_EXTENSION, USER_HEADER } from '@longrun/server-common';
import { Queue } from 'bullmq';
import { GraphQLError } from 'graphql';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { NextFunction, Request, Response } from 'express';

const ROOT = join(import.meta.dirname, '../../..');
const { TaskStore, recordFromSnapshot } = (await import(join(ROOT, 'backend/dist/tasks/task-store.js'))) as any;
const { toPublic } = (await import(join(ROOT, 'backend/dist/tasks/task-state.js'))) as any;
const { redisKeys } = (await import(join(ROOT, 'backend/dist/redis/redis-keys.js'))) as any;
const { loadConfig } = (await import(join(ROOT, 'backend/dist/config/config.js'))) as any;

const config = loadConfig(process.env);
const keys = redisKeys(config.prefix);
const token: string = process.env.INTERNAL_API_TOKEN!;
const REDIS_URL: string = process.env.REDIS_URL!;
const FINAL = new Set(['FINISHED', 'CANCELLED', 'ERROR']);
/** The one trigger: every task's channel. */
const TRIGGER = keys.taskChannel('*');

const PUB_SUB = 'PUB_SUB';
const STORE = 'STORE';
const QUEUE = 'QUEUE';

interface Ctx {
  user: string | undefined;
}

function notFound(): GraphQLError {
  return new GraphQLError('No such task', { extensions: { code: 'NOT_FOUND' } });
}

@Resolver()
class TasksResolver {
  constructor(
    @Inject(PUB_SUB) private readonly pubSub: RedisPubSub,
    @Inject(STORE) private readonly store: any,
    @Inject(QUEUE) private readonly queue: Queue,
  ) {}

  @Mutation('createTask')
  async createTask(@Context() ctx: Ctx) {
    if (!ctx.user) throw new GraphQLError('No user', { extensions: { code: 'UNAUTHENTICATED' } });
    const task = await this.store.create(ctx.user, {
      kind: 'simulated',
      input: {},
      maxAttempts: config.task.maxAttempts,
      retryDelayMs: config.task.retryDelayMs,
    });
    const age = config.task.retentionS;
    await this.queue.add('run', { taskId: task.id, attempt: 1 }, { jobId: task.id, attempts: 1, removeOnComplete: { age }, removeOnFail: { age } });
    return toPublic(task);
  }

  // As the docs: one trigger for all tasks, the filter picks this subscriber's task.
  @Subscription('taskStatus', {
    // `?.`: the task channels also carry timeline-only messages (no record), which no one selects.
    filter: (payload: { taskStatus: { id: string } | null }, variables: { id: string }) => payload.taskStatus?.id === variables.id,
  })
  taskStatus(@Args('id') id: string, @Context() ctx: Ctx) {
    return this.withSnapshot(this.pubSub.asyncIterableIterator(TRIGGER, { pattern: true }), id, ctx.user);
  }

  /** The task's current record first (its owner only), then the trigger's messages until a final status. */
  private async *withSnapshot(events: AsyncIterableIterator<{ taskStatus: { id: string; status: string } | null }>, id: string, user: string | undefined) {
    try {
      // The library registers this subscriber at its first next(), synchronously while the
      // trigger is subscribed (it always is: see PUB_SUB): so before the record is read, and no
      // status written in between is missed.
      const first = events.next();
      const record = await this.store.get(id);
      if (!record || record.owner !== user) throw notFound();
      const snapshot = toPublic(record);
      yield { taskStatus: snapshot };
      if (FINAL.has(snapshot.status)) return;
      for (let next = await first; !next.done; next = await events.next()) {
        yield next.value;
        if (next.value.taskStatus?.id === id && FINAL.has(next.value.taskStatus.status)) return;
      }
    } finally {
      await events.return?.();
    }
  }
}

/** The gateway's credential on HTTP, as the product's backend checks it. */
function internalToken(req: Request, res: Response, next: NextFunction): void {
  if (secretMatches(req.headers[INTERNAL_TOKEN_HEADER]?.replace(/^Bearer /, ''), token)) next();
  else res.status(401).json({ errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
}

@Module({
  imports: [
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      typePaths: [join(ROOT, 'schema/*.graphql')],
      path: BACKEND_GRAPHQL_PATH,
      playground: false,
      context: ({ req }: { req?: Request }) => ({ user: req?.headers[USER_HEADER] }),
      subscriptions: {
        'graphql-ws': {
          onConnect: (ctx: { connectionParams?: Record<string, unknown> }) => secretMatches(ctx.connectionParams?.[INTERNAL_TOKEN_PARAM], token),
          // The gateway shares one socket among its users: the user comes with each operation.
          context: (_ctx: unknown, _id: string, payload: { extensions?: Record<string, unknown> }) => ({ user: payload.extensions?.[USER_EXTENSION] }),
        } as never,
      },
    }),
  ],
  providers: [
    TasksResolver,
    {
      provide: PUB_SUB,
      useFactory: async () => {
        const pubSub = new RedisPubSub({
          publisher: new Redis(REDIS_URL),
          subscriber: new Redis(REDIS_URL),
          // The product's snapshot, decoded once per message for every subscriber.
          deserializer: (message: string | Buffer) => {
            const record = recordFromSnapshot(message.toString());
            return { taskStatus: record ? toPublic(record) : null };
          },
        });
        // The trigger stays subscribed from the start, as on any server with live subscribers
        // (the library unsubscribes it when its last listener goes, then waits for Redis at the
        // next first one): a subscriber is then registered at once (see withSnapshot).
        await pubSub.subscribe(TRIGGER, () => undefined, { pattern: true });
        return pubSub;
      },
    },
    { provide: STORE, useFactory: () => new TaskStore(new Redis(REDIS_URL), keys, config) },
    {
      provide: QUEUE,
      useFactory: () => {
        const url = new URL(REDIS_URL);
        return new Queue('tasks', { connection: { host: url.hostname, port: Number(url.port) }, prefix: keys.bullPrefix });
      },
    },
  ],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.use(BACKEND_GRAPHQL_PATH, internalToken);
await app.listen(0, '127.0.0.1');
// The GraphQL endpoint's URL, as the product's backend announces it (the frontend's BACKEND_URL).
console.log(`nest-filter peer listening on ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}${BACKEND_GRAPHQL_PATH} (pid ${process.pid})`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
