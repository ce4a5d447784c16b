import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The anonymous session: a random id in a cookie signed with HMAC-SHA256. A missing, tampered
 * or invented cookie yields a brand-new session, never someone else's. The id is what the
 * gateway asserts to the backend as the user; nothing a browser sends can name a user.
 */
export const SESSION_COOKIE = 'longrun_session';
const ONE_YEAR_S = 365 * 24 * 3600;

export interface SessionOptions {
  secret: string;
  secure: boolean;
}

function sign(id: string, secret: string): string {
  return createHmac('sha256', secret).update(id).digest('base64url');
}

export function encodeSession(id: string, secret: string): string {
  return `${id}.${sign(id, secret)}`;
}

/** The session id in a signed cookie value, or null when it does not verify. */
export function verifySession(value: string | undefined, secret: string): string | null {
  if (!value) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const id = value.slice(0, dot);
  if (!/^[A-Za-z0-9_-]{32}$/.test(id)) return null;
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(sign(id, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionOf(req: IncomingMessage, secret: string): string | null {
  return verifySession(readCookie(req.headers.cookie, SESSION_COOKIE), secret);
}

export function newSessionId(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Makes sure the request carries a valid session: when it does not, a new one is created, set
 * on the response, and written into the request's cookie header so everything downstream (the
 * gateway, the page) sees the same session on this very request.
 */
export function ensureSession(req: IncomingMessage, res: ServerResponse, opts: SessionOptions): string {
  const existing = sessionOf(req, opts.secret);
  if (existing) return existing;
  const id = newSessionId();
  const value = encodeSession(id, opts.secret);
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${ONE_YEAR_S}`, ...(opts.secure ? ['Secure'] : [])];
  res.appendHeader('Set-Cookie', `${SESSION_COOKIE}=${value}; ${attributes.join('; ')}`);
  const others = (req.headers.cookie ?? '')
    .split(';')
    .filter((p) => p.trim() && !p.trim().startsWith(`${SESSION_COOKIE}=`));
  req.headers.cookie = [...others.map((p) => p.trim()), `${SESSION_COOKIE}=${value}`].join('; ');
  return id;
}
