import { createLogger } from '@longrun/server-common';
import type { Logger } from 'pino';
import type { FrontendConfig } from '../config.js';

/**
 * The frontend server's one pino logger (see `createLogger`). `initLogger` configures it once
 * at start; `log()` is what every server module writes through.
 */
let root: Logger | undefined;

export function initLogger(config: Pick<FrontendConfig, 'dev' | 'ops'>): Logger {
  root = createLogger({ service: 'frontend', level: config.ops.logLevel, format: config.ops.logFormat, development: config.dev });
  return root;
}

/** The process logger (JSON at info until `initLogger` ran, e.g. in unit tests). */
export function log(): Logger {
  root ??= createLogger({ service: 'frontend', level: 'info', format: 'json' });
  return root;
}
