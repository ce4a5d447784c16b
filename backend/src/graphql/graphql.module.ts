import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  BACKEND_GRAPHQL_PATH,
  CLIENT_EXTENSION,
  CLIENT_HEADER,
  INTERNAL_TOKEN_PARAM,
  OPERATION_LIMITS,
  REQUEST_ID_EXTENSION,
  requestIdOf,
  secretMatches,
  USER_EXTENSION,
  USER_HEADER,
  userTag,
} from '@longrun/server-common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLError, getOperationAST, specifiedRules, type ValidationRule } from 'graphql';
import type { ServerOptions, SubscribePayload } from 'graphql-ws';
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { CONFIG, type Config } from '../config/config.js';
import { OPS_LOGGER } from '../ops/task-events.js';
import { contextFor } from './context.js';
import { batchFrames } from './frame-batching.js';
import { keepSocketAlive } from './socket-keepalive.js';
import { documentCache } from './document-cache.js';
import { maskError, maskErrors } from './errors.js';

/** The SDL lives in the repository's `schema/` folder, the same from `src/` and from `dist/`. */
export const SCHEMA_DIR = resolve(import.meta.dirname, '../../../schema');

/**
 * graphql-ws server options. Nest spreads them into `useServer`, though its type lists only a
 * few of them; `context` and `onError` are needed here.
 */
function wsOptions(config: Config, validationRules: readonly ValidationRule[], log: Logger): ServerOptions {
  // The same operation limits as HTTP (apolloOptions): the token bound in the parser, the
  // armor's rules beside graphql-js's own, no field suggestions unless introspection is on.
  const documents = documentCache({
    parseOptions: { maxTokens: OPERATION_LIMITS.maxTokens.n },
    rules: [...specifiedRules, ...validationRules],
    hideSuggestions: !config.introspection,
  });
  // When each query or mutation began, for its log line (the payload object is the operation's own).
  const began = new WeakMap<SubscribePayload, bigint>();
  return {
    // graphql-ws lets a parse error escape and closes the whole socket with 4500, which would cut
    // every user's subscriptions on the gateway's shared socket: a document that does not parse
    // (a syntax error, too many tokens) is answered on its own operation here, as HTTP answers it.
    onSubscribe: (_ctx, _id, payload) => {
      began.set(payload, process.hrtime.bigint());
      try {
        documents.parse(payload.query);
      } catch (error) {
        return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
      }
      return undefined;
    },
    // One parsed, validated and compiled document per distinct operation, not one per subscription.
    parse: documents.parse,
    validate: (schema, document) => documents.validate(schema, document).map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')),
    subscribe: documents.subscribe as ServerOptions['subscribe'],
    // A socket that never authenticates is closed with 4408 after this long.
    connectionInitWaitTimeout: 3000,
    // Checked before any operation runs; `false` closes the socket with 4403 Forbidden. An
    // admitted socket is pinged, and dropped when it stops answering (see keepSocketAlive).
    onConnect: (ctx) => {
      const admitted = secretMatches(ctx.connectionParams?.[INTERNAL_TOKEN_PARAM], config.internalToken);
      if (admitted) {
        const { socket, request } = ctx.extra as { socket: WebSocket; request: IncomingMessage };
        keepSocketAlive(socket, config.wsPingMs);
        batchFrames(socket, request.socket as Socket);
      }
      return admitted;
    },
    // The gateway shares one socket among many users: identity (and, for queries and mutations,
    // the client's address key) is read per operation; only a holder of the credential gets here.
    context: (_ctx, _id, payload) => contextFor(payload.extensions?.[USER_EXTENSION], payload.extensions?.[CLIENT_EXTENSION]),
    // One line per query or mutation, as `logRequest` writes one per HTTP request (the gateway
    // sends them on this socket): its request id, so one request can be followed across tiers.
    onOperation: (_ctx, _id, payload, args) => {
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      const start = began.get(payload);
      if (operation === 'subscription' || start === undefined) return;
      const durationMs = Math.round(Number(process.hrtime.bigint() - start) / 100_000) / 10;
      const user = payload.extensions?.[USER_EXTENSION];
      log.info(
        {
          reqId: requestIdOf(payload.extensions?.[REQUEST_ID_EXTENSION]),
          path: BACKEND_GRAPHQL_PATH,
          method: 'WS',
          operation,
          durationMs,
          user: userTag(typeof user === 'string' ? user : undefined),
        },
        'request',
      );
    },
    onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: maskErrors(result.errors) as unknown as GraphQLError[] } : result),
    onError: (_ctx, _id, _payload, errors) => maskErrors(errors),
  };
}

/**
 * A parse or validation error on the WebSocket, with the code Apollo gives it on HTTP (whatever
 * code the armor's rule gave it: Apollo replaces it too).
 */
function withCode(error: unknown, code: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED'): GraphQLError {
  if (error instanceof GraphQLError) {
    return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
  }
  return new GraphQLError(error instanceof Error ? error.message : String(error), { extensions: { code } });
}

/**
 * Operation limits on the backend's HTTP and WebSocket legs (defence in depth: the gateway
 * enforces the same limits on both transports before anything reaches us).
 */
const armor = (config: Config) =>
  new ApolloArmor({
    ...OPERATION_LIMITS,
    // Not armor's token limit: its Apollo plugin re-parses in parsingDidStart, and anything it
    // throws there (every syntax error) becomes HTTP 500. graphql's own parser counts tokens
    // (parseOptions below), so a long or malformed document is a 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: !config.introspection },
  }).protect();

function apolloOptions(config: Config, log: Logger): ApolloDriverConfig {
  const { plugins, validationRules } = armor(config);
  return {
    // graphql-armor is typed against the CJS build of @apollo/server; the plugins are the same.
    plugins: plugins as never[],
    validationRules,
    parseOptions: { maxTokens: OPERATION_LIMITS.maxTokens.n },
    allowBatchedHttpRequests: false,
    driver: ApolloDriver,
    typePaths: [resolve(SCHEMA_DIR, '*.graphql')],
    path: BACKEND_GRAPHQL_PATH,
    introspection: config.introspection,
    playground: false,
    includeStacktraceInErrorResponses: false,
    formatError: maskError,
    // HTTP: the credential was already checked, before the body was read (internal-credential.ts).
    context: ({ req }: { req: Request }) => contextFor(req.headers[USER_HEADER], req.headers[CLIENT_HEADER]),
    subscriptions: { 'graphql-ws': wsOptions(config, validationRules, log.child({ context: 'GraphQL' })) as never },
  };
}

@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [CONFIG, OPS_LOGGER],
      useFactory: apolloOptions,
    }),
  ],
})
export class ApiGraphQLModule {}
