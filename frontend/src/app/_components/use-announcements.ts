import { useEffect, useRef, useState } from 'react';
import type { ConnectionState } from '../../graphql/connection';
import type { TaskFieldsFragment, TaskStatus } from '../../graphql/generated/graphql';
import { CONNECTION_LABEL } from './connection-indicator';
import { STATUS_LABEL } from './task-status';

/**
 * Short sentences for screen readers about what changed since the last render: a task's new
 * status, or the live connection going away and coming back (progress ticks are not announced).
 */
export function useAnnouncements(list: readonly TaskFieldsFragment[], connection: ConnectionState): string {
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
