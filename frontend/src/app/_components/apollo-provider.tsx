'use client';
import { ApolloProvider } from '@apollo/client/react';
import { useState, type ReactNode } from 'react';
import { makeApolloClient } from '../../graphql/apollo';
import { TaskHistoryQuery, TaskKindsQuery } from '../../graphql/documents';
import { listVariables } from '../../graphql/task-list';
import type { PageData } from '../../server/page-data';

/**
 * The page's Apollo client, made once per page (per request on the server, once in the
 * browser). Its new cache starts with what the server rendered (the list's first page under its filter, the kinds), so the
 * first client render matches the server's markup and nothing is fetched a second time.
 */
export function Providers({ initial, children }: { initial: PageData | null; children: ReactNode }) {
  const [client] = useState(() => {
    const fresh = makeApolloClient();
    if (initial?.history) {
      fresh.cache.writeQuery({
        query: TaskHistoryQuery,
        variables: listVariables(initial.filter),
        data: { __typename: 'Query', taskHistory: initial.history },
      });
    }
    if (initial?.taskKinds) fresh.cache.writeQuery({ query: TaskKindsQuery, data: { __typename: 'Query', taskKinds: initial.taskKinds } });
    return fresh;
  });
  return <ApolloProvider client={client}>{children}</ApolloProvider>;
}
