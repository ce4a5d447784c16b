/**
 * The frontend's one process and port: the Next.js page, and GraphQL Yoga at /api/graphql over
 * HTTP and WebSocket. Route handlers cannot upgrade to WebSocket, so this custom server owns
 * the HTTP server and routes upgrades itself.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { basename, dirname } from 'node:path';
import { announce, GATEWAY_GRAPHQL_PATH } from '@longrun/server-common';
import next from 'next';
import { loadConfig } from './src/server/config.js';
import { buildGateway, type ServerContext } from './src/server/gateway/yoga.js';
import { createGatewayWs } from './src/server/gateway/ws.js';
import { createFrontendOps } from './src/server/ops/ops.js';
import { providePageData, type PageGraphQLResult } from './src/server/page-data.js';
import { ensureSession, readCookie, SESSION_COOKIE, verifySession } from './src/server/session.js';

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The body limit is checked before Yoga reads a byte: a POST must declare its length (every
 * browser and GraphQL client does), and that length must be within the limit.
 */
function bodyRefusal(req: IncomingMessage, max: number): [number, string] | null {
  if (req.method !== 'POST') return null;
  const declared = req.headers['content-length'];
  if (declared === undefined) return [411, 'Content-Length required'];
  return Number(declared) > max ? [413, `Request body over ${max} bytes`] : null;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }));
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Logs, metrics and probes (src/server/ops): first, so everything after logs through it.
  const ops = createFrontendOps(config);
  const here = import.meta.dirname;
  const dir = config.nextDir ?? (basename(here) === 'dist' ? dirname(here) : here);

  // Next attaches its own `upgrade` listener to the server it is given, and that listener ends
  // sockets for App Router paths (killing ours). Give it a stand-in that only records the
  // handler, and call that handler for every path except /api/graphql (HMR needs it in dev).
  let nextUpgrade: UpgradeHandler | undefined;
  const standIn = {
    on(event: string, fn: UpgradeHandler) {
      if (event === 'upgrade') nextUpgrade = fn;
      return standIn;
    },
    once() {
      return standIn;
    },
    off() {
      return standIn;
    },
    removeListener() {
      return standIn;
    },
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
  ops.nextPrepared();

  const gateway = buildGateway(config);
  const ws = createGatewayWs(gateway, config);
  ops.watchGateway(gateway.upstream.wsClient, { sockets: () => ws.stats().sockets, subscriptions: () => ws.stats().subscriptions });
  const sessionOptions = { secret: config.sessionSecret, secure: config.cookieSecure, maxAgeS: config.sessionMaxAgeS };
  // The page's server-rendered task list: the same gateway, in-process, as the cookie's session.
  providePageData(async (cookieHeader, request) => {
    const user = verifySession(readCookie(cookieHeader, SESSION_COOKIE), config.sessionSecret, config.sessionMaxAgeS)?.id;
    if (!user) return null;
    const response = await gateway.yoga.fetch(
      `http://localhost${GATEWAY_GRAPHQL_PATH}`,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(request) },
      // Only `user` is read from the server context (see yoga.ts); there is no socket here.
      { user } as ServerContext,
    );
    return (await response.json()) as PageGraphQLResult;
  });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const track = ops.track(req, res);
    if (ops.handle(req, res)) return;
    if (path.startsWith('/_next/') || path === '/favicon.ico') {
      void handle(req, res);
      return;
    }
    const user = ensureSession(req, res, sessionOptions);
    track.user = user;
    if (path === GATEWAY_GRAPHQL_PATH) {
      const refusal = bodyRefusal(req, config.maxBodyBytes);
      if (refusal) return refuse(res, ...refusal);
      void gateway.yoga.handle(req, res, { req, res, user });
      return;
    }
    void handle(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === GATEWAY_GRAPHQL_PATH) ws.handleUpgrade(req, socket, head);
    else if (nextUpgrade) nextUpgrade(req, socket, head);
    else socket.destroy();
  });

  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  announce(ops.log, `longrun frontend ready on http://${shownHost}:${port} (${config.dev ? 'development' : 'production'})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ops.beginShutdown();
    ops.log.info(`frontend: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    server.close();
    server.closeAllConnections?.();
    await ws.close();
    await gateway.stop();
    await app.close?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
