/**
 * A task's timeline as the page keeps it (no imports: unit-tested in Node,
 * frontend/test/page-logic.test.ts).
 */

/** One timeline event, with the fields the page selects (TaskEvent). */
export interface TimelineEvent {
  seq: number;
  at: string;
  type: string;
  status?: string | null;
  progress?: number | null;
  attempt?: number | null;
  message?: string | null;
  level?: string | null;
}

/**
 * The events seen so far, with one more that arrived. `seq` counts from 1 without gaps or
 * repeats, and a subscription resumes after the last one seen: anything at or below it is a
 * replay (graphql-ws resubscribes with its first variables after a reconnect) and is dropped,
 * so each event is shown exactly once.
 */
export function appendEvent<E extends TimelineEvent>(seen: readonly E[], event: E): readonly E[] {
  return event.seq > lastSeq(seen) ? [...seen, event] : seen;
}

/** What to resume after: the last event's seq, 0 for none. */
export function lastSeq(seen: readonly TimelineEvent[]): number {
  return seen.at(-1)?.seq ?? 0;
}

/** An event in words (a LOG line is its message; its level is shown beside it). */
export function describeEvent(event: TimelineEvent): string {
  const attempt = `Attempt ${event.attempt ?? '?'}`;
  switch (event.type) {
    case 'CREATED':
      return 'Queued';
    case 'ATTEMPT_STARTED':
      return `${attempt} started`;
    case 'PROGRESS':
      return `${event.progress ?? 0}% done`;
    case 'LOG':
      return event.message ?? '';
    case 'ATTEMPT_FAILED':
      return `${attempt} failed${event.message ? `: ${event.message}` : ''}`;
    case 'RETRY_SCHEDULED':
      return `Retry scheduled${event.message ? `: ${event.message}` : ''}`;
    case 'CANCEL_REQUESTED':
      return 'Cancel requested';
    case 'ENDED':
      return `Ended ${event.status ?? ''}${event.message ? `: ${event.message}` : ''}`;
    default:
      return event.type;
  }
}
