import type { ApolloCache } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { type ConnectionState, useWhenBack } from '../../graphql/connection';
import { TasksQuery } from '../../graphql/documents';
import type { TaskFieldsFragment } from '../../graphql/generated/graphql';
import { TASKS_VARIABLES } from '../../graphql/task-list';
import { errorCode } from './task-status';
import { useNotYet } from './use-seeded';

/** How long to wait before reloading the list after the server could not be reached. */
const LIST_RETRY_MS = 5000;

/**
 * The session's tasks, newest first, as the cache holds them: the server-rendered list seeds it
 * (see use-seeded.ts). It is read again after an outage, and retried by itself when the server
 * could not be reached.
 */
export function useTaskList(connection: ConnectionState) {
  const notYet = useNotYet(TasksQuery, TASKS_VARIABLES);
  const tasks = useQuery(TasksQuery, { variables: TASKS_VARIABLES, skip: notYet, fetchPolicy: 'cache-first' });
  const { refetch, error } = tasks;
  const retry = () => void refetch().catch(() => undefined);

  // Catch up after an outage (live tasks resubscribe by themselves and start from their
  // current snapshot).
  useWhenBack(connection, retry);

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

/** A task just created (createTask, retryTask) goes on top of the list. */
export function addTaskOnTop(cache: ApolloCache, task: TaskFieldsFragment): void {
  cache.updateQuery({ query: TasksQuery, variables: TASKS_VARIABLES }, (list) => ({
    __typename: 'Query' as const,
    tasks: [task, ...(list?.tasks ?? []).filter((t) => t.id !== task.id)],
  }));
}
