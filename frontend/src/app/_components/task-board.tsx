'use client';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { useConnectionState, type ConnectionState } from '../../graphql/connection';
import { CreateTaskMutation, TasksQuery } from '../../graphql/documents';
import type { TaskFieldsFragment, TaskStatus } from '../../graphql/generated/graphql';
import { useIsBrowser, useNow } from './clock';
import { TaskCard } from './task-card';
import { describeError, errorCode, retryAfterSeconds, STATUS_LABEL, TASK_PAGE_SIZE } from './task-status';

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  idle: 'Connected',
  connecting: 'Connecting…',
  connected: 'Connected · live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const CONNECTION_HINT: Record<ConnectionState, string> = {
  idle: 'Nothing is running, so no live connection is open.',
  connecting: 'Opening the live connection.',
  connected: 'Status changes arrive as they happen.',
  reconnecting: 'The live connection dropped. Retrying; the page catches up when it is back.',
  offline: 'Your browser is offline. The page catches up when the network is back.',
};

/** How long to wait before reloading the list after the server could not be reached. */
const LIST_RETRY_MS = 5000;

/**
 * Short sentences for screen readers about what changed since the last render: a task's new
 * status, or the live connection going away and coming back (progress ticks are not announced).
 */
function useAnnouncements(list: readonly TaskFieldsFragment[], connection: ConnectionState): string {
  const [message, setMessage] = useState('');
  const seen = useRef<Map<string, TaskStatus> | null>(null);
  const lastConnection = useRef(connection);

  useEffect(() => {
    const before = seen.current;
    seen.current = new Map(list.map((t) => [t.id, t.status]));
    if (!before) return; // the first list is what the page shows, not a change
    const changes = list
      .filter((t) => before.get(t.id) !== t.status)
      .map((t) => `Task ${t.id.slice(0, 8)} ${before.has(t.id) ? 'is now' : 'started,'} ${STATUS_LABEL[t.status]}.`);
    if (changes.length > 0) setMessage(changes.join(' '));
  }, [list]);

  useEffect(() => {
    const was = lastConnection.current;
    lastConnection.current = connection;
    if (connection === was) return;
    if (connection === 'reconnecting' || connection === 'offline') setMessage(`Connection lost: ${CONNECTION_LABEL[connection]}`);
    else if (was === 'reconnecting' || was === 'offline') setMessage('Connection is back.');
  }, [connection]);

  return message;
}

/**
 * The page's interactive part: the start button, the connection indicator and the user's tasks,
 * newest first. `initialTasks` is what the server rendered for this session (null if it could
 * not), so the first view needs no request; the client then keeps it live.
 */
export function TaskBoard({ initialTasks }: { initialTasks: TaskFieldsFragment[] | null }) {
  const browser = useIsBrowser();
  const client = useApolloClient();
  const connection = useConnectionState();
  const variables = { first: TASK_PAGE_SIZE };

  // The server-rendered list seeds the cache once, so the first client render matches the
  // server's markup and the list is not fetched a second time.
  useState(() => {
    if (initialTasks) client.writeQuery({ query: TasksQuery, variables, data: { __typename: 'Query', tasks: initialTasks } });
  });
  const tasks = useQuery(TasksQuery, { variables, skip: !browser, fetchPolicy: 'cache-first' });
  const [createTask, created] = useMutation(CreateTaskMutation, {
    // Newest first: the new task goes on top of the list.
    update(cache, { data }) {
      const task = data?.createTask;
      if (!task) return;
      cache.updateQuery({ query: TasksQuery, variables }, (list) => ({
        __typename: 'Query' as const,
        tasks: [task, ...(list?.tasks ?? []).filter((t) => t.id !== task.id)],
      }));
    },
  });
  const list = tasks.data?.tasks ?? initialTasks ?? [];

  // RATE_LIMITED says when to try again: count down to it, with the button off meanwhile.
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const now = useNow(retryAt !== null);
  const waitS = retryAt !== null && now !== null ? Math.ceil((retryAt - now) / 1000) : 0;
  useEffect(() => {
    if (retryAt !== null && now !== null && now >= retryAt) setRetryAt(null);
  }, [retryAt, now]);
  const start = async () => {
    if (created.loading || waitS > 0) return;
    try {
      await createTask();
      setRetryAt(null);
    } catch (error) {
      const after = retryAfterSeconds(error);
      if (after !== undefined) setRetryAt(Date.now() + after * 1000);
    }
  };
  const startError =
    created.error && errorCode(created.error) === 'RATE_LIMITED'
      ? waitS > 0
        ? `Too many tasks started at once: try again in ${waitS} s.`
        : null
      : created.error && describeError(created.error);

  // Catch up after an outage: the list is read again once the connection is back (live tasks
  // resubscribe by themselves and start from their current snapshot).
  const lastConnection = useRef(connection);
  const { refetch } = tasks;
  useEffect(() => {
    const was = lastConnection.current;
    lastConnection.current = connection;
    if ((was === 'reconnecting' || was === 'offline') && (connection === 'connected' || connection === 'idle')) void refetch().catch(() => undefined);
  }, [connection, refetch]);

  // A list that could not be loaded because the server was unreachable is retried by itself.
  const listError = tasks.error;
  const transient = listError && (errorCode(listError) === 'SERVICE_UNAVAILABLE' || errorCode(listError) === undefined);
  useEffect(() => {
    if (!transient) return;
    const timer = setTimeout(() => void refetch().catch(() => undefined), LIST_RETRY_MS);
    return () => clearTimeout(timer);
  }, [transient, refetch, listError]);

  const announcement = useAnnouncements(list, connection);
  const loading = list.length === 0 && initialTasks === null && (!browser || tasks.loading);

  return (
    <section className="board" aria-labelledby="tasks-heading">
      <div className="toolbar">
        <button type="button" className="start" onClick={() => void start()} aria-disabled={created.loading || waitS > 0}>
          {created.loading ? 'Starting…' : 'Start a task'}
        </button>
        <span className={`connection connection-${connection}`} data-testid="connection" title={CONNECTION_HINT[connection]}>
          <span className="dot" aria-hidden="true" />
          {CONNECTION_LABEL[connection]}
        </span>
      </div>
      {startError && (
        <p className="notice" role="alert" data-testid="start-error">
          {startError}
        </p>
      )}
      {listError && (
        <p className="notice" role="alert" data-testid="list-error">
          Your tasks could not be loaded. {describeError(listError)}{' '}
          <button type="button" className="link" onClick={() => void refetch().catch(() => undefined)}>
            Try again
          </button>
        </p>
      )}
      <p className="visually-hidden" role="status" data-testid="announcer">
        {announcement}
      </p>
      <h2 id="tasks-heading" className="visually-hidden">
        Your tasks
      </h2>
      {loading ? (
        <p className="empty">Loading your tasks…</p>
      ) : list.length === 0 ? (
        !listError && <p className="empty">No tasks yet. Start one: it runs for a few seconds in the background.</p>
      ) : (
        <ul className="tasks" data-testid="task-list">
          {list.map((task) => (
            <TaskCard key={task.id} task={task} />
          ))}
        </ul>
      )}
    </section>
  );
}
