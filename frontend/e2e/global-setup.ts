import { E2E_FAILURE_RATE, E2E_SEED } from './stack';
import { startStack } from './own-stack';

/**
 * One real stack for the browser tests. Tasks are short (2–4 s) so a run is quick but a task
 * is still visibly IN PROGRESS and cancellable. Outcomes are seeded, so a test can predict
 * from a task's id whether it ends FINISHED or ERROR. Specs that restart a tier start their
 * own stack (own-stack.ts).
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const stack = await startStack({
    backend: {
      TASK_MIN_DURATION_MS: '2000',
      TASK_MAX_DURATION_MS: '4000',
      TASK_FAILURE_RATE: E2E_FAILURE_RATE,
      TASK_RANDOM_SEED: E2E_SEED,
      // share.spec.ts watches a link expire: allow links of a second or two.
      SHARE_MIN_EXPIRES_S: '1',
    },
  });
  process.env.LONGRUN_E2E_URL = stack.url;
  return () => stack.stop();
}
