#!/usr/bin/env node
// `npm run bench`: installs what is missing, builds what is stale (production builds), then runs
// bench/run.ts (see docs/performance.md). Arguments pass through: --quick, --smoke, --out <file>.
import { spawnSync } from 'node:child_process';
import { ensureBuilt, ensureDependencies, hasCommand, ROOT, useSupportedNode } from './lib.mjs';

await useSupportedNode();

if (!hasCommand('redis-server')) {
  console.error('[longrun] the benchmark starts its own redis-server: install it (apt-get install redis-server)');
  process.exit(1);
}
ensureDependencies();
ensureBuilt();
const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), 'bench/run.ts', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
process.exit(r.status ?? 1);
