import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { format } from 'node:util';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Config } from '../config/config.js';

/**
 * The process's one pino logger: JSON lines on stdout (one object per line, written
 * asynchronously and flushed synchronously on exit: a blocking write per line cost the worker
 * a sixth of its CPU per task), or pino-pretty for a human at a terminal. Every other logger in
 * the backend (Nest's, the ops middleware's, the task observer's) writes through it.
 */
let root: Logger | undefined;

export function rootLogger(config: Pick<Config, 'env' | 'role' | 'ops'>): Logger {
  if (root) return root;
  const format = config.ops.logFormat ?? (config.env === 'development' && process.stdout.isTTY ? 'pretty' : 'json');
  const options = {
    level: config.ops.logLevel,
    base: { service: 'backend', role: config.role, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: nothing should ever log these, but if something does, they are masked.
    redact: { paths: ['authorization', 'token', 'password', 'cookie', '*.authorization', '*.token', '*.password', '*.cookie'], censor: '[redacted]' },
  };
  root =
    format === 'pretty'
      ? pino(options, loadPretty()({ sync: true, colorize: Boolean(process.stdout.isTTY), ignore: 'service,role,pid' }))
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

/**
 * A short pseudonymous tag for a user (the session id): the same user gets the same tag on
 * both tiers, so their lines can be followed, but the id itself never reaches a log.
 */
export function userTag(user: string | undefined | null): string | undefined {
  if (!user) return undefined;
  return createHash('sha256').update(user).digest('base64url').slice(0, 12);
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Nest's LoggerService over pino: Nest's context becomes the `context` field. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    // Nest appends the context (a string) last; error() may pass a stack before it.
    const rest = [...params];
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    const stack = rest.find((p): p is string => typeof p === 'string' && /\n\s+at /.test(p));
    if (stack) fields.stack = stack;
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (message !== null && typeof message === 'object') this.logger[level]({ ...fields, ...(message as object) });
    else this.logger[level](fields, String(message));
  }
}
