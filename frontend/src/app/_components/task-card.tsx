'use client';
import { useFragment, useMutation, useSubscription } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { CancelTaskMutation, TaskFields, TaskStatusSubscription } from '../../graphql/documents';
import type { TaskFieldsFragment } from '../../graphql/generated/graphql';
import { isFinal } from '../../graphql/generated/schema-enums';
import { useNow } from './clock';
import { describeResult, formatCountdown, formatDuration } from './format';
import { ShareButton } from './share-button';
import { describeError, errorCode, STATUS_LABEL } from './task-status';
import { TaskTimeline } from './task-timeline';
import { TimeOfDay } from './time-of-day';
import { useRetryTask } from './use-retry-task';

/** How long a task has run so far (ticking) or ran in all. */
function Duration({ task }: { task: TaskFieldsFragment }) {
  const running = task.status === 'IN_PROGRESS';
  const now = useNow(running && !!task.startedAt);
  if (!task.startedAt) return null;
  if (task.finishedAt) return <span>Ran {formatDuration(Date.parse(task.finishedAt) - Date.parse(task.startedAt))}</span>;
  if (!running || now === null) return null;
  return <span>Running for {formatDuration(now - Date.parse(task.startedAt), true)}</span>;
}

/** While a task waits for its next attempt: when that starts, counting down. */
function NextAttempt({ at }: { at: string }) {
  const now = useNow();
  if (now === null) return null;
  const left = formatCountdown(Date.parse(at), now);
  return <span data-testid="countdown">{left ? `Next attempt in ${left}` : 'Next attempt starting…'}</span>;
}

/** A FINISHED task's result; an export's is its download link. */
function Result({ result }: { result: NonNullable<TaskFieldsFragment['result']> }) {
  return (
    <p className="task-result" data-testid="task-result">
      {result.__typename === 'ExportResult' ? (
        <a href={result.url} download>
          Download the {describeResult(result)}
        </a>
      ) : (
        describeResult(result)
      )}
    </p>
  );
}

const taskLink = (id: string) => (
  <a key={id} href={`#task-${id}`}>
    #{id.slice(0, 8)}
  </a>
);

/** Where a task came from (`retryOf`) and what was made from it (`retries`). */
function Lineage({ task }: { task: TaskFieldsFragment }) {
  if (!task.retryOf && task.retries.length === 0) return null;
  return (
    <p className="task-meta" data-testid="task-lineage">
      {task.retryOf && <span>Retry of {taskLink(task.retryOf)}</span>}
      {task.retries.length > 0 && <span>Run again as {task.retries.flatMap((id, i) => (i === 0 ? [taskLink(id)] : [', ', taskLink(id)]))}</span>}
    </p>
  );
}

/** What came of the task so far: why the last attempt failed, its error once final, its result. */
function Outcome({ task }: { task: TaskFieldsFragment }) {
  const final = isFinal(task.status);
  // While it waits for (or runs) a retry: why the attempt before failed.
  const previousError = !final && task.attempt > 1 ? (task.attempts.find((a) => a.number === task.attempt - 1)?.error ?? task.error) : null;
  return (
    <>
      {previousError && (
        <p className="task-note" data-testid="previous-error">
          Attempt {task.attempt - 1} failed: {previousError}
        </p>
      )}
      {final && task.error && (
        <p className={task.status === 'CANCELLED' ? 'task-note' : 'task-error'} data-testid="task-error">
          {task.error}
        </p>
      )}
      {task.status === 'FINISHED' && task.result && <Result result={task.result} />}
    </>
  );
}

/**
 * What went wrong on this page with the task: it is gone (said once, whoever learnt it), its
 * live subscription was refused (with a way to follow it again), or a cancel or retry failed.
 */
function Problems({ notFound, following, followAgain, others }: { notFound: unknown; following: unknown; followAgain: () => void; others: unknown[] }) {
  if (notFound) {
    return (
      <p className="task-error" role="alert">
        {describeError(notFound)}
      </p>
    );
  }
  return (
    <>
      {following ? (
        <p className="task-error" role="alert">
          {describeError(following)}{' '}
          <button type="button" className="link" onClick={followAgain}>
            Follow it again
          </button>
        </p>
      ) : null}
      {others.map((error, i) =>
        error ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: fixed slots (cancel, retry)
          <p key={i} className="task-error" role="alert">
            {describeError(error)}
          </p>
        ) : null,
      )}
    </>
  );
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
  const [retry, retryState] = useRetryTask(task.id);
  // The record is gone (expired, or never this user's): nothing more can happen to it here.
  const notFound = [live.error, cancelState.error, retryState.error].find((e) => errorCode(e) === 'NOT_FOUND');
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
      id={`task-${task.id}`}
      tabIndex={-1}
      className="task"
      data-testid="task"
      data-task-id={task.id}
      data-status={task.status}
      aria-labelledby={`task-${task.id}-name ${statusId}`}
    >
      <div className="task-head">
        <span className="task-name">
          <span className="task-id" id={`task-${task.id}-name`} title={task.id}>
            Task #{shortId}
          </span>{' '}
          <span className="task-kind" data-testid="task-kind">
            {task.kind}
          </span>
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
        {task.maxAttempts > 1 && (
          <span data-testid="task-attempt">
            Attempt {task.attempt} of {task.maxAttempts}
          </span>
        )}
        {task.status === 'WAITING' && task.nextAttemptAt && <NextAttempt at={task.nextAttemptAt} />}
        {task.priority !== 'NORMAL' && <span data-testid="task-priority">{task.priority === 'HIGH' ? 'High' : 'Low'} priority</span>}
        {task.status === 'WAITING' && task.scheduledFor && !task.nextAttemptAt && (
          <span data-testid="task-scheduled">
            Starts at <TimeOfDay iso={task.scheduledFor} />
          </span>
        )}
        {task.status === 'WAITING' && task.queuePosition != null && <span data-testid="task-queue-position">#{task.queuePosition} in your queue</span>}
      </div>
      <Lineage task={task} />
      <Outcome task={task} />
      <Problems
        notFound={notFound}
        following={final ? undefined : live.error}
        followAgain={() => live.restart()}
        others={[cancelState.error, retryState.error]}
      />
      <TaskTimeline taskId={task.id} shortId={shortId}>
        {!notFound && (
          <>
            {!final && (
              <button
                type="button"
                className="secondary cancel"
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
            {final && (
              <button
                type="button"
                className="secondary"
                onClick={() => !retryState.loading && void retry().catch(() => undefined)}
                aria-disabled={retryState.loading}
                aria-label={`${task.status === 'FINISHED' ? 'Run again' : 'Retry'}: task ${shortId}`}
              >
                {retryState.loading ? 'Starting…' : task.status === 'FINISHED' ? 'Run again' : 'Retry'}
              </button>
            )}
            <ShareButton taskId={task.id} shortId={shortId} />
          </>
        )}
      </TaskTimeline>
    </li>
  );
}
