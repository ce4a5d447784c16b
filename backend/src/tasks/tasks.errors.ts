import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../graphql/generated/schema-types.js';

export class CodedError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

/** Same code and message for a missing task and someone else's: the two are indistinguishable. */
export class TaskNotFoundError extends CodedError {
  constructor() {
    super('NOT_FOUND', 'Task not found');
  }
}

export class TaskNotCancellableError extends CodedError {
  constructor(status: string) {
    super('TASK_NOT_CANCELLABLE', `Task already ended (${status}) and cannot be cancelled`);
  }
}

export class TaskNotRetryableError extends CodedError {
  constructor(status: string) {
    super('TASK_NOT_RETRYABLE', `Task is still ${status}: only a FINISHED, CANCELLED or ERROR task can be run again`);
  }
}

export class IdempotencyConflictError extends CodedError {
  constructor() {
    super('IDEMPOTENCY_CONFLICT', 'This idempotency key was already used for a different request', { field: 'idempotencyKey' });
  }
}

export class BadUserInputError extends CodedError {
  constructor(field: string, message: string) {
    super('BAD_USER_INPUT', message, { field });
  }
}

export class ServiceUnavailableError extends CodedError {
  constructor(what = 'The task store is unreachable; try again shortly') {
    super('SERVICE_UNAVAILABLE', what);
  }
}

export class RateLimitedError extends CodedError {
  constructor(retryAfterSeconds: number, what = 'Too many tasks started') {
    super('RATE_LIMITED', `${what}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

export class UnauthenticatedError extends CodedError {
  constructor() {
    super('UNAUTHENTICATED', 'Missing or invalid credentials');
  }
}

export class ShareExpiredError extends CodedError {
  constructor() {
    super('SHARE_EXPIRED', 'This share link has expired; ask the task’s owner for a new one');
  }
}

export class ShareRevokedError extends CodedError {
  constructor() {
    super('SHARE_REVOKED', 'The task’s owner stopped sharing it; this link no longer works');
  }
}

/** A share token that does not verify, and a genuine one whose task is gone, get this same NOT_FOUND. */
export class ShareNotFoundError extends CodedError {
  constructor() {
    super('NOT_FOUND', 'No task behind this share link (it is not valid, or the task is gone)');
  }
}

/** Task ids are random UUIDs; anything else is refused before touching Redis. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isTaskId = (id: unknown): id is string => typeof id === 'string' && UUID.test(id);
export function assertTaskId(id: unknown): string {
  if (!isTaskId(id)) throw new BadUserInputError('id', 'id must be a task id (a UUID)');
  return id.toLowerCase();
}

/** The admission bound: too much work queued already; nothing was queued for this call. */
export class QueueFullError extends CodedError {
  constructor(retryAfterSeconds: number) {
    super('SERVICE_UNAVAILABLE', `Too many tasks are waiting to run; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
