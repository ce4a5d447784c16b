import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { secretMatches } from '@longrun/server-common';

/**
 * The anonymous session: a random id and its issue time in a cookie signed with HMAC-SHA256
 * (`<id>.<issued, base36 seconds>.<signature>`). A missing, tampered, invented or expired cookie
 * yields a brand-new session, never someone else's. The id is what the gateway asserts to the
 * backend as the user; nothing a browser sends can name a user. Sessions slide: one used after
 * half its lifetime is re-issued with the same id.
 */
export const SESSION_COOKIE = 'longrun_session';

export interface SessionOptions {
  secret: string;
  secure: boolean;
  /** Lifetime in seconds since issue. */
  maxAgeS: number;
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function encodeSession(id: string, secret: string, issuedAtS = Math.floor(Date.now() / 1000)): string {
  const payload = `${id}.${issuedAtS.toString(36)}`;
  return `${payload}.${sign(payload, secret)}`;
}

export interface VerifiedSession {
  id: string;
  issuedAtS: number;
}

/** The session in a signed cookie value, or null when it does not verify or has expired. */
export function verifySession(value: string | undefined, secret: string, maxAgeS: number): VerifiedSession | null {
  const parts = value?.split('.');
  if (parts?.length !== 3) return null;
  const [id, issued, signature] = parts;
  if (!/^[A-Za-z0-9_-]{32}$/.test(id) || !/^[0-9a-z]{1,10}$/.test(issued)) return null;
  if (!secretMatches(signature, sign(`${id}.${issued}`, secret))) return null;
  const issuedAtS = parseInt(issued, 36);
  const age = Date.now() / 1000 - issuedAtS;
  return age >= -60 && age <= maxAgeS ? { id, issuedAtS } : null;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionOf(req: IncomingMessage, opts: Pick<SessionOptions, 'secret' | 'maxAgeS'>): string | null {
  return verifySession(readCookie(req.headers.cookie, SESSION_COOKIE), opts.secret, opts.maxAgeS)?.id ?? null;
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
  const existing = verifySession(readCookie(req.headers.cookie, SESSION_COOKIE), opts.secret, opts.maxAgeS);
  if (existing && Date.now() / 1000 - existing.issuedAtS < opts.maxAgeS / 2) return existing.id;
  const id = existing?.id ?? newSessionId();
  const value = encodeSession(id, opts.secret);
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${opts.maxAgeS}`, ...(opts.secure ? ['Secure'] : [])];
  res.appendHeader('Set-Cookie', `${SESSION_COOKIE}=${value}; ${attributes.join('; ')}`);
  const others = (req.headers.cookie ?? '').split(';').filter((p) => p.trim() && !p.trim().startsWith(`${SESSION_COOKIE}=`));
  req.headers.cookie = [...others.map((p) => p.trim()), `${SESSION_COOKIE}=${value}`].join('; ');
  return id;
}
