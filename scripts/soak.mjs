#!/usr/bin/env node
// `npm run test:soak -- --minutes N [--seed S]`: installs what is missing, builds what is stale,
// checks that the nemesis's schedule replays from its seed (soak/test/), then runs soak/run.ts
// (see docs/testing.md#the-soak). Arguments pass through to it.
import { spawnSync } from 'node:child_process';
import { ensureBuilt, ensureDependencies, hasCommand, ROOT, useSupportedNode } from './lib.mjs';

await useSupportedNode();

if (!hasCommand('redis-server')) {
  console.error('[longrun] the soak starts its own redis-server: install it (apt-get install redis-server)');
  process.exit(1);
}
ensureDependencies();
ensureBuilt();
const tsx = import.meta.resolve('tsx');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const unit = spawnSync(process.execPath, ['--import', tsx, '--test', 'soak/test/*.test.ts'], { cwd: ROOT, stdio: 'inherit', env });
if (unit.status !== 0) process.exit(unit.status ?? 1);
const r = spawnSync(process.execPath, ['--import', tsx, 'soak/run.ts', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit', env });
process.exit(r.status ?? 1);
