import type { IncomingMessage, ServerResponse } from 'node:http';
import { wrapSchema } from '@graphql-tools/wrap';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GATEWAY_GRAPHQL_PATH, REQUEST_ID_HEADER, requestIdOf } from '@longrun/server-common';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { FrontendConfig } from '../config.js';
import { log } from '../ops/logger.js';
import { maskError } from './errors.js';
import { useForwardUpstream } from './forward.js';
import { limitPlugins } from './limits.js';
import { loadTrustedDocuments, type TrustedDocuments } from './trusted-documents.js';
import { loadPublicSchema } from './schema.js';
import { createUpstream, type GatewayContext, type Upstream } from './upstream.js';

/**
 * Per-request server context handed in by server.ts (the verified session), or by ws.ts for an
 * operation on a socket, which passes what it kept of the upgrade instead of the request.
 */
export interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  user: string;
  /** The client's address key (client-address.ts). */
  client: string;
  /** A socket's operations: the upgrade's request id, already checked (requestIdOf). */
  requestId?: string;
}

const GRAPHIQL_QUERY = `# Start a task, then paste its id into the subscription and run it.
mutation Start {
  createTask { id status version }
}

subscription Watch($id: ID!) {
  taskStatus(id: $id) { id status progress version error }
}

query Mine {
  tasks(first: 10) { id status progress createdAt finishedAt error }
}
`;

export interface Gateway {
  yoga: YogaServerInstance<ServerContext, GatewayContext>;
  upstream: Upstream;
  trusted: TrustedDocuments;
  stop(): Promise<void>;
}

/** Yoga's own messages, through the process's pino logger (so every line is JSON). */
function yogaLogger(level: 'info' | 'warn') {
  const child = () => log().child({ context: 'Yoga' });
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    debug: () => undefined,
    info: (...args: unknown[]) => {
      if (level === 'info') child().info(text(args));
    },
    warn: (...args: unknown[]) => child().warn(text(args)),
    error: (...args: unknown[]) => child().error(text(args)),
  };
}

/**
 * The Yoga endpoint that re-exposes the public schema and forwards every operation to the
 * backend. It resolves nothing itself: validated operations go upstream as they are
 * (forward.ts, ws.ts); the wrapped schema answers introspection and delegates anything else.
 */
export function buildGateway(config: FrontendConfig): Gateway {
  const upstream = createUpstream(config);
  const trusted = loadTrustedDocuments(config.trustedDocuments);
  const schema = wrapSchema<GatewayContext>({ schema: loadPublicSchema(), executor: upstream.executor });
  const yoga = createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: GATEWAY_GRAPHQL_PATH,
    // Served from the package itself (no CDN), with subscriptions over the same WebSocket path.
    graphiql: config.graphiql ? { subscriptionsProtocol: 'WS', title: 'longrun GraphiQL', defaultQuery: GRAPHIQL_QUERY } : false,
    renderGraphiQL,
    landingPage: false,
    // Same-origin only: no CORS headers at all, so no foreign origin can read an answer.
    cors: false,
    batching: false,
    // The body limit is routes.ts's, checked on the declared Content-Length before Yoga reads a
    // byte (a POST without one is refused, and Node's parser never reads past it). Yoga's own
    // check piped every body through a size-counting stream (a stream pipeline, an abort and its
    // DOMException per request: about a twentieth of the frontend's CPU on the full path).
    maxRequestBodySize: false,
    maskedErrors: { maskError },
    context: ({ user, client, req, requestId }) => {
      // server.ts set a well-formed id on HTTP requests; anything else (a WebSocket upgrade's
      // header, say) is not passed on.
      return { user, client, requestId: requestId ?? requestIdOf(req?.headers[REQUEST_ID_HEADER]) };
    },
    plugins: [trusted.plugin(), ...limitPlugins({ exploration: config.graphiql }), useForwardUpstream(upstream)],
    logging: yogaLogger(config.dev ? 'info' : 'warn'),
  });
  return {
    yoga,
    upstream,
    trusted,
    stop: () => upstream.dispose(),
  };
}
