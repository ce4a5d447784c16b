import { createHmac } from 'node:crypto';
import { pushStream, secretMatches } from '@longrun/server-common';
import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { CONFIG, type Config } from '../config/config.js';
import type { TaskShare } from '../graphql/generated/schema-types.js';
import type { RedisClient } from '../redis/redis-connection.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { REDIS, REDIS_KEYS } from '../redis/redis.module.js';
import type { PublicEvent } from './task-events.js';
import { toPublic, type PublicTask, type TaskRecord } from './task-state.js';
import { TaskStatusStreams } from './task-status.stream.js';
import { TaskStore } from './task-store.js';
import { guard } from './tasks.service.js';
import {
  BadUserInputError,
  CodedError,
  isTaskId,
  RateLimitedError,
  ServiceUnavailableError,
  ShareExpiredError,
  ShareNotFoundError,
  ShareRevokedError,
  TaskNotFoundError,
} from './tasks.errors.js';

/** The longest a share link lives: 7 days. Revocation records live as long, so they outlive every link they refuse. */
export const SHARE_MAX_EXPIRES_S = 7 * 24 * 3600;
/** How often an open shared subscription re-checks its link (revoked? expired?): the bound on how long a revoked view stays live. */
export const SHARE_RECHECK_MS = 2000;
/** Share-link verifications per caller per window (a watch page makes two or three per visit). */
const VERIFY_POINTS = 60;
const VERIFY_WINDOW_S = 60;
/** Where a link opens (the frontend's watch page). */
export const WATCH_PATH = '/watch/';

/** What a verified token says. Times in epoch ms. */
interface ShareClaims {
  taskId: string;
  issuedAt: number;
  expiresAt: number;
}

const NUMBER = /^[0-9a-z]{1,12}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Share links. A token is `<taskId>.<issued ms>.<expires ms>.<signature>` (numbers in base 36),
 * signed with HMAC-SHA256 under a key derived from INTERNAL_API_TOKEN (so only the backend can
 * make one, and rotating that secret voids every link). It names one task and nothing else; the
 * owner is read from the task at each use. Revoking records the instant in Redis: every link of
 * that task issued no later is refused, on every use, in every API process.
 */
@Injectable()
export class TaskShares {
  private readonly key: Buffer;
  private readonly verifyLimiter: RateLimiterRedis;

  constructor(
    private readonly store: TaskStore,
    private readonly streams: TaskStatusStreams,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {
    // A key of its own, derived (not the credential itself), so a share signature can never be
    // mistaken for, or help forge, anything else signed by the backend.
    this.key = createHmac('sha256', config.internalToken).update('longrun share-link key v1').digest();
    this.verifyLimiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: keys.shareLimitPrefix, points: VERIFY_POINTS, duration: VERIFY_WINDOW_S });
  }

  /** A new link to one of the owner's tasks. */
  async share(id: string, owner: string, expiresInSeconds: number): Promise<TaskShare> {
    const min = this.config.shareMinExpiresS;
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < min || expiresInSeconds > SHARE_MAX_EXPIRES_S) {
      throw new BadUserInputError('expiresInSeconds', `expiresInSeconds must be between ${min} and ${SHARE_MAX_EXPIRES_S}`);
    }
    await this.owned(id, owner);
    // Issued strictly after the last revocation, even within its millisecond: a link made after
    // "Stop sharing" always works.
    const revokedAt = await this.revokedAt(id);
    const issuedAt = Math.max(Date.now(), revokedAt + 1);
    const expiresAt = issuedAt + expiresInSeconds * 1000;
    const token = this.sign({ taskId: id, issuedAt, expiresAt });
    return { token, url: `${WATCH_PATH}${token}`, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** Voids every link to the owner's task issued until now. */
  async revoke(id: string, owner: string): Promise<boolean> {
    await this.owned(id, owner);
    await guard(this.redis.set(this.keys.shareRevoked(id), String(Date.now()), 'EX', SHARE_MAX_EXPIRES_S));
    return true;
  }

  /** The task behind a link, as a watcher sees it. */
  async sharedTask(token: unknown, caller: string): Promise<PublicTask> {
    const { record } = await this.open(token, caller);
    return scoped(record);
  }

  /** `taskStatus` through a link: ends with SHARE_REVOKED / SHARE_EXPIRED once the link stops working. */
  async watch(token: unknown, caller: string): Promise<AsyncIterableIterator<PublicTask | CodedError>> {
    const { claims, record } = await this.open(token, caller);
    const inner = await guard(this.streams.open(record.id, record.owner));
    return this.whileValid(claims, inner, (task) => ({ ...task, retryOf: null, retries: [] }));
  }

  /** `taskEvents` through a link, ending like `watch`. */
  async watchEvents(token: unknown, caller: string, after: number): Promise<AsyncIterableIterator<PublicEvent | CodedError>> {
    if (!Number.isInteger(after) || after < 0) throw new BadUserInputError('after', 'after must be 0 or more');
    const { claims, record } = await this.open(token, caller);
    const inner = await guard(this.streams.openEvents(record.id, record.owner, after));
    return this.whileValid(claims, inner, (event) => event);
  }

  /** Verifies a link (rate-limited per caller) and reads its task. */
  private async open(token: unknown, caller: string): Promise<{ claims: ShareClaims; record: TaskRecord }> {
    await this.consumeVerifyBudget(caller);
    const claims = this.verify(token);
    if (!claims) throw new ShareNotFoundError();
    const refusal = await this.refusal(claims);
    if (refusal) throw refusal;
    const record = await guard(this.store.get(claims.taskId));
    if (!record) throw new ShareNotFoundError();
    return { claims, record };
  }

  /** Why a verified link no longer works (expired first: that is how it will stay), or null. */
  private async refusal(claims: ShareClaims): Promise<CodedError | null> {
    if (Date.now() >= claims.expiresAt) return new ShareExpiredError();
    if (claims.issuedAt <= (await this.revokedAt(claims.taskId))) return new ShareRevokedError();
    return null;
  }

  /**
   * Relays `inner` while the link works: every SHARE_RECHECK_MS it is checked again, and once it
   * is refused the refusal is the last value (the resolver raises it as the operation's error)
   * and the stream ends. A failed check (Redis away) keeps the stream: the next one decides.
   */
  private whileValid<T>(claims: ShareClaims, inner: AsyncIterableIterator<T>, view: (value: T) => T): AsyncIterableIterator<T | CodedError> {
    const { stream, push, stop } = pushStream<T | CodedError>(() => {
      clearInterval(timer);
      void inner.return?.();
    });
    const timer = setInterval(() => {
      this.refusal(claims).then(
        (refusal) => {
          if (refusal) {
            push(refusal);
            stop();
          }
        },
        () => undefined,
      );
    }, SHARE_RECHECK_MS);
    void (async () => {
      try {
        for (let step = await inner.next(); !step.done; step = await inner.next()) push(view(step.value));
        stop();
      } catch (error) {
        stop(error as Error);
      }
    })();
    return stream;
  }

  private async consumeVerifyBudget(caller: string): Promise<void> {
    try {
      await this.verifyLimiter.consume(caller);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), 'Too many share links opened');
      }
      throw new ServiceUnavailableError();
    }
  }

  private async revokedAt(id: string): Promise<number> {
    return Number(await guard(this.redis.get(this.keys.shareRevoked(id)))) || 0;
  }

  private signature(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  private sign(claims: ShareClaims): string {
    const payload = `${claims.taskId}.${claims.issuedAt.toString(36)}.${claims.expiresAt.toString(36)}`;
    return `${payload}.${this.signature(payload)}`;
  }

  /** The claims of a token signed here, or null (malformed, or a signature that does not match: compared in constant time). */
  private verify(token: unknown): ShareClaims | null {
    if (typeof token !== 'string' || token.length > 200) return null;
    const parts = token.split('.');
    if (parts.length !== 4) return null;
    const [taskId, issued, expires, signature] = parts;
    if (!isTaskId(taskId) || taskId !== taskId.toLowerCase() || !NUMBER.test(issued) || !NUMBER.test(expires) || !SIGNATURE.test(signature)) return null;
    if (!secretMatches(signature, this.signature(`${taskId}.${issued}.${expires}`))) return null;
    return { taskId, issuedAt: parseInt(issued, 36), expiresAt: parseInt(expires, 36) };
  }

  private async owned(id: string, owner: string): Promise<TaskRecord> {
    const record = await guard(this.store.get(id));
    if (!record || record.owner !== owner) throw new TaskNotFoundError();
    return record;
  }
}

/** A task as a watcher sees it: everything about it, but no way to another task. */
function scoped(record: TaskRecord): PublicTask {
  return { ...toPublic(record), retryOf: null, retries: [] };
}
