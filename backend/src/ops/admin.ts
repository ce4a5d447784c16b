import type { IncomingMessage, ServerResponse } from 'node:http';
import { secretMatches } from '@longrun/server-common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export const ADMIN_PATH = '/admin/queues';
export const ADMIN_USER = 'admin';

/** The password of an `Authorization: Basic` header for user `admin`, if that is what it holds. */
function basicPassword(header: string | undefined): string | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== ADMIN_USER) return undefined;
  return decoded.slice(colon + 1);
}

/** 401 with a Basic challenge (browsers then ask for the password). */
function challenge(res: ServerResponse): void {
  res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="longrun admin", charset="UTF-8"' });
  res.end(JSON.stringify({ error: 'admin credentials required' }));
}

/** Basic auth (user `admin`, ADMIN_PASSWORD); without a configured password nobody gets in. */
export function adminAuth(password: string | undefined) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (password !== undefined && secretMatches(basicPassword(req.headers.authorization), password)) next();
    else challenge(res);
  };
}

/**
 * Bull Board for the tasks queue, read-only: retrying, removing or promoting a job from the
 * dashboard would change a task behind the state machine's back, so only the TaskStore (via the
 * API and workers) ever does. It is mounted on the backend's private port only; the frontend
 * never proxies it.
 */
export function bullBoardRouter(queue: Queue, password: string | undefined): RequestHandler[] {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false })],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'longrun queues' } },
  });
  const auth = adminAuth(password);
  return [(req: Request, res: Response, next: NextFunction) => auth(req, res, next), serverAdapter.getRouter() as RequestHandler];
}
