import { execFileSync } from 'node:child_process';

/** The system Chromium (Debian's `chromium` package); Playwright never downloads a browser here. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium not found on PATH: apt-get install -y chromium (npm test does this when run as root)');
  }
}

/** The browser stack's seeded outcomes: half the tasks fail, and which ones is predictable. */
export const E2E_SEED = 'browser-e2e';
export const E2E_FAILURE_RATE = '0.5';
