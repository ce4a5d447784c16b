import { isFinal, type TaskRecord } from './task-state.js';

export type ReconcileAction = 'none' | 'forget' | 'finish' | 'fail' | 'lost';

/**
 * What to do with a record that is not final, given its job's state. Pure, so it is tested
 * on its own. A job that is still queued or running is left alone; a job that ended (or
 * vanished) while its record did not means a write was lost (a crash between the job's end
 * and the status write, or a missed `failed` event): the record is brought in line.
 */
export function reconcileAction(record: TaskRecord | null, jobState: string, now: number, graceMs: number): ReconcileAction {
  if (!record || isFinal(record.status)) return 'forget';
  switch (jobState) {
    case 'completed':
      return 'finish';
    case 'failed':
      return 'fail';
    case 'unknown': {
      // Give a just-created record time to get its job (it is queued right after the write).
      const since = Date.parse(record.startedAt ?? record.createdAt);
      return now - since > graceMs ? 'lost' : 'none';
    }
    default:
      return 'none';
  }
}
