import { createHash } from 'node:crypto';

/** What the simulated work of one task will do: how long it runs and whether it fails. */
export interface TaskPlan {
  durationMs: number;
  fails: boolean;
}

export interface PlanSettings {
  minDurationMs: number;
  maxDurationMs: number;
  failureRate: number;
  /** With a seed, a task's plan is a pure function of (seed, task id): reproducible outcomes. */
  seed: string | undefined;
}

/** Two uniform numbers in [0, 1) from the seed and task id, or from Math.random without a seed. */
function uniforms(taskId: string, seed: string | undefined): [number, number] {
  if (seed === undefined) return [Math.random(), Math.random()];
  const digest = createHash('sha256').update(`${seed}\0${taskId}`).digest();
  return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
}

export function planTask(taskId: string, s: PlanSettings): TaskPlan {
  const [u1, u2] = uniforms(taskId, s.seed);
  return {
    durationMs: Math.round(s.minDurationMs + u1 * (s.maxDurationMs - s.minDurationMs)),
    fails: u2 < s.failureRate,
  };
}
