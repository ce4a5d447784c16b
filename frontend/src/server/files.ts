import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GATEWAY_FILES_PATH } from '@longrun/server-common';
import type { FrontendConfig } from './config.js';
import { upstreamHeaders, type GatewayContext } from './gateway/upstream.js';
import { sendError } from './http-error.js';
import { log } from './ops/logger.js';

/** What a download needs from the backend's answer; nothing else of it is passed on. */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-disposition', 'cache-control', 'x-content-type-options'];

/** Whether a path is a file's: `/api/files/<taskId>`. */
export const isFilePath = (path: string) => path.startsWith(`${GATEWAY_FILES_PATH}/`);

/**
 * `GET /api/files/<taskId>`: a task's file (an export's), for the session's user only. The
 * backend decides whose it is (FilesController): the request carries the same credential and
 * user as a GraphQL operation (`upstreamHeaders`), and anything but the owner's own file is the
 * same 404. The body is streamed through as it comes. 405 for other methods; 503 when the
 * backend cannot be reached or does not answer in time (UPSTREAM_TIMEOUT_MS, until its headers).
 */
export function fileHandler(config: Pick<FrontendConfig, 'internalToken' | 'backendFilesUrl' | 'upstreamTimeoutMs'>) {
  return async (req: IncomingMessage, res: ServerResponse, context: GatewayContext): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, 'BAD_REQUEST', 'Files are read with GET or HEAD', { allow: 'GET, HEAD' });
    }
    const id = (req.url ?? '').split('?')[0].slice(GATEWAY_FILES_PATH.length + 1);
    // Aborted when the browser goes away, or when the backend is too slow to start answering.
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const timer = setTimeout(() => abort.abort(), config.upstreamTimeoutMs);
    let upstream: Response;
    try {
      upstream = await fetch(new URL(encodeURIComponent(id), config.backendFilesUrl), {
        method: req.method,
        headers: upstreamHeaders(config, context),
        signal: abort.signal,
      });
    } catch (error) {
      if (!res.destroyed) unavailable(res, error);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (upstream.status === 404) {
      await upstream.body?.cancel();
      return sendError(res, 404, 'NOT_FOUND', 'File not found');
    }
    if (upstream.status !== 200) {
      await upstream.body?.cancel();
      return unavailable(res, new Error(`backend answered ${upstream.status}`));
    }
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    res.writeHead(200, headers);
    if (!upstream.body) return void res.end();
    // Mid-body there is no status left to change: pipeline destroys the response, so the
    // browser sees the download fail (or it was the browser that left).
    await pipeline(Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream<Uint8Array>), res).catch((error: Error) =>
      log().info({ context: 'files', err: error.message }, `file ${id}: the download ended early`),
    );
  };
}

function unavailable(res: ServerResponse, error: unknown): void {
  log().warn({ context: 'files', err: error instanceof Error ? error.message : String(error) }, 'a file could not be read from the backend');
  sendError(res, 503, 'SERVICE_UNAVAILABLE', 'Files are unavailable right now; try again shortly', { 'retry-after': '5' });
}
