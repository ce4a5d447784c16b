import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { basename, dirname } from 'node:path';
import next from 'next';
import type { FrontendConfig } from './config.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Next.js, prepared, for a server it does not own. Next attaches its own `upgrade` listener to
 * the server it is given, and that listener ends sockets for App Router paths (killing ours on
 * /api/graphql). So it gets a stand-in that only records the handler: `upgrade` calls it for the
 * paths server.ts does not route itself (HMR needs it in development).
 */
export async function prepareNext(config: FrontendConfig, server: Server, serverDir: string) {
  const dir = config.nextDir ?? (basename(serverDir) === 'dist' ? dirname(serverDir) : serverDir);
  let nextUpgrade: UpgradeHandler | undefined;
  const standIn = {
    on(event: string, fn: UpgradeHandler) {
      if (event === 'upgrade') nextUpgrade = fn;
      return standIn;
    },
    once: () => standIn,
    off: () => standIn,
    removeListener: () => standIn,
    address: () => server.address(),
    listening: true,
  };
  const app = (next as unknown as typeof next.default)({
    dev: config.dev,
    dir,
    hostname: config.host,
    port: config.port,
    httpServer: standIn as never,
  });
  const handle = app.getRequestHandler();
  await app.prepare();
  return {
    handle,
    upgrade: ((req, socket, head) => {
      if (nextUpgrade) nextUpgrade(req, socket, head);
      else socket.destroy();
    }) as UpgradeHandler,
    close: async () => {
      await app.close?.();
    },
  };
}
