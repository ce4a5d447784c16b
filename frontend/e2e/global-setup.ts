import { randomBytes } from 'node:crypto';
import { startBackend, startFrontend, startRedis } from '../../testkit/index.js';
import { E2E_FAILURE_RATE, E2E_SEED } from './stack';

/**
 * One real stack for the browser tests. Tasks are short (2–4 s) so a run is quick but a task
 * is still visibly IN PROGRESS and cancellable. Outcomes are seeded, so a test can predict
 * from a task's id whether it ends FINISHED or ERROR.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const redis = await startRedis();
  const token = randomBytes(24).toString('base64url');
  const backend = await startBackend({
    REDIS_URL: redis.url,
    INTERNAL_API_TOKEN: token,
    TASK_MIN_DURATION_MS: '2000',
    TASK_MAX_DURATION_MS: '4000',
    TASK_FAILURE_RATE: E2E_FAILURE_RATE,
    TASK_RANDOM_SEED: E2E_SEED,
  });
  const port = new URL(backend.url).port;
  const frontend = await startFrontend({
    NODE_ENV: 'production',
    BACKEND_PORT: port,
    INTERNAL_API_TOKEN: token,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    COOKIE_SECURE: 'false',
  });
  process.env.LONGRUN_E2E_URL = frontend.url;
  return async () => {
    await frontend.stop();
    await backend.stop();
    await redis.stop();
  };
}
