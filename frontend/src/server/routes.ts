import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { GATEWAY_GRAPHQL_PATH, REQUEST_ID_HEADER, requestIdOf } from '@longrun/server-common';
import type { FrontendConfig } from './config.js';
import { fileHandler, isFilePath } from './files.js';
import type { Gateway } from './gateway/yoga.js';
import { sendError } from './http-error.js';
import type { UpgradeHandler } from './next-app.js';
import type { FrontendOps } from './ops/ops.js';
import { clientAddress } from './client-address.js';
import type { AddressLimits } from './gateway/address-limits.js';
import { ensureSession } from './session.js';

/**
 * The body limit is checked before Yoga reads a byte: a POST must declare its length (every
 * browser and GraphQL client does), and that length must be within the limit.
 */
function bodyRefusal(req: IncomingMessage, max: number): [number, string] | null {
  if (req.method !== 'POST') return null;
  const declared = req.headers['content-length'];
  if (declared === undefined) return [411, 'Content-Length required'];
  return Number(declared) > max ? [413, `Request body over ${max} bytes`] : null;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  sendError(res, status, 'BAD_REQUEST', message, { connection: 'close' });
}

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0];

/**
 * 429 RATE_LIMITED with when to try again, in the header and in `extensions.retryAfterSeconds`.
 * As `application/graphql-response+json`, the GraphQL-over-HTTP type whose non-2xx answers
 * clients still read as a GraphQL response: Apollo Client then hands the page the coded error
 * (and its countdown), where a plain JSON 429 would be a bare network failure.
 */
function tooMany(res: ServerResponse, retryAfterSeconds: number): void {
  sendError(
    res,
    429,
    'RATE_LIMITED',
    `Too many requests from this address; try again in ${retryAfterSeconds} s`,
    { 'content-type': 'application/graphql-response+json; charset=utf-8', 'retry-after': String(retryAfterSeconds), connection: 'close' },
    { retryAfterSeconds },
  );
}

/**
 * Every HTTP request, in this order: probes and metrics (no session, no cookie), Next's static
 * files, then, within the client address's operation budget (gateway/address-limits.ts) and with
 * a session: /api/graphql to the gateway, /api/files/<id> to the backend's
 * file for this user (files.ts), anything else to the page (with its data read first, see
 * serve-page-data.ts).
 */
export function requestHandler(
  config: FrontendConfig,
  ops: FrontendOps,
  gateway: Gateway,
  limits: AddressLimits,
  pageData: (req: IncomingMessage, user: string) => Promise<void>,
  next: (req: IncomingMessage, res: ServerResponse) => unknown,
): RequestListener {
  const sessionOptions = { secret: config.sessionSecret, secure: config.cookieSecure, maxAgeS: config.sessionMaxAgeS };
  const serveFile = fileHandler(config);
  return async (req, res) => {
    const path = pathOf(req);
    const track = ops.track(req, res);
    if (ops.handle(req, res)) return;
    if (path.startsWith('/_next/') || path === '/favicon.ico') {
      void next(req, res);
      return;
    }
    // Before the session: a client without a cookie gets a new session on every request, but
    // not a new address.
    const client = clientAddress(req, config.address.proxy);
    const retryAfter = await limits.operation(client);
    if (retryAfter !== undefined) return tooMany(res, retryAfter);
    const user = ensureSession(req, res, sessionOptions);
    track.user = user;
    if (path === GATEWAY_GRAPHQL_PATH) {
      const refusal = bodyRefusal(req, config.maxBodyBytes);
      if (refusal) return refuse(res, ...refusal);
      void gateway.yoga.handle(req, res, { req, res, user, client });
      return;
    }
    if (isFilePath(path)) {
      void serveFile(req, res, { user, client, requestId: requestIdOf(req.headers[REQUEST_ID_HEADER]) });
      return;
    }
    void pageData(req, user).then(() => next(req, res));
  };
}

/** WebSocket upgrades: /api/graphql to the gateway's graphql-ws leg, anything else to Next. */
export function upgradeHandler(gatewayWs: { handleUpgrade: UpgradeHandler }, next: UpgradeHandler): UpgradeHandler {
  return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathOf(req) === GATEWAY_GRAPHQL_PATH) void gatewayWs.handleUpgrade(req, socket, head);
    else next(req, socket, head);
  };
}
