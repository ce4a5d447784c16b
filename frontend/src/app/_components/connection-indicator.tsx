import type { ConnectionState } from '../../graphql/connection';

export const CONNECTION_LABEL: Record<ConnectionState, string> = {
  idle: 'Connected',
  connecting: 'Connecting…',
  connected: 'Connected · live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const CONNECTION_HINT: Record<ConnectionState, string> = {
  idle: 'The live connection is not open (yet).',
  connecting: 'Opening the live connection.',
  connected: 'Status changes arrive as they happen.',
  reconnecting: 'The live connection dropped. Retrying; the page catches up when it is back.',
  offline: 'Your browser is offline. The page catches up when the network is back.',
};

/** The live connection's state, in words, with a hint on hover. */
export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  return (
    <span className={`connection connection-${state}`} data-testid="connection" title={CONNECTION_HINT[state]}>
      <span className="dot" aria-hidden="true" />
      {CONNECTION_LABEL[state]}
    </span>
  );
}
