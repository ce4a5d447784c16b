'use client';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { GATEWAY_GRAPHQL_PATH } from '@longrun/server-common/names';
import { createClient } from 'graphql-ws';
import { map, Observable } from 'rxjs';
import { setConnectionState, setServerReachable } from './connection';
import { TaskFields } from './documents';
import { mergeHistoryPage, type StoredPage, withNewestTasks } from './history-merge';

/**
 * Sends each operation's codegen hash (`extensions.persistedQuery.sha256Hash`), so a gateway
 * running with TRUSTED_DOCUMENTS=true accepts it; the query text still goes along.
 */
const trustedDocumentLink = new ApolloLink((operation, forward) => {
  const hash = (operation.query as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (hash) operation.extensions = { ...operation.extensions, persistedQuery: { version: 1, sha256Hash: hash } };
  return forward(operation);
});

/**
 * Tells the connection indicator whether queries and mutations reach the server: a transport
 * failure or SERVICE_UNAVAILABLE (the backend behind the gateway is down) means not.
 */
const reachabilityLink = new ApolloLink(
  (operation, forward) =>
    new Observable((observer) => {
      const subscription = forward(operation).subscribe({
        next(result) {
          setServerReachable(result.errors?.[0]?.extensions?.code !== 'SERVICE_UNAVAILABLE');
          observer.next(result);
        },
        error(error: unknown) {
          // No HTTP answer at all (fetch failed), or a proxy's "bad gateway / unavailable".
          const status = (error as { statusCode?: unknown }).statusCode;
          setServerReachable(typeof status === 'number' && status < 502);
          observer.error(error);
        },
        complete: () => observer.complete(),
      });
      return () => subscription.unsubscribe();
    }),
);

/**
 * The page's cache. A task is one entry, whoever wrote it (the list, a mutation, a
 * subscription). The list (`taskHistory`) is stored per filter and page size, its pages appended
 * by "Load more" (history-merge.ts says how).
 */
function makeCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          taskHistory: {
            keyArgs: ['filter', 'first'],
            merge(existing: StoredPage<{ node: unknown }> | undefined, incoming: StoredPage<{ node: unknown }>, { args, readField }) {
              return mergeHistoryPage(existing, incoming, args?.after as string | undefined, (edge) => String(readField('id', edge.node as never)));
            },
          },
        },
      },
    },
  });
}

/**
 * Keeps each task at its highest `version` in the cache: a list read and a live event may arrive
 * in either order (and the list's and a card's subscriptions interleave), so a result's task
 * older than the cached one is replaced by the cached one before the cache sees it. (An Apollo
 * merge function cannot do it: a normalized task is already written when it runs.)
 */
function newestTasksLink(cache: InMemoryCache): ApolloLink {
  const held = (id: string) => cache.readFragment({ id: cache.identify({ __typename: 'Task', id }), fragment: TaskFields });
  return new ApolloLink((operation, forward) =>
    forward(operation).pipe(map((result) => (result.data ? { ...result, data: withNewestTasks(result.data, held) } : result))),
  );
}

/** Close codes after which retrying cannot help (the server refused us for good). */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403]);

/**
 * The browser's client: HTTP for queries and mutations, graphql-ws for subscriptions, on one
 * socket. The socket is lazy: it opens with the first subscription (the list's `taskUpdates`,
 * open as long as the page is) and would close once none is left.
 * It is created in the browser only (never during server rendering).
 */
export function makeApolloClient(): ApolloClient {
  const http = new HttpLink({ uri: GATEWAY_GRAPHQL_PATH, credentials: 'same-origin', includeExtensions: true });
  const cache = makeCache();
  if (typeof window === 'undefined') return new ApolloClient({ link: ApolloLink.from([trustedDocumentLink, http]), cache });

  // Live subscriptions right now: a socket that closes while some are left is reconnecting,
  // not idle (graphql-ws waits out its backoff before it says "connecting" again).
  let live = 0;
  const countLive = new ApolloLink(
    (operation, forward) =>
      new Observable((observer) => {
        live += 1;
        const subscription = forward(operation).subscribe(observer);
        return () => {
          live -= 1;
          subscription.unsubscribe();
        };
      }),
  );
  const ws = createClient({
    url: `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}${GATEWAY_GRAPHQL_PATH}`,
    lazy: true,
    lazyCloseTimeout: 0,
    // Never give up while something is live: the backoff below keeps a long outage cheap, and
    // the indicator says "Reconnecting…" (or "Offline") meanwhile.
    retryAttempts: Infinity,
    shouldRetry: (event) => !(event instanceof CloseEvent && FATAL_CLOSE_CODES.has(event.code)),
    // Jittered exponential backoff, capped at 10 s, so a restarted server is not stampeded.
    retryWait: async (retries) => {
      const cap = Math.min(10_000, 300 * 2 ** retries);
      await new Promise((r) => setTimeout(r, cap / 2 + Math.random() * (cap / 2)));
    },
    on: {
      connecting: (isRetry) => setConnectionState(isRetry ? 'reconnecting' : 'connecting'),
      connected: () => setConnectionState('connected'),
      closed: () => setConnectionState(live > 0 ? 'reconnecting' : 'idle'),
    },
  });
  const link = ApolloLink.from([
    newestTasksLink(cache),
    trustedDocumentLink,
    ApolloLink.split(
      ({ query }) => isSubscriptionOperation(query),
      ApolloLink.from([countLive, new GraphQLWsLink(ws)]),
      ApolloLink.from([reachabilityLink, http]),
    ),
  ]);
  return new ApolloClient({ link, cache });
}
