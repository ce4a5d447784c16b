import { useEffect, useRef, useState } from 'react';
import type { ConnectionState } from '../../graphql/connection';
import type { TaskFieldsFragment, TaskStatus } from '../../graphql/generated/graphql';
import { CONNECTION_LABEL } from './connection-indicator';
import { STATUS_LABEL } from './task-status';

/** Past this many changes at once (a bulk action), one sentence says how many. */
const MAX_SPELLED_OUT = 3;

/**
 * Short sentences for screen readers about what changed since the last render: a task's new
 * status, a new task, or the live connection going away and coming back. Not announced: progress
 * ticks, older tasks a "Load more" brings, and a new filter's list (`listKey`: what it shows).
 */
export function useAnnouncements(list: readonly TaskFieldsFragment[], connection: ConnectionState, listKey = ''): string {
  const [message, setMessage] = useState('');
  const seen = useRef<{ key: string; statuses: Map<string, TaskStatus>; newest: string } | null>(null);
  const lastConnection = useRef(connection);

  useEffect(() => {
    const before = seen.current;
    // The newest creation time seen (ISO 8601 in UTC: the string order is the time order).
    let newest = before?.key === listKey ? before.newest : '';
    for (const t of list) if (t.createdAt > newest) newest = t.createdAt;
    seen.current = { key: listKey, statuses: new Map(list.map((t) => [t.id, t.status])), newest };
    if (!before || before.key !== listKey) return; // the first list is what the page shows, not a change
    const changed = list.filter((t) => (before.statuses.has(t.id) ? before.statuses.get(t.id) !== t.status : t.createdAt > before.newest));
    if (changed.length > MAX_SPELLED_OUT) setMessage(`${changed.length} tasks changed.`);
    else if (changed.length > 0) {
      setMessage(changed.map((t) => `Task ${t.id.slice(0, 8)} ${before.statuses.has(t.id) ? 'is now' : 'started,'} ${STATUS_LABEL[t.status]}.`).join(' '));
    }
  }, [list, listKey]);

  useEffect(() => {
    const was = lastConnection.current;
    lastConnection.current = connection;
    if (connection === was) return;
    if (connection === 'reconnecting' || connection === 'offline') setMessage(`Connection lost: ${CONNECTION_LABEL[connection]}`);
    else if (was === 'reconnecting' || was === 'offline') setMessage('Connection is back.');
  }, [connection]);

  return message;
}
