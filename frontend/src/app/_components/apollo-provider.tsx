'use client';
import { ApolloProvider } from '@apollo/client/react';
import { useState, type ReactNode } from 'react';
import { makeApolloClient } from '../../graphql/apollo';
import { TaskKindsQuery, TasksQuery } from '../../graphql/documents';
import { TASKS_VARIABLES } from '../../graphql/task-list';
import type { PageData } from '../../server/page-data';

/**
 * The page's Apollo client, made once per page (per request on the server, once in the
 * browser). Its new cache starts with what the server rendered (the list, the kinds), so the
 * first client render matches the server's markup and nothing is fetched a second time.
 */
export function Providers({ initial, children }: { initial: PageData | null; children: ReactNode }) {
  const [client] = useState(() => {
    const fresh = makeApolloClient();
    if (initial?.tasks) fresh.cache.writeQuery({ query: TasksQuery, variables: TASKS_VARIABLES, data: { __typename: 'Query', tasks: initial.tasks } });
    if (initial?.taskKinds) fresh.cache.writeQuery({ query: TaskKindsQuery, data: { __typename: 'Query', taskKinds: initial.taskKinds } });
    return fresh;
  });
  return <ApolloProvider client={client}>{children}</ApolloProvider>;
}
