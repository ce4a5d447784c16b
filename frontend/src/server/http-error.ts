import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../graphql/generated/schema-enums.js';

/**
 * An answer the custom server gives by itself (a refused request, a file it cannot serve), in
 * the shape of a GraphQL error response and with a documented code, as /api/graphql answers.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] }));
}
