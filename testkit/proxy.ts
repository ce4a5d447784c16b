import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to put between two real processes (e.g. BACKEND_URL pointing at it), so
 * a test can count the connections one side really opens to the other, tell WebSocket upgrades
 * from plain HTTP requests, and cut every connection at once to simulate a network failure.
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
  stop(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
  upgrade: boolean;
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

  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = connect({ host, port: target.port });
    const link: Link = { client, upstream, upgrade: false };
    links.add(link);
    let head = '';
    let sniffing = true;
    const sniff = (chunk: Buffer) => {
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
    };
    client.on('data', sniff);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
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
      for (const link of [...links]) {
        link.client.destroy();
        link.upstream.destroy();
      }
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const link of [...links]) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await closed;
    },
  };
}
