'use client';
import { useFragment, useMutation, useSubscription } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { CancelTaskMutation, TaskFields, TaskStatusSubscription } from '../../graphql/documents';
import type { TaskFieldsFragment } from '../../graphql/generated/graphql';
import { isFinal } from '../../graphql/generated/schema-enums';
import { formatDuration, useIsBrowser, useNow } from './clock';
import { describeError, errorCode, STATUS_LABEL } from './task-status';

/**
 * A time of day: the browser's local time once hydrated; UTC in the server's markup, so the
 * server and the first client render agree whatever the time zones.
 */
function TimeOfDay({ iso }: { iso: string }) {
  const browser = useIsBrowser();
  return <time dateTime={iso}>{browser ? new Date(iso).toLocaleTimeString() : `${iso.slice(11, 19)} UTC`}</time>;
}

/** How long a task has run so far (ticking) or ran in all. */
function Duration({ task }: { task: TaskFieldsFragment }) {
  const running = task.status === 'IN_PROGRESS';
  const now = useNow(running && !!task.startedAt);
  if (!task.startedAt) return null;
  if (task.finishedAt) return <span>Ran {formatDuration(Date.parse(task.finishedAt) - Date.parse(task.startedAt))}</span>;
  if (!running || now === null) return null;
  return <span>Running for {formatDuration(now - Date.parse(task.startedAt), true)}</span>;
}

/**
 * One task, read from the cache through its fragment (the list query, the mutations and the
 * subscription all write the same normalized entry), so an event re-renders this card.
 */
export function TaskCard({ id }: { id: string }) {
  const { data, complete } = useFragment({ fragment: TaskFields, from: { __typename: 'Task', id } });
  return complete ? <LiveTask task={data} /> : null;
}

/**
 * A task, live while it is not final: its subscription starts with the current state and
 * ends by itself after a final status (Apollo writes each event into the normalized cache).
 * After a reconnect, graphql-ws resubscribes and the server answers with the snapshot first,
 * so a change made while the socket was down is never lost.
 */
function LiveTask({ task }: { task: TaskFieldsFragment }) {
  const final = isFinal(task.status);
  const live = useSubscription(TaskStatusSubscription, { variables: { id: task.id }, skip: final });
  const [cancel, cancelState] = useMutation(CancelTaskMutation, { variables: { id: task.id } });
  // The record is gone (expired, or never this user's): nothing more can happen to it here.
  const gone = errorCode(live.error) === 'NOT_FOUND' || errorCode(cancelState.error) === 'NOT_FOUND';
  const shortId = task.id.slice(0, 8);
  const statusId = `task-${task.id}-status`;

  // When the task ends while its Cancel button has the focus, the button goes away: keep the
  // keyboard user's place by focusing the card instead of dropping focus to the page.
  const card = useRef<HTMLLIElement>(null);
  const cancelFocused = useRef(false);
  useEffect(() => {
    if (final && cancelFocused.current) {
      cancelFocused.current = false;
      card.current?.focus();
    }
  }, [final]);

  return (
    <li
      ref={card}
      tabIndex={-1}
      className="task"
      data-testid="task"
      data-task-id={task.id}
      data-status={task.status}
      aria-labelledby={`task-${task.id}-name ${statusId}`}
    >
      <div className="task-head">
        <span className="task-id" id={`task-${task.id}-name`} title={task.id}>
          Task #{shortId}
        </span>
        <span className={`status status-${task.status.toLowerCase()}`} id={statusId} data-testid="task-status">
          {STATUS_LABEL[task.status]}
        </span>
      </div>
      {task.status === 'IN_PROGRESS' && (
        <div className="progress">
          <progress className="bar" max={100} value={task.progress} aria-label={`Task ${shortId} progress`}>
            {task.progress}%
          </progress>
          <span className="percent" aria-hidden="true">
            {task.progress}%
          </span>
        </div>
      )}
      <div className="task-meta">
        <span>
          Created <TimeOfDay iso={task.createdAt} />
        </span>
        {task.startedAt && (
          <span>
            Started <TimeOfDay iso={task.startedAt} />
          </span>
        )}
        <Duration task={task} />
      </div>
      {task.error && (
        <p className={task.status === 'CANCELLED' ? 'task-note' : 'task-error'} data-testid="task-error">
          {task.error}
        </p>
      )}
      {gone ? (
        <p className="task-error" role="alert">
          {describeError(errorCode(live.error) === 'NOT_FOUND' ? live.error : cancelState.error)}
        </p>
      ) : (
        <>
          {live.error && !final && (
            <p className="task-error" role="alert">
              {describeError(live.error)}{' '}
              <button type="button" className="link" onClick={() => live.restart()}>
                Follow it again
              </button>
            </p>
          )}
          {cancelState.error && (
            <p className="task-error" role="alert">
              {describeError(cancelState.error)}
            </p>
          )}
        </>
      )}
      {!final && !gone && (
        <button
          type="button"
          className="cancel"
          // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
          onClick={() => !cancelState.loading && void cancel().catch(() => undefined)}
          onFocus={() => (cancelFocused.current = true)}
          onBlur={() => (cancelFocused.current = false)}
          aria-disabled={cancelState.loading}
          aria-label={`Cancel task ${shortId}`}
        >
          {cancelState.loading ? 'Cancelling…' : 'Cancel'}
        </button>
      )}
    </li>
  );
}
