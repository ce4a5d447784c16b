import { randomBytes } from 'node:crypto';
import { startBackend, startFrontend, startRedis, type Backend, type Frontend, type RedisServer } from '../../testkit/index.js';

/**
 * A real stack (private redis-server, built backend, built frontend) that a test owns, so it
 * can stop and restart a tier under an open page. The global setup uses it too. Both servers
 * come back on the ports they first got, with the same secrets, so the page's session and
 * URLs stay valid across a restart.
 */
export interface Stack {
  /** The frontend's base URL (stable across restarts). */
  readonly url: string;
  readonly redis: RedisServer;
  backend: Backend;
  frontend: Frontend;
  stopBackend(): Promise<void>;
  startBackend(): Promise<void>;
  stopFrontend(): Promise<void>;
  startFrontend(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(env: { backend?: Record<string, string>; frontend?: Record<string, string> } = {}): Promise<Stack> {
  const redis = await startRedis();
  const token = randomBytes(24).toString('base64url');
  const backendEnv: Record<string, string> = { REDIS_URL: redis.url, INTERNAL_API_TOKEN: token, ...env.backend };
  let backend = await startBackend(backendEnv);
  // Same port and prefix on a restart: the frontend's upstream and the records stay valid.
  backendEnv.BACKEND_PORT = new URL(backend.url).port;
  backendEnv.REDIS_PREFIX = backend.prefix;
  const frontendEnv: Record<string, string> = {
    NODE_ENV: 'production',
    BACKEND_PORT: backendEnv.BACKEND_PORT,
    INTERNAL_API_TOKEN: token,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    COOKIE_SECURE: 'false',
    ...env.frontend,
  };
  let frontend = await startFrontend(frontendEnv);
  frontendEnv.PORT = new URL(frontend.url).port;

  const stack: Stack = {
    url: frontend.url,
    redis,
    get backend() {
      return backend;
    },
    get frontend() {
      return frontend;
    },
    async stopBackend() {
      await backend.stop();
    },
    async startBackend() {
      backend = await startBackend(backendEnv);
    },
    async stopFrontend() {
      await frontend.stop();
    },
    async startFrontend() {
      frontend = await startFrontend(frontendEnv);
    },
    async stop() {
      await frontend.stop();
      await backend.stop();
      await redis.stop();
    },
  };
  return stack;
}
