'use client';
import { ApolloProvider } from '@apollo/client/react';
import { useState, type ReactNode } from 'react';
import { makeApolloClient } from '../../graphql/apollo';
import { TasksQuery } from '../../graphql/documents';
import type { TaskFieldsFragment } from '../../graphql/generated/graphql';
import { TASKS_VARIABLES } from '../../graphql/task-list';

/**
 * The page's Apollo client, made once per page (per request on the server, once in the
 * browser). Its new cache starts with the list the server rendered, if any, so the first client
 * render matches the server's markup and the list is not fetched a second time.
 */
export function Providers({ initialTasks, children }: { initialTasks: TaskFieldsFragment[] | null; children: ReactNode }) {
  const [client] = useState(() => {
    const fresh = makeApolloClient();
    if (initialTasks) fresh.cache.writeQuery({ query: TasksQuery, variables: TASKS_VARIABLES, data: { __typename: 'Query', tasks: initialTasks } });
    return fresh;
  });
  return <ApolloProvider client={client}>{children}</ApolloProvider>;
}
