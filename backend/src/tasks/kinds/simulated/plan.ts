import { createHash } from 'node:crypto';

/** What one attempt of the simulated work will do: how long it runs and whether it fails. */
export interface TaskPlan {
  durationMs: number;
  fails: boolean;
}

export interface PlanSettings {
  minDurationMs: number;
  maxDurationMs: number;
  failureRate: number;
  /** With a seed, a plan is a pure function of (seed, task id, attempt): reproducible outcomes. */
  seed: string | undefined;
}

/**
 * Two uniform numbers in [0, 1) from the seed, task id and attempt, or from Math.random without
 * a seed. Attempt 1 hashes exactly what the seed's `planTask` hashed (seed, task id), so seeded
 * outcomes recorded before retries existed stay the same; a later attempt hashes `id:attempt`,
 * so a retry gets a fresh (but still reproducible) draw instead of repeating the failure.
 */
function uniforms(taskId: string, attempt: number, seed: string | undefined): [number, number] {
  if (seed === undefined) return [Math.random(), Math.random()];
  const key = attempt === 1 ? taskId : `${taskId}:${attempt}`;
  const digest = createHash('sha256').update(`${seed}\0${key}`).digest();
  return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
}

export function planTask(taskId: string, s: PlanSettings, attempt = 1): TaskPlan {
  const [u1, u2] = uniforms(taskId, attempt, s.seed);
  return {
    durationMs: Math.round(s.minDurationMs + u1 * (s.maxDurationMs - s.minDurationMs)),
    fails: u2 < s.failureRate,
  };
}
