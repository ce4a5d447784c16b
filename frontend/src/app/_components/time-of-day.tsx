import { useIsBrowser } from './clock';

/**
 * A time of day: the browser's local time once hydrated; UTC in the server's markup, so the
 * server and the first client render agree whatever the time zones.
 */
export function TimeOfDay({ iso }: { iso: string }) {
  const browser = useIsBrowser();
  return <time dateTime={iso}>{browser ? new Date(iso).toLocaleTimeString() : `${iso.slice(11, 19)} UTC`}</time>;
}
