import { createLogger } from '@longrun/server-common';
import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';

/**
 * The process's one pino logger (see `createLogger`). Every other logger in the backend (Nest's,
 * the ops middleware's, the task observer's) writes through it.
 */
let root: Logger | undefined;

export function rootLogger(config: Pick<Config, 'env' | 'role' | 'ops'>): Logger {
  root ??= createLogger({
    service: 'backend',
    base: { role: config.role },
    level: config.ops.logLevel,
    format: config.ops.logFormat,
    development: config.env === 'development',
  });
  return root;
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
