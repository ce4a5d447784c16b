'use client';
import { useMutation, useQuery } from '@apollo/client/react';
import { useSyncExternalStore } from 'react';
import { useConnectionState } from '../../graphql/connection';
import { CreateTaskMutation, TasksQuery } from '../../graphql/documents';
import { TaskCard } from './task-card';
import { describeError } from './task-status';

const PAGE = 20;
const useIsBrowser = () =>
  useSyncExternalStore(
    () => () => undefined,
    () => true,
    () => false,
  );

const CONNECTION_LABEL = {
  idle: 'Idle: nothing live',
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
} as const;

export function TaskBoard() {
  const browser = useIsBrowser();
  const connection = useConnectionState();
  const tasks = useQuery(TasksQuery, { variables: { first: PAGE }, skip: !browser });
  const [createTask, created] = useMutation(CreateTaskMutation, {
    // Newest first: the new task goes on top of the list.
    update(cache, { data }) {
      const task = data?.createTask;
      if (!task) return;
      cache.updateQuery({ query: TasksQuery, variables: { first: PAGE } }, (list) => ({
        __typename: 'Query' as const,
        tasks: [task, ...(list?.tasks ?? []).filter((t) => t.id !== task.id)],
      }));
    },
  });
  const list = tasks.data?.tasks ?? [];

  return (
    <section className="board">
      <div className="toolbar">
        <button type="button" className="start" onClick={() => void createTask().catch(() => undefined)} disabled={created.loading}>
          {created.loading ? 'Starting…' : 'Start a task'}
        </button>
        <span className={`connection connection-${connection}`} data-testid="connection" role="status">
          {CONNECTION_LABEL[connection]}
        </span>
      </div>
      {created.error && (
        <p className="notice" role="alert">
          {describeError(created.error)}
        </p>
      )}
      {tasks.error && (
        <p className="notice" role="alert">
          {describeError(tasks.error)}
        </p>
      )}
      <div aria-live="polite" aria-relevant="text">
        {list.length === 0 && browser && !tasks.loading ? (
          <p className="empty">No tasks yet. Start one: it runs for a few seconds in the background.</p>
        ) : (
          <ul className="tasks" data-testid="task-list">
            {list.map((task) => (
              <TaskCard key={task.id} task={task} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
