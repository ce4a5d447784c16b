import type { IncomingMessage, ServerResponse } from 'node:http';
import { wrapSchema } from '@graphql-tools/wrap';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { FrontendConfig } from '../config.js';
import { maskError } from './errors.js';
import { limitPlugins } from './limits.js';
import { loadTrustedDocuments, type TrustedDocuments } from './trusted-documents.js';
import { loadPublicSchema } from './schema.js';
import { createUpstream, type GatewayContext, type Upstream } from './upstream.js';

/** Per-request server context handed in by server.ts: the verified session. */
export interface ServerContext {
  req: IncomingMessage;
  res: ServerResponse;
  user: string;
}

export const GRAPHQL_PATH = '/api/graphql';

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

/**
 * The Yoga endpoint that re-exposes the public schema and forwards every operation to the
 * backend. It resolves nothing itself: the wrapped schema delegates each root field upstream.
 */
export function buildGateway(config: FrontendConfig): Gateway {
  const upstream = createUpstream(config);
  const trusted = loadTrustedDocuments(config.trustedDocuments);
  const schema = wrapSchema<GatewayContext>({ schema: loadPublicSchema(), executor: upstream.executor });
  const yoga = createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Served from the package itself (no CDN), with subscriptions over the same WebSocket path.
    graphiql: config.graphiql ? { subscriptionsProtocol: 'WS', title: 'longrun GraphiQL', defaultQuery: GRAPHIQL_QUERY } : false,
    renderGraphiQL,
    landingPage: false,
    // Same-origin only: no CORS headers at all, so no foreign origin can read an answer.
    cors: false,
    batching: false,
    maskedErrors: { maskError },
    context: ({ user }) => ({ user }),
    plugins: [trusted.plugin(), ...limitPlugins({ exploration: config.graphiql })],
    logging: config.dev ? 'info' : 'warn',
  });
  return {
    yoga,
    upstream,
    trusted,
    stop: () => upstream.dispose(),
  };
}
