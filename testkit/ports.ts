import { createServer } from 'node:net';

/** Ports a test must never take: the developer's own Redis and the app's default ports. */
const RESERVED = new Set([6379, 3000, 4000]);

/**
 * A TCP port that is free on loopback right now (the OS picks it). Another process may still
 * take it before the caller binds it, so callers that bind should retry on EADDRINUSE.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen({ port: 0, host, exclusive: true }, () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(port));
      });
    });
    if (port > 0 && !RESERVED.has(port)) return port;
  }
  throw new Error('freePort: could not find a free port');
}
