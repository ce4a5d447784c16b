import { isFinal, type TaskRecord } from './task-state.js';

export type ReconcileAction = 'none' | 'forget' | 'finish' | 'fail' | 'lost' | 'stuck' | 'requeue';

export interface ReconcileBounds {
  /** How long a record may wait for its job to appear, or outlive it, before it is called lost. */
  graceMs: number;
  /** How long a running task may stay silent (no change to its record) before it is called stuck. */
  stuckAfterMs: number;
}

/**
 * What to do with a record that is not final, given the state of its current attempt's job.
 * Pure, so it is tested on its own. A queued job is left alone, and so is a running one while its record keeps
 * changing; a running task whose record stayed silent past `stuckAfterMs` is stuck (its job is
 * held, its lock renewed, but nothing happens). A job that ended (or vanished) while its record
 * did not means a write was lost (a crash between the job's end and the status write, or a
 * missed `failed` event): the record is brought in line. A retry whose job never appeared (the
 * process died between scheduling the attempt and queueing its job) is queued again.
 */
export function reconcileAction(record: TaskRecord | null, jobState: string, now: number, { graceMs, stuckAfterMs }: ReconcileBounds): ReconcileAction {
  if (!record || isFinal(record.status)) return 'forget';
  switch (jobState) {
    case 'completed':
      return 'finish';
    case 'failed':
      return 'fail';
    case 'unknown': {
      // Give a just-written record time to get its job (it is queued right after the write).
      const since = record.updatedAt ?? Date.parse(record.startedAt ?? record.createdAt);
      if (now - since <= graceMs) return 'none';
      return record.status === 'WAITING' && record.attempt > 1 ? 'requeue' : 'lost';
    }
    case 'active': {
      const since = record.updatedAt ?? Date.parse(record.startedAt ?? record.createdAt);
      return record.status === 'IN_PROGRESS' && now - since > stuckAfterMs ? 'stuck' : 'none';
    }
    default:
      return 'none';
  }
}
