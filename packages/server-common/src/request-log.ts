import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { REQUEST_ID_HEADER } from './names.js';
import { userTag } from './user-tag.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The value if it is a well-formed request id (safe to log and to pass on), else undefined. */
export function requestIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}

export interface RequestLogOptions {
  log: Logger;
  /** Paths requested constantly (probes, scrapes, static files): logged at debug only. */
  quiet(path: string): boolean;
  /** The raw user id, read when the response finishes; only its `userTag` is logged. */
  user(): string | undefined;
  /** Called when the response finishes (the tier's request histogram). */
  finished?(path: string, seconds: number): void;
}

/**
 * One log line per HTTP request, written when the response finishes: request id, method, path,
 * status, duration and the user as a pseudonymous tag. No headers are logged. The request id is
 * the caller's `x-request-id` if well-formed (so one request can be followed across tiers),
 * else a new one; it is set on the response, and on the request's headers for whoever passes
 * it on. Returns the id.
 */
export function logRequest(req: IncomingMessage, res: ServerResponse, options: RequestLogOptions): string {
  const began = process.hrtime.bigint();
  const reqId = requestIdOf(req.headers[REQUEST_ID_HEADER]) ?? randomUUID();
  req.headers[REQUEST_ID_HEADER] = reqId;
  res.setHeader(REQUEST_ID_HEADER, reqId);
  const path = (req.url ?? '/').split('?')[0];
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    options.finished?.(path, seconds);
    const fields = {
      reqId,
      method: req.method,
      path,
      status: res.statusCode,
      durationMs: Math.round(seconds * 10_000) / 10,
      user: userTag(options.user()),
    };
    if (options.quiet(path)) options.log.debug(fields, 'request');
    else options.log.info(fields, 'request');
  });
  return reqId;
}
