#!/usr/bin/env node
// `npm test`: installs what the tests need (npm dependencies; redis-server and chromium through
// apt-get when running as root), builds what is stale, then runs every suite: generated-code
// check, typecheck, the shared server package, backend unit + e2e, gateway, scale-out, the
// terminal client, the fault suite and browser tests. Exits non-zero if any fails.
import { spawnSync } from 'node:child_process';
import { ensureBuilt, ensureDependencies, hasCommand, log, ROOT, run } from './lib.mjs';

const SYSTEM_PACKAGES = { 'redis-server': 'redis-server', chromium: 'chromium' };

function ensureSystemPackages() {
  const missing = Object.entries(SYSTEM_PACKAGES)
    .filter(([cmd]) => !hasCommand(cmd))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && hasCommand('apt-get')) {
    log(`installing ${missing.join(', ')} with apt-get…`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
    return;
  }
  console.error(`[longrun] the tests need ${missing.join(' and ')}: run \`sudo apt-get install -y ${missing.join(' ')}\` and try again`);
  process.exit(1);
}

const only = process.argv.slice(2);
const SUITES = [
  ['codegen', 'npm', ['run', '--silent', 'codegen:check']],
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['common', 'node', ['scripts/run-node-tests.mjs', 'packages/server-common/test']],
  ['backend', 'node', ['scripts/run-node-tests.mjs', 'backend/test']],
  ['gateway', 'node', ['scripts/run-node-tests.mjs', 'frontend/test']],
  ['scale', 'node', ['scripts/run-node-tests.mjs', 'scale']],
  ['cli', 'node', ['scripts/run-node-tests.mjs', 'cli']],
  ['faults', 'node', ['scripts/run-node-tests.mjs', 'faults']],
  // A tiny run of `npm run bench` (well-formed table, every metric; no goals asserted).
  ['bench-smoke', 'node', ['scripts/run-node-tests.mjs', 'bench/test']],
  ['browser', 'npx', ['playwright', 'test', '-c', 'frontend/playwright.config.ts']],
];

ensureSystemPackages();
ensureDependencies();
ensureBuilt();

const results = [];
for (const [name, cmd, args] of SUITES) {
  if (only.length > 0 && !only.includes(name)) continue;
  log(`── ${name} ──`);
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  results.push({ name, ok: r.status === 0, seconds: ((Date.now() - started) / 1000).toFixed(1) });
}
log('── summary ──');
for (const r of results) log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds} s)`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
