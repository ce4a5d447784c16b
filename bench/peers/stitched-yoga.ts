/**
 * Peer "stitched-yoga" (issue 17): a frontend tier as the graphql-tools docs build a gateway
 * over a remote schema (https://the-guild.dev/graphql/stitching/docs/getting-started/remote-subschemas):
 * a GraphQL Yoga server whose schema stitches the backend's, with queries and mutations sent by
 * `buildHTTPExecutor` and subscriptions by `buildGraphQLWSExecutor` (one graphql-ws client per
 * executor, so one shared socket to the backend), and graphql-ws served as Yoga's docs show
 * (`useServer` with `yoga.getEnveloped`). It stands where the product's frontend stands, in
 * front of the same backend API: it reads the same session cookie and forwards the internal
 * credential and the user as the product's gateway does (a header on HTTP, the subscribe
 * message's extensions on the socket), so the backend accepts it.
 *
 * The subschema is the SDL in `schema/` rather than an introspection at start-up, because the
 * production backend answers no introspection; the docs allow either, and it is the same schema.
 * Env: BACKEND_URL, INTERNAL_API_TOKEN, SESSION_SECRET.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { buildGraphQLWSExecutor } from '@graphql-tools/executor-graphql-ws';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { stitchSchemas } from '@graphql-tools/stitch';
import type { Executor } from '@graphql-tools/utils';
import { INTERNAL_TOKEN_PARAM, USER_EXTENSION, USER_HEADER } from '@longrun/server-common';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { readCookie, SESSION_COOKIE, verifySession } from '../../frontend/src/server/session.js';

/** The backend's GraphQL endpoint (as the product's frontend takes it). */
const backend = process.env.BACKEND_URL!;
const token = process.env.INTERNAL_API_TOKEN!;
const secret = process.env.SESSION_SECRET!;
const SESSION_MAX_AGE_S = 30 * 24 * 3600;

interface Ctx {
  user: string | null;
}
const userFrom = (cookie: string | null | undefined): string | null =>
  verifySession(readCookie(cookie ?? undefined, SESSION_COOKIE), secret, SESSION_MAX_AGE_S)?.id ?? null;

const httpExecutor = buildHTTPExecutor({
  endpoint: backend,
  headers: (request) => ({ authorization: `Bearer ${token}`, [USER_HEADER]: (request?.context as Ctx | undefined)?.user ?? '' }),
});
const wsExecutor = buildGraphQLWSExecutor({ url: backend.replace(/^http/, 'ws'), connectionParams: { [INTERNAL_TOKEN_PARAM]: token } });
// As the docs route them: subscriptions over the socket, the rest over HTTP. (The casts: the
// executors were built against another copy of @graphql-tools/utils; the objects are the same.)
const executor: Executor = (request) =>
  request.operationType === 'subscription'
    ? wsExecutor({ ...request, extensions: { ...request.extensions, [USER_EXTENSION]: (request.context as Ctx | undefined)?.user } } as never)
    : httpExecutor(request as never);

const schema = stitchSchemas({
  subschemas: [{ schema: buildSchema(readFileSync(join(import.meta.dirname, '../../schema/schema.graphql'), 'utf8')), executor }],
});

const yoga = createYoga<{ req?: import('node:http').IncomingMessage }, Ctx>({
  schema,
  graphqlEndpoint: '/api/graphql',
  graphiql: false,
  logging: 'warn',
  context: ({ request }) => ({ user: userFrom(request.headers.get('cookie')) }),
});

const server = createServer(yoga);
const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
// As Yoga's docs wire graphql-ws: every operation goes through Yoga's envelop (parse, validate, context).
useServer(
  {
    execute: (args: any) => args.rootValue.execute(args),
    subscribe: (args: any) => args.rootValue.subscribe(args),
    onSubscribe: async (ctx, _id, params) => {
      const { schema, execute, subscribe, parse, validate } = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params });
      const args = {
        schema,
        operationName: params.operationName,
        document: parse(params.query),
        variableValues: params.variables,
        contextValue: { user: userFrom(ctx.extra.request.headers.cookie) },
        rootValue: { execute, subscribe },
      };
      const errors = validate(args.schema, args.document);
      if (errors.length) return errors;
      return args;
    },
  },
  wsServer,
);

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`stitched-yoga ready on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
