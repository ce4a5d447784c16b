import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, INTERNAL_TOKEN_HEADER, secretMatches } from '@longrun/server-common';

/**
 * The backend's HTTP door to GraphQL: a request without the internal credential
 * (`Authorization: Bearer <INTERNAL_API_TOKEN>`) is answered 401 UNAUTHENTICATED from its
 * headers alone, before any body parser reads a byte of its body, and the connection is closed
 * (`Connection: close`) so Node does not read the rest of the body to keep it alive. Plain
 * node:http types, so it mounts as Express middleware (bootstrap.ts) or as any server's
 * pre-body hook. Mount it BEFORE the body parser.
 */
export function requireInternalCredential(token: string): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    if (secretMatches(bearerToken(req.headers[INTERNAL_TOKEN_HEADER]), token)) return next();
    const body = JSON.stringify({ errors: [{ message: 'Missing or invalid credentials', extensions: { code: 'UNAUTHENTICATED' } }] });
    res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', connection: 'close' });
    res.end(body);
  };
}
