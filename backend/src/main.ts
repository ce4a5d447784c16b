import { announce, captureConsole, ConfigError } from '@longrun/server-common';
import type { Logger } from 'pino';
import { type Config, loadConfig } from './config/config.js';
import { rootLogger } from './ops/logger.js';

/** Entry point: API, worker or both, as BACKEND_ROLE says (default both). */
export async function main(overrides: Record<string, string> = {}): Promise<void> {
  let config: Config;
  try {
    config = loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = rootLogger(config);
  captureConsole(log);
  if (config.internalTokenGenerated && config.role !== 'worker') {
    log.warn('INTERNAL_API_TOKEN is unset: generated a random one; no frontend can call this backend.');
  }
  // Loaded only once the configuration is valid: Nest, BullMQ and the rest take seconds to
  // load on a busy machine, and a refused configuration should be reported at once.
  const { startBackend } = await import('./bootstrap.js');
  const backend = await startBackend(config);
  stopOnSignals(backend.stop, config.worker.shutdownGraceMs, log);
  // Tests and `npm start` wait for these words; the URL is followed by a space so a pattern
  // like `listening on (\S+)` stops at it even inside a JSON line.
  announce(
    log,
    backend.url
      ? `longrun backend (${config.role}) listening on ${backend.url} (pid ${process.pid})`
      : `longrun worker consuming queue (concurrency ${config.worker.concurrency})`,
  );
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: stop taking work (workers stop fetching jobs, the HTTP
 * server stops accepting), let active tasks finish, close sockets (clients reconnect: the
 * close codes are retryable), then exit 0. A task that cannot finish within the bound is left
 * to stall detection (it ends ERROR "worker lost"), and the process exits anyway.
 */
function stopOnSignals(stop: () => Promise<void>, boundMs: number, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down (at most ${Math.round(boundMs / 1000)} s)`);
    const force = setTimeout(() => {
      log.error('shutdown bound exceeded; exiting');
      process.exit(1);
    }, boundMs);
    force.unref();
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error({ err: error }, `shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
