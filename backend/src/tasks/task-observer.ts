import type { TaskRecord, TransitionName } from './task-state.js';

/**
 * Told about every change the TaskStore makes (after it is written and published) and every
 * snapshot a status stream receives: how metrics and task logs see tasks without anyone
 * changing a task anywhere else. Optional: without one, nothing is observed.
 */
export interface TaskObserver {
  created(task: TaskRecord): void;
  applied(transition: TransitionName, task: TaskRecord): void;
  /** A published snapshot reached this process's status streams (`task.updatedAt`: when the CAS wrote it). */
  delivered(task: TaskRecord): void;
}

export const TASK_OBSERVER = Symbol('TASK_OBSERVER');
