import { useApolloClient, useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import type { ConnectionState } from '../../graphql/connection';
import { TasksQuery } from '../../graphql/documents';
import { TASKS_VARIABLES } from '../../graphql/task-list';
import { useIsBrowser } from './clock';
import { errorCode } from './task-status';

/** How long to wait before reloading the list after the server could not be reached. */
const LIST_RETRY_MS = 5000;

/**
 * The session's tasks, newest first, as the cache holds them: the server-rendered list seeds it
 * (see apollo-provider.tsx), so the first render, on the server and while hydrating, shows it
 * without a request; without it, the browser fetches the list once it has taken over. It is
 * read again after an outage, and retried by itself when the server could not be reached.
 */
export function useTaskList(connection: ConnectionState) {
  const browser = useIsBrowser();
  const client = useApolloClient();
  // Whether the server rendered the list (it is in the cache from the start). If not, there is
  // nothing to show until the browser has taken over and fetched it.
  const [rendered] = useState(() => client.readQuery({ query: TasksQuery, variables: TASKS_VARIABLES }) !== null);
  const tasks = useQuery(TasksQuery, { variables: TASKS_VARIABLES, skip: !browser && !rendered, fetchPolicy: 'cache-first' });
  const { refetch, error } = tasks;
  const retry = () => void refetch().catch(() => undefined);

  // Catch up after an outage (live tasks resubscribe by themselves and start from their
  // current snapshot).
  const lastConnection = useRef(connection);
  useEffect(() => {
    const was = lastConnection.current;
    lastConnection.current = connection;
    if ((was === 'reconnecting' || was === 'offline') && (connection === 'connected' || connection === 'idle')) void refetch().catch(() => undefined);
  }, [connection, refetch]);

  const transient = error && (errorCode(error) === 'SERVICE_UNAVAILABLE' || errorCode(error) === undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: error re-arms the timer, so a failed retry is retried again.
  useEffect(() => {
    if (!transient) return;
    const timer = setTimeout(() => void refetch().catch(() => undefined), LIST_RETRY_MS);
    return () => clearTimeout(timer);
  }, [transient, refetch, error]);

  return {
    list: tasks.data?.tasks ?? [],
    loading: !tasks.data && !error,
    error,
    retry,
  };
}
