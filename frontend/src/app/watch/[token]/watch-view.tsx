'use client';
import type { ErrorLike } from '@apollo/client';
import { useSubscription } from '@apollo/client/react';
import { useState } from 'react';
import { graphql } from '../../../graphql/generated';
import type { SharedTaskEventsSubscription as SharedEventsData, TaskFieldsFragment } from '../../../graphql/generated/graphql';
import { isFinal } from '../../../graphql/generated/schema-enums';
import { describeResult } from '../../_components/format';
import { describeError, errorCode, STATUS_LABEL } from '../../_components/task-status';
import { TimeOfDay } from '../../_components/time-of-day';
import { appendEvent, describeEvent } from '../../_components/timeline-events';

/** The shared task's state, then each change; ends after a final state, or with the link's refusal. */
const SharedTaskStatusSubscription = graphql(`
  subscription SharedTaskStatus($token: String!) {
    sharedTaskStatus(token: $token) {
      ...TaskFields
    }
  }
`);

/**
 * The shared task's timeline after `after`, then each new event. After a reconnect graphql-ws
 * resubscribes with the same variables: the replay is dropped by seq (appendEvent).
 */
const SharedTaskEventsSubscription = graphql(`
  subscription SharedTaskEvents($token: String!, $after: Int!) {
    sharedTaskEvents(token: $token, after: $after) {
      seq
      at
      type
      status
      progress
      attempt
      message
      level
    }
  }
`);

type TaskEvent = SharedEventsData['sharedTaskEvents'];

/** Codes after which the link will never work again: the view says so and stops. */
const FOR_GOOD = new Set(['SHARE_EXPIRED', 'SHARE_REVOKED', 'NOT_FOUND']);

/**
 * The watch page's body: the task as the link shows it, its timeline, and nothing to act on
 * (no cancel, retry or share; an export's file is for its owner only). Both subscriptions are
 * by the token; a revoked or expired link ends them and the view says why.
 */
export function WatchView({ token }: { token: string }) {
  const [task, setTask] = useState<TaskFieldsFragment | null>(null);
  const [events, setEvents] = useState<readonly TaskEvent[]>([]);
  const [refusal, setRefusal] = useState<ErrorLike | null>(null);
  const [trouble, setTrouble] = useState<ErrorLike | null>(null);
  const onError = (error: ErrorLike) => (FOR_GOOD.has(errorCode(error) ?? '') ? setRefusal(error) : setTrouble(error));
  const stopped = refusal !== null;

  useSubscription(SharedTaskStatusSubscription, {
    variables: { token },
    skip: stopped || (task !== null && isFinal(task.status)),
    fetchPolicy: 'no-cache',
    ignoreResults: true,
    onData: ({ data }) => {
      const next = data.data?.sharedTaskStatus;
      if (next) setTask((prev) => (prev && prev.version > next.version ? prev : next));
      setTrouble(null);
    },
    onError,
  });
  useSubscription(SharedTaskEventsSubscription, {
    variables: { token, after: 0 },
    skip: stopped || events.at(-1)?.type === 'ENDED',
    fetchPolicy: 'no-cache',
    ignoreResults: true,
    onData: ({ data }) => {
      const event = data.data?.sharedTaskEvents;
      if (event) setEvents((seen) => appendEvent(seen, event));
    },
    onError,
  });

  return (
    <section className="watch" data-testid="watch" aria-live="polite">
      {refusal && (
        <p className="task-error" role="alert" data-testid="watch-refused" data-code={errorCode(refusal)}>
          {errorCode(refusal) === 'NOT_FOUND' ? 'This link does not lead to a task: it is not valid, or the task is gone.' : describeError(refusal)}
        </p>
      )}
      {trouble && !refusal && (
        <p className="task-error" role="alert">
          {describeError(trouble)}
        </p>
      )}
      {!task && !refusal && <p className="task-note">Loading the shared task…</p>}
      {task && <SharedTask task={task} stale={stopped} />}
      {task && events.length > 0 && (
        <ol className="events" aria-label="Timeline" data-testid="timeline">
          {events.map((event) => (
            <li key={event.seq} className="event">
              <TimeOfDay iso={event.at} /> <span className="event-text">{describeEvent(event)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** The task, read-only: status, progress, attempts, error and result (as text). */
function SharedTask({ task, stale }: { task: TaskFieldsFragment; stale: boolean }) {
  const shortId = task.id.slice(0, 8);
  return (
    <div className="task" data-testid="task" data-task-id={task.id} data-status={task.status} data-stale={stale || undefined}>
      <div className="task-head">
        <span className="task-name">
          <span className="task-id">Task #{shortId}</span> <span className="task-kind">{task.kind}</span>
        </span>
        <span className={`status status-${task.status.toLowerCase()}`} data-testid="task-status">
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
        {task.finishedAt && (
          <span>
            Ended <TimeOfDay iso={task.finishedAt} />
          </span>
        )}
        <span data-testid="task-attempt">
          Attempt {task.attempt} of {task.maxAttempts}
        </span>
      </div>
      {task.attempts
        .filter((a) => a.error)
        .map((a) => (
          <p key={a.number} className="task-note">
            Attempt {a.number} failed: {a.error}
          </p>
        ))}
      {isFinal(task.status) && task.error && (
        <p className="task-error" data-testid="task-error">
          {task.error}
        </p>
      )}
      {task.status === 'FINISHED' && task.result && (
        <p className="task-result" data-testid="task-result">
          {describeResult(task.result)}
        </p>
      )}
    </div>
  );
}
