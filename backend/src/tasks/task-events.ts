import type { LogLevel, TaskEvent, TaskEventType } from '../graphql/generated/schema-types.js';
import type { KindResult } from './task-kind.js';
import type { TaskStatus } from './task-state.js';

/**
 * One entry of a task's timeline as stored (a JSON element of the task's event list, beside its
 * record) and published. `seq` is its position in the list, from 1: the list is only appended
 * to, by the same scripts that change the record (task-store.ts), so seq never repeats or skips.
 */
export interface StoredEvent {
  seq: number;
  /** Epoch ms. */
  at: number;
  type: TaskEventType;
  status?: TaskStatus;
  progress?: number;
  attempt?: number;
  message?: string;
  level?: LogLevel;
  result?: KindResult;
}

export type PublicEvent = TaskEvent;

export function toPublicEvent(e: StoredEvent): PublicEvent {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    type: e.type,
    status: e.status ?? null,
    progress: e.progress ?? null,
    attempt: e.attempt ?? null,
    message: e.message ?? null,
    level: e.level ?? null,
    result: (e.result as PublicEvent['result']) ?? null,
  };
}

/** Parses one stored event; null if malformed. */
export function eventFromJson(json: string): StoredEvent | null {
  try {
    const e = JSON.parse(json) as StoredEvent;
    return typeof e.seq === 'number' && typeof e.type === 'string' ? e : null;
  } catch {
    return null;
  }
}
