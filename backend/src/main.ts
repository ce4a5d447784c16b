import { ConfigError, loadConfig } from './config/config.js';
import { startBackend } from './bootstrap.js';

/** Entry point: API, worker or both, as BACKEND_ROLE says (default both). */
export async function main(overrides: Record<string, string> = {}): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  if (config.internalTokenGenerated && config.role !== 'worker') {
    console.warn('INTERNAL_API_TOKEN is unset: generated a random one; no frontend can call this backend.');
  }
  const backend = await startBackend(config);
  console.log(
    backend.url
      ? `longrun backend (${config.role}) listening on ${backend.url}`
      : `longrun worker consuming queue (concurrency ${config.worker.concurrency})`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
