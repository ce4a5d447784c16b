import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { format } from 'node:util';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { FrontendConfig } from '../config.js';

/**
 * The frontend server's one pino logger: JSON lines on stdout (written asynchronously, flushed
 * synchronously on exit), or pino-pretty for a human at a terminal. `initLogger` configures it
 * once at start; `log()` is what every server module writes through.
 */
let root: Logger | undefined;

export function initLogger(config: Pick<FrontendConfig, 'dev' | 'ops'>): Logger {
  const format = config.ops.logFormat ?? (config.dev && process.stdout.isTTY ? 'pretty' : 'json');
  const options = {
    level: config.ops.logLevel,
    base: { service: 'frontend', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: nothing should ever log these, but if something does, they are masked.
    redact: { paths: ['authorization', 'token', 'cookie', '*.authorization', '*.token', '*.cookie'], censor: '[redacted]' },
  };
  root =
    format === 'pretty'
      ? pino(options, loadPretty()({ sync: true, colorize: Boolean(process.stdout.isTTY), ignore: 'service,pid' }))
      : pino(options, pino.destination({ fd: 1, sync: false }));
  return root;
}

/**
 * Libraries that print with console.* (Next's start-up notes, a dependency's warning) go
 * through the logger too, so stdout stays one JSON object per line.
 */
export function captureConsole(logger: Logger): void {
  const child = logger.child({ context: 'console' });
  const text = (args: unknown[]) => format(...args).replace(/\u001b\[[0-9;]*m/g, '');
  console.log = (...args: unknown[]) => child.info(text(args));
  console.info = (...args: unknown[]) => child.info(text(args));
  console.warn = (...args: unknown[]) => child.warn(text(args));
  console.error = (...args: unknown[]) => child.error(text(args));
  console.debug = (...args: unknown[]) => child.debug(text(args));
}

/**
 * The start-up line ("listening on", "worker consuming", "ready on") is what supervisors,
 * `npm start` and the tests wait for: it is written at info even when LOG_LEVEL is higher.
 */
export function announce(logger: Logger, message: string): void {
  (logger.isLevelEnabled('info') ? logger : logger.child({}, { level: 'info' })).info(message);
}

/** pino-pretty is for people at a terminal: loaded only when asked for. */
function loadPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

/** The process logger (JSON at info until `initLogger` ran, e.g. in unit tests). */
export function log(): Logger {
  root ??= pino({ base: { service: 'frontend', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  return root;
}

/**
 * A short pseudonymous tag for a session id: the same on both tiers (the backend tags the
 * user it is given, which is this id), so a user's lines can be followed without the id.
 */
export function userTag(user: string | undefined | null): string | undefined {
  if (!user) return undefined;
  return createHash('sha256').update(user).digest('base64url').slice(0, 12);
}
