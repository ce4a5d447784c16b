import { Logger } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { Config } from '../config/config.js';

/** What the keep-alive needs of a connection: an ioredis `Redis`, or BullMQ's wrapper of one. */
interface Pingable {
  readonly status: string;
  readonly stream?: { destroy(error?: Error): void };
  ping(): Promise<unknown>;
  once(event: 'end', listener: () => void): unknown;
}

const logger = new Logger('RedisKeepAlive');

/**
 * Application-level keep-alive for one long-lived, NON-blocking Redis connection. ioredis's
 * `keepAlive` is TCP keep-alive, which a partitioned link (packets dropped, no FIN) defeats for
 * many minutes, and nothing else notices: commands wait on the dead socket, a subscriber hears
 * nothing. So every `intervalMs` a ready connection sends PING (valid in subscribe mode too);
 * one unanswered within `timeoutMs` has its socket destroyed, which rejects or re-queues what was
 * in flight (per the client's own retry settings) and reconnects; a subscriber resubscribes and
 * its 'ready' makes the live streams re-read what they missed (TaskStatusStreams). A dead link is
 * noticed within intervalMs + timeoutMs.
 *
 * Never on a blocking connection (BZPOPMIN, XREAD BLOCK): its PING would wait behind the blocked
 * command. BullMQ guards those itself (each blocking call is raced against its timeout + 1 s and
 * the connection is reset when it overruns). A Cluster client is left to ioredis (its nodes'
 * connections come and go with the slot map); the keep-alive is for single and Sentinel mode.
 */
export function keepAlive(client: Pingable | Cluster, name: string, { intervalMs, timeoutMs }: Config['redisPing']): void {
  if (client instanceof Cluster) return;
  let pending: NodeJS.Timeout | undefined;
  const timer = setInterval(() => {
    if (pending || client.status !== 'ready') return;
    const deadline = setTimeout(() => {
      pending = undefined;
      if (client.status !== 'ready') return;
      logger.warn(`Redis connection ${name}: no answer to PING within ${timeoutMs} ms; dropping it (it reconnects)`);
      client.stream?.destroy(new Error(`no answer to PING within ${timeoutMs} ms`));
    }, timeoutMs);
    pending = deadline;
    const answered = () => {
      clearTimeout(deadline);
      if (pending === deadline) pending = undefined;
    };
    client.ping().then(answered, answered);
  }, intervalMs);
  timer.unref();
  client.once('end', () => clearInterval(timer));
}

/**
 * `keepAlive` for a BullMQ Queue's or Worker's own (non-blocking) connection, as
 * `getBackend().client` gives it: BullMQ's wrapper of the ioredis client, which passes every
 * property and method it does not override through to the client.
 */
export function keepBullAlive(client: Promise<unknown>, name: string, ping: Config['redisPing']): void {
  client.then((c) => keepAlive(c as Pingable, name, ping)).catch(() => undefined);
}
