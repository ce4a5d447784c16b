import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to put between two real processes (e.g. BACKEND_URL or REDIS_URL pointing
 * at it), so a test can count the connections one side really opens to the other, tell WebSocket
 * upgrades from plain HTTP requests, cut every connection at once (a crash: both sides see the
 * close), partition the link (a network failure: nothing is delivered and nothing is closed), or
 * slow it down.
 */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** `http://127.0.0.1:<port><path>` */
  url(path?: string): string;
  /** Connections accepted since start (or since `reset()`). */
  accepted(): number;
  /** Accepted connections whose first request was a WebSocket upgrade. */
  upgrades(): number;
  /** Connections open right now. */
  open(): number;
  /** Connections open right now whose first request was a WebSocket upgrade. */
  openUpgrades(): number;
  /** Zeroes `accepted()` and `upgrades()` (open connections stay). */
  reset(): void;
  /** Destroys every open connection (both sides); new ones are still accepted. */
  dropAll(): void;
  /**
   * Partitions the link: from now on no byte is delivered in either direction, and no connection
   * is closed by the proxy. What the two sides write stays unread (in their kernels' buffers, then
   * their own), as with packets dropped on a real network; new connections are accepted but not
   * forwarded. A side notices only through its own timeouts or keep-alive pings, and closes its
   * connection itself (the proxy then closes the other half, as a real peer's FIN would never
   * arrive: see `heal`).
   */
  partition(): void;
  /**
   * Ends a partition: held bytes flow again on connections both sides kept, connections accepted
   * meanwhile are forwarded now. Connections that one side gave up during the partition are
   * destroyed on both sides (a real peer would see its retransmissions answered with RST).
   */
  heal(): void;
  /** True between `partition()` and `heal()`. */
  partitioned(): boolean;
  /** Delays every chunk by `latencyMs` in both directions (0 = none); order is kept. */
  slow(latencyMs: number): void;
  stop(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  upgrade: boolean;
  /** One side closed while partitioned: the other is destroyed at `heal()`. */
  halfDead: boolean;
}

/** How much of a connection's first bytes are searched for the request line and headers. */
const SNIFF_BYTES = 16 * 1024;

function isUpgrade(head: string): boolean {
  const end = head.indexOf('\r\n\r\n');
  const headers = end >= 0 ? head.slice(0, end) : head;
  return /^GET /.test(headers) && /\r\nupgrade:[ \t]*websocket/i.test(headers);
}

/** Starts a proxy on a free loopback port forwarding every connection to `target`. */
export async function startProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1';
  const links = new Set<Link>();
  let accepted = 0;
  let upgrades = 0;
  let isPartitioned = false;
  let latencyMs = 0;

  const destroy = (link: Link) => {
    links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  };

  /**
   * Forwards `from` → `to` with backpressure, holding everything while partitioned. With a
   * latency, chunks wait in one queue per direction, each due at least `latencyMs` after it
   * arrived and never before the one ahead of it: bytes keep their order when the latency
   * changes (`slow(0)` with chunks still delayed), as on a real link. Chunks already delayed
   * when a partition begins are delivered (they were on the wire).
   */
  const forward = (from: Socket, to: Socket) => {
    const queue: { chunk: Buffer; due: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const write = (chunk: Buffer) => {
      if (!to.destroyed && !to.write(chunk)) from.pause();
    };
    const flush = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].due <= Date.now()) write(queue.shift()!.chunk);
      if (queue.length > 0) timer = setTimeout(flush, queue[0].due - Date.now());
      else if (!isPartitioned && !to.writableNeedDrain && !from.destroyed) from.resume();
    };
    from.on('data', (chunk: Buffer) => {
      if (latencyMs === 0 && queue.length === 0) write(chunk);
      else {
        queue.push({ chunk, due: Math.max(Date.now() + latencyMs, queue.at(-1)?.due ?? 0) });
        timer ??= setTimeout(flush, queue[0].due - Date.now());
      }
      if (isPartitioned) from.pause();
    });
    to.on('drain', () => {
      if (!isPartitioned && queue.length === 0) from.resume();
    });
    to.on('close', () => clearTimeout(timer));
    if (isPartitioned) from.pause();
  };

  const onClose = (link: Link) => {
    if (!links.has(link)) return;
    if (isPartitioned) {
      // The peer's FIN would be lost on a partitioned network: keep the other half open.
      link.halfDead = true;
      return;
    }
    destroy(link);
  };

  const wire = (link: Link) => {
    const upstream = connect({ host, port: target.port });
    link.upstream = upstream;
    forward(link.client, upstream);
    forward(upstream, link.client);
    upstream.on('error', () => onClose(link));
    upstream.on('close', () => onClose(link));
    link.client.resume();
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    const link: Link = { client, upstream: undefined, upgrade: false, halfDead: false };
    links.add(link);
    let head = '';
    let sniffing = true;
    client.on('data', (chunk: Buffer) => {
      if (!sniffing) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n') || head.length >= SNIFF_BYTES) {
        sniffing = false;
        if (isUpgrade(head)) {
          link.upgrade = true;
          upgrades += 1;
        }
        head = '';
      }
    });
    client.on('error', () => onClose(link));
    client.on('close', () => onClose(link));
    if (isPartitioned) client.pause();
    else wire(link);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: (path = '') => `http://127.0.0.1:${port}${path}`,
    accepted: () => accepted,
    upgrades: () => upgrades,
    open: () => links.size,
    openUpgrades: () => [...links].filter((l) => l.upgrade).length,
    reset: () => {
      accepted = 0;
      upgrades = 0;
    },
    dropAll: () => {
      for (const link of [...links]) destroy(link);
    },
    partition: () => {
      isPartitioned = true;
      for (const link of links) {
        link.client.pause();
        link.upstream?.pause();
      }
    },
    heal: () => {
      isPartitioned = false;
      for (const link of [...links]) {
        if (link.halfDead || link.client.destroyed || link.upstream?.destroyed) destroy(link);
        else if (link.upstream === undefined) wire(link);
        else {
          link.client.resume();
          link.upstream.resume();
        }
      }
    },
    partitioned: () => isPartitioned,
    slow: (ms: number) => {
      latencyMs = Math.max(0, ms);
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of [...links]) destroy(link);
      await closed;
    },
  };
}
