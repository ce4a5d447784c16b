'use client';
import { useMutation, useSubscription } from '@apollo/client/react';
import { CancelTaskMutation, TaskStatusSubscription } from '../../graphql/documents';
import type { TaskFieldsFragment } from '../../graphql/generated/graphql';
import { describeError, isFinal, STATUS_LABEL } from './task-status';

function formatDuration(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function timeOf(iso: string): string {
  return new Date(iso).toLocaleTimeString();
}

/**
 * One task, live while it is not final: its subscription starts with the current state and
 * ends by itself after a final status (Apollo writes each event into the normalized cache).
 */
export function TaskCard({ task }: { task: TaskFieldsFragment }) {
  const final = isFinal(task.status);
  const live = useSubscription(TaskStatusSubscription, { variables: { id: task.id }, skip: final });
  const [cancel, cancelState] = useMutation(CancelTaskMutation, { variables: { id: task.id } });
  const shortId = task.id.slice(0, 8);

  return (
    <li className="task" data-testid="task" data-task-id={task.id} data-status={task.status} aria-label={`Task ${shortId}`}>
      <div className="task-head">
        <span className="task-id" title={task.id}>
          #{shortId}
        </span>
        <span className={`status status-${task.status.toLowerCase()}`} data-testid="task-status">
          {STATUS_LABEL[task.status]}
        </span>
      </div>
      {task.status === 'IN_PROGRESS' && (
        <progress className="bar" max={100} value={task.progress} aria-label={`Task ${shortId} progress`}>
          {task.progress}%
        </progress>
      )}
      <div className="task-meta">
        <span>Created {timeOf(task.createdAt)}</span>
        {task.startedAt && <span>Started {timeOf(task.startedAt)}</span>}
        {task.startedAt && task.finishedAt && (
          <span>Ran {formatDuration(Date.parse(task.finishedAt) - Date.parse(task.startedAt))}</span>
        )}
        {task.status === 'IN_PROGRESS' && <span>{task.progress}%</span>}
      </div>
      {task.error && (
        <p className={task.status === 'CANCELLED' ? 'task-note' : 'task-error'} data-testid="task-error">
          {task.error}
        </p>
      )}
      {live.error && !final && <p className="task-error">{describeError(live.error)}</p>}
      {cancelState.error && <p className="task-error">{describeError(cancelState.error)}</p>}
      {!final && (
        <button
          type="button"
          className="cancel"
          onClick={() => void cancel().catch(() => undefined)}
          disabled={cancelState.loading}
          aria-label={`Cancel task ${shortId}`}
        >
          {cancelState.loading ? 'Cancelling…' : 'Cancel'}
        </button>
      )}
    </li>
  );
}
