import type { TaskStatus } from '../../graphql/generated/graphql';

/** The words the page shows for each status. */
export const STATUS_LABEL: Record<TaskStatus, string> = {
  WAITING: 'WAITING',
  IN_PROGRESS: 'IN PROGRESS',
  FINISHED: 'FINISHED',
  CANCELLED: 'CANCELLED',
  ERROR: 'ERROR',
};

/** The coded error of an Apollo error, if any. */
export function errorCode(error: unknown): string | undefined {
  const errors = (error as { errors?: { extensions?: { code?: unknown } }[] } | undefined)?.errors;
  const code = errors?.[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `extensions.retryAfterSeconds` of a refusal that says when to try again, if any: RATE_LIMITED
 * (this user's or this address's budget), or SERVICE_UNAVAILABLE when too many tasks are queued.
 */
export function retryAfterSeconds(error: unknown): number | undefined {
  const errors = (error as { errors?: { extensions?: { code?: unknown; retryAfterSeconds?: unknown } }[] } | undefined)?.errors;
  const first = errors?.[0]?.extensions;
  return typeof first?.retryAfterSeconds === 'number' ? first.retryAfterSeconds : undefined;
}

/** A BAD_USER_INPUT error's field (`extensions.field`, a path like `input.primes.below`) and message. */
export function badInput(error: unknown): { field: string; message: string } | undefined {
  const errors = (error as { errors?: { message?: string; extensions?: { code?: unknown; field?: unknown } }[] } | undefined)?.errors;
  const first = errors?.[0];
  const field = first?.extensions?.field;
  return first?.extensions?.code === 'BAD_USER_INPUT' && typeof field === 'string' ? { field, message: first.message ?? 'Not valid.' } : undefined;
}

/** A sentence a user can act on, for an error from the API. */
export function describeError(error: unknown): string {
  const errors = (error as { errors?: { message?: string; extensions?: Record<string, unknown> }[] } | undefined)?.errors;
  const first = errors?.[0];
  // No GraphQL answer at all: the request never reached the server, or it did not answer.
  if (!first) return 'The server cannot be reached right now; reconnecting…';
  switch (first.extensions?.code) {
    case 'RATE_LIMITED':
      return `Too many requests: try again in ${first.extensions.retryAfterSeconds ?? 'a few'} s.`;
    case 'SERVICE_UNAVAILABLE':
      return typeof first.extensions.retryAfterSeconds === 'number'
        ? `The service is busy: try again in ${first.extensions.retryAfterSeconds} s.`
        : 'The service is unavailable right now; reconnecting…';
    case 'NOT_FOUND':
      return 'This task no longer exists.';
    case 'TASK_NOT_CANCELLABLE':
      return 'This task has already ended.';
    case 'SHARE_EXPIRED':
      return 'This link has expired: ask the task’s owner for a new one.';
    case 'SHARE_REVOKED':
      return 'The task’s owner stopped sharing it: this link no longer works.';
    case 'TASK_NOT_RETRYABLE':
      return 'This task is still running: it can be run again once it has ended.';
    default:
      return first.message || 'Something went wrong; try again.';
  }
}
