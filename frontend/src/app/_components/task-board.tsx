'use client';
import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { useConnectionState } from '../../graphql/connection';
import { TaskKindsQuery } from '../../graphql/documents';
import { type ListFilter, listFilterQuery } from '../../graphql/task-list';
import { BulkActions } from './bulk-actions';
import { ListFilters } from './list-filters';
import { StartForm } from './start-form';
import { TaskCard } from './task-card';
import { describeError, STATUS_LABEL } from './task-status';
import { useAnnouncements } from './use-announcements';
import { useNotYet } from './use-seeded';
import { useTaskList } from './use-task-list';

/**
 * The page's interactive part: the start form with the connection indicator, the list's filters
 * and bulk actions, and the user's tasks, newest first, live, a page at a time. Each card reads
 * its own task from the cache; the board only knows the list. The filter lives in the URL query,
 * so a reload or a shared address shows the same list (the server renders it).
 */
export function TaskBoard({ initialFilter }: { initialFilter: ListFilter }) {
  const connection = useConnectionState();
  const [filter, setFilterState] = useState(initialFilter);
  const setFilter = (next: ListFilter) => {
    setFilterState(next);
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${listFilterQuery(next)}`);
  };
  const tasks = useTaskList(connection, filter);
  const announcement = useAnnouncements(tasks.list, connection, listFilterQuery(filter));
  const kindsNotYet = useNotYet(TaskKindsQuery);
  const kinds = useQuery(TaskKindsQuery, { skip: kindsNotYet, fetchPolicy: 'cache-first' }).data?.taskKinds ?? [];
  const filtered = filter.status !== null || filter.kind !== null;

  return (
    <section className="board" aria-labelledby="tasks-heading">
      <StartForm connection={connection} />
      <p className="visually-hidden" role="status" data-testid="announcer">
        {announcement}
      </p>
      <h2 id="tasks-heading" className="visually-hidden">
        Your tasks
      </h2>
      <div className="list-tools">
        <ListFilters filter={filter} onChange={setFilter} counts={tasks.countsByStatus} kinds={kinds} />
        <BulkActions
          kind={filter.kind}
          onDone={() => {
            // New tasks arrive live; the originals' "Run again as" links come with the list.
            tasks.retry();
            tasks.refreshCounts();
          }}
        />
      </div>
      {tasks.error && (
        <p className="notice" role="alert" data-testid="list-error">
          Your tasks could not be loaded. {describeError(tasks.error)}{' '}
          <button type="button" className="link" onClick={tasks.retry}>
            Try again
          </button>
        </p>
      )}
      {tasks.liveError ? (
        <p className="notice" role="alert" data-testid="live-error">
          The list is not live: {describeError(tasks.liveError)}{' '}
          <button type="button" className="link" onClick={tasks.resumeLive}>
            Follow again
          </button>
        </p>
      ) : null}
      {tasks.loading ? (
        <p className="empty">Loading your tasks…</p>
      ) : tasks.list.length === 0 ? (
        !tasks.error && (
          <p className="empty" data-testid="list-empty">
            {filtered
              ? `No ${filter.status ? STATUS_LABEL[filter.status] : ''} tasks${filter.kind ? ` of kind ${filter.kind}` : ''}.`.replace('  ', ' ')
              : 'No tasks yet. Start one: it runs for a few seconds in the background.'}
          </p>
        )
      ) : (
        <ul className="tasks" data-testid="task-list">
          {tasks.list.map((task) => (
            <TaskCard key={task.id} id={task.id} />
          ))}
        </ul>
      )}
      {tasks.hasMore && (
        <div className="more">
          <button type="button" className="secondary" data-testid="load-more" aria-disabled={tasks.loadingMore} onClick={() => void tasks.loadMore()}>
            {tasks.loadingMore ? 'Loading…' : 'Load more'}
          </button>
          {tasks.moreError ? (
            <span className="task-error" role="alert">
              {describeError(tasks.moreError)}
            </span>
          ) : null}
        </div>
      )}
    </section>
  );
}
