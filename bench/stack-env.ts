/** Environment shared by the bench's stacks (run.ts, heap-probe.ts): one place for each setting. */

/** Lets the bench attach to a process (CPU and heap readings) on a port of its own. */
export const INSPECT = { NODE_OPTIONS: '--inspect=127.0.0.1:0' };

/** A production frontend in front of `backendUrl`, plain HTTP, as `npm start` runs it locally. */
export function frontendEnv(backendUrl: string | undefined, token: string, secret: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    ...(backendUrl ? { BACKEND_URL: backendUrl } : {}),
    INTERNAL_API_TOKEN: token,
    SESSION_SECRET: secret,
    COOKIE_SECURE: 'false',
    NEXT_TELEMETRY_DISABLED: '1',
  };
}
