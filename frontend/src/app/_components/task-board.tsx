'use client';
import { useConnectionState } from '../../graphql/connection';
import { StartForm } from './start-form';
import { TaskCard } from './task-card';
import { describeError } from './task-status';
import { useAnnouncements } from './use-announcements';
import { useTaskList } from './use-task-list';

/**
 * The page's interactive part: the start form with the connection indicator, and the user's
 * tasks, newest first. Each card reads its own task from the cache; the board only knows their ids.
 */
export function TaskBoard() {
  const connection = useConnectionState();
  const tasks = useTaskList(connection);
  const announcement = useAnnouncements(tasks.list, connection);

  return (
    <section className="board" aria-labelledby="tasks-heading">
      <StartForm connection={connection} />
      {tasks.error && (
        <p className="notice" role="alert" data-testid="list-error">
          Your tasks could not be loaded. {describeError(tasks.error)}{' '}
          <button type="button" className="link" onClick={tasks.retry}>
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
      {tasks.loading ? (
        <p className="empty">Loading your tasks…</p>
      ) : tasks.list.length === 0 ? (
        !tasks.error && <p className="empty">No tasks yet. Start one: it runs for a few seconds in the background.</p>
      ) : (
        <ul className="tasks" data-testid="task-list">
          {tasks.list.map((task) => (
            <TaskCard key={task.id} id={task.id} />
          ))}
        </ul>
      )}
    </section>
  );
}
