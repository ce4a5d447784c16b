'use client';
import type { ErrorLike } from '@apollo/client';
import { useSubscription } from '@apollo/client/react';
import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useConnectionState } from '../../graphql/connection';
import { TaskEventsSubscription } from '../../graphql/documents';
import type { TaskEventsSubscription as TaskEventsData } from '../../graphql/generated/graphql';
import { describeError } from './task-status';
import { TimeOfDay } from './time-of-day';
import { appendEvent, describeEvent, lastSeq } from './timeline-events';

type TaskEvent = TaskEventsData['taskEvents'];

/**
 * A task's timeline behind a disclosure button, which sits in the card's row of actions
 * (`children`). The `taskEvents` subscription runs only while it is open (and until ENDED). It
 * starts after the last event already shown (`after`), so opening it again, or a dropped
 * connection, resumes where it was: nothing missed, and an event replayed anyway is dropped by
 * its seq (appendEvent).
 */
export function TaskTimeline({ taskId, shortId, children }: { taskId: string; shortId: string; children?: ReactNode }) {
  const [open, setOpen] = useState(false);
  // Every event shown, in seq order; a ref too, so the handlers below read the latest.
  const seen = useRef<readonly TaskEvent[]>([]);
  const [events, setEvents] = useState<readonly TaskEvent[]>([]);
  const [error, setError] = useState<ErrorLike | null>(null);
  // Where the subscription starts. Changing it (re)subscribes, so it moves only when the
  // timeline opens or the connection drops, not with every event.
  const [after, setAfter] = useState(0);
  const ended = events.at(-1)?.type === 'ENDED';

  const connection = useConnectionState();
  useEffect(() => {
    if (connection === 'reconnecting' || connection === 'offline') setAfter(lastSeq(seen.current));
  }, [connection]);

  const live = useSubscription(TaskEventsSubscription, {
    variables: { id: taskId, after },
    skip: !open || ended,
    fetchPolicy: 'no-cache',
    ignoreResults: true,
    onData: ({ data }) => {
      const event = data.data?.taskEvents;
      if (!event) return;
      const next = appendEvent(seen.current, event);
      if (next === seen.current) return;
      seen.current = next;
      setEvents(next);
      setError(null);
    },
    onError: setError,
  });

  // Like a log, it keeps its newest line in view, unless the reader scrolled up to read.
  const panel = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: events is the trigger: each new line scrolls into view.
  useLayoutEffect(() => {
    if (open && pinned.current && panel.current) panel.current.scrollTop = panel.current.scrollHeight;
  }, [open, events]);
  const onScroll = () => {
    const el = panel.current;
    if (el) pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
  };

  const panelId = `task-${taskId}-timeline`;
  const toggle = () => {
    if (!open) {
      setAfter(lastSeq(seen.current));
      setError(null);
    }
    setOpen(!open);
  };

  return (
    <>
      <div className="task-actions">
        {children}
        <button type="button" className="link timeline-toggle" aria-expanded={open} aria-controls={panelId} onClick={toggle}>
          {open ? 'Hide timeline' : 'Show timeline'}
          <span className="visually-hidden"> of task {shortId}</span>
        </button>
      </div>
      {open && (
        <div
          id={panelId}
          ref={panel}
          onScroll={onScroll}
          className="timeline-panel"
          role="log"
          aria-label={`Timeline of task ${shortId}`}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls, so keyboard users must be able to focus it to scroll it (axe: scrollable-region-focusable).
          tabIndex={0}
          data-testid="timeline"
        >
          {events.length === 0 && !error && <p className="task-note">Loading the timeline…</p>}
          <ol className="events">
            {events.map((event) => (
              <TimelineLine key={event.seq} event={event} />
            ))}
          </ol>
          {error && (
            <p className="task-error" role="alert">
              The timeline stopped: {describeError(error)}{' '}
              <button
                type="button"
                className="link"
                onClick={() => {
                  setError(null);
                  live.restart();
                }}
              >
                Follow it again
              </button>
            </p>
          )}
        </div>
      )}
    </>
  );
}

function TimelineLine({ event }: { event: TaskEvent }) {
  return (
    <li className={`event event-${event.type.toLowerCase()}`} data-testid="timeline-event" data-seq={event.seq} data-type={event.type}>
      <TimeOfDay iso={event.at} />
      {event.level && <span className={`level level-${event.level.toLowerCase()}`}>{event.level}</span>}
      <span className="event-text">{describeEvent(event)}</span>
    </li>
  );
}
