/**
 * The frontend's one process and port: the Next.js page, and GraphQL Yoga at /api/graphql over
 * HTTP and WebSocket. Route handlers cannot upgrade to WebSocket, so this custom server owns
 * the HTTP server and routes upgrades itself.
 */
import { announce } from '@longrun/server-common';
import { createServer } from 'node:http';
import { loadConfig } from './src/server/config.js';
import { addressLimits } from './src/server/gateway/address-limits.js';
import { buildGateway } from './src/server/gateway/yoga.js';
import { createGatewayWs } from './src/server/gateway/ws.js';
import { prepareNext } from './src/server/next-app.js';
import { createFrontendOps } from './src/server/ops/ops.js';
import { requestHandler, upgradeHandler } from './src/server/routes.js';
import { pageDataReader } from './src/server/serve-page-data.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // Logs, metrics and probes (src/server/ops): first, so everything after logs through it.
  const ops = createFrontendOps(config);
  const server = createServer();
  const next = await prepareNext(config, server, import.meta.dirname);
  ops.nextPrepared();

  const gateway = buildGateway(config);
  // One budget per client address for HTTP requests and WebSocket operations alike.
  const limits = addressLimits(config);
  const ws = createGatewayWs(gateway, config, limits, { slowConsumer: () => ops.metrics.slowConsumers.inc() });
  ops.watchGateway(gateway.upstream.wsClient, {
    sockets: () => ws.stats().sockets,
    subscriptions: () => ws.stats().subscriptions,
    bufferedBytes: () => ws.stats().bufferedBytes,
  });
  server.on('request', requestHandler(config, ops, gateway, limits, pageDataReader(gateway), next.handle));
  server.on('upgrade', upgradeHandler(ws, next.upgrade));

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
    await next.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
