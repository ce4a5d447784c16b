import { createRequire } from 'node:module';
import { format as formatText } from 'node:util';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'pretty' | 'json';

/**
 * Fields masked wherever they appear at the top level or one object down. Defence in depth:
 * nothing should ever log these, but if something does, both tiers mask the same ones.
 */
export const REDACTED_FIELDS = ['authorization', 'cookie', 'password', 'token'] as const;
export const REDACTED = '[redacted]';

export interface LoggerOptions {
  /** The `service` field of every line: `backend`, `frontend`. */
  service: string;
  /** More fields on every line (the backend's `role`). */
  base?: Record<string, unknown>;
  level: LogLevel;
  /** Undefined: pretty when `development` and stdout is a terminal, else JSON. */
  format?: LogFormat;
  development?: boolean;
}

/**
 * A process's pino logger: JSON lines on stdout, one object per line, written asynchronously
 * and flushed synchronously on exit (a blocking write per line cost the backend's worker a
 * sixth of its CPU per task); or pino-pretty for a human at a terminal.
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? (options.development && process.stdout.isTTY ? 'pretty' : 'json');
  const base = { service: options.service, ...options.base, pid: process.pid };
  const settings = {
    level: options.level,
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: REDACTED },
  };
  if (format === 'pretty') {
    // The fields every line carries say nothing to a person reading a terminal.
    const ignore = Object.keys(base).join(',');
    return pino(settings, loadPretty()({ sync: true, colorize: Boolean(process.stdout.isTTY), ignore }));
  }
  return pino(settings, pino.destination({ fd: 1, sync: false }));
}

/** pino-pretty is for people at a terminal: loaded only when asked for. */
function loadPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

/**
 * Libraries that print with console.* (Next's start-up notes, a dependency's warning) go
 * through the logger too, so stdout stays one JSON object per line.
 */
export function captureConsole(logger: Logger): void {
  const child = logger.child({ context: 'console' });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC (\u001b) starts the colour codes this strips.
  const text = (args: unknown[]) => formatText(...args).replace(/\u001b\[[0-9;]*m/g, '');
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
