#!/usr/bin/env node
// `npm test`: runs under a supported Node, installs what the tests need (npm dependencies;
// redis-server and chromium through apt-get when running as root), builds what is stale, then
// runs every suite: check (generated code, typecheck, lint), the shared server package, the test
// harness, backend unit + e2e, gateway, scale-out, the terminal client, the fault suite, a
// 2-minute fault soak and browser tests. Exits non-zero if any fails.
//
//   node scripts/test.mjs [suite ...] [-- <node --test option or test file> ...]
//
// Suite names pick suites (default: all). After `--`, options (`--test-name-pattern=…`; write
// them with `=`) go to each node:test suite, and files or globs replace the suite's own files.
import { spawnSync } from 'node:child_process';
import { ensureBuilt, ensureDependencies, hasCommand, log, ROOT, run, useSupportedNode } from './lib.mjs';

await useSupportedNode();

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

const argv = process.argv.slice(2);
const dashDash = argv.includes('--') ? argv.indexOf('--') : argv.length;
const only = argv.slice(0, dashDash);
const extraOptions = argv.slice(dashDash + 1).filter((a) => a.startsWith('-'));
const extraFiles = argv.slice(dashDash + 1).filter((a) => !a.startsWith('-'));

/** node:test through tsx, one file at a time (each starts its own stack); globs expand in node. */
const nodeTest = (glob) => [
  'node',
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    // A safety net per test; the suites set tighter bounds of their own.
    '--test-timeout=180000',
    ...extraOptions,
    ...(extraFiles.length > 0 ? extraFiles : [glob]),
  ],
];
/** The `soak` suite's seed (printed by the soak, so a failure can be replayed). */
const SOAK_SEED = '20261203';
const SUITES = [
  // Generated code up to date, typecheck, lint (`npm run check`).
  ['check', 'npm', ['run', '--silent', 'check']],
  ['common', ...nodeTest('packages/server-common/test/**/*.test.ts')],
  // The harness's own tests (testkit/test/).
  ['testkit', ...nodeTest('testkit/test/**/*.test.ts')],
  ['backend', ...nodeTest('backend/test/**/*.test.ts')],
  ['gateway', ...nodeTest('frontend/test/**/*.test.ts')],
  ['scale', ...nodeTest('scale/**/*.test.ts')],
  ['cli', ...nodeTest('cli/**/*.test.ts')],
  ['faults', ...nodeTest('faults/**/*.test.ts')],
  // A 2-minute randomized fault soak with a fixed seed (docs/testing.md#the-soak); replay or
  // vary it with `npm run test:soak -- --minutes N --seed S`.
  ['soak', 'node', ['scripts/soak.mjs', '--minutes', '2', '--seed', SOAK_SEED]],
  // A tiny run of `npm run bench` (well-formed table, every metric; no goals asserted).
  ['bench-smoke', ...nodeTest('bench/test/**/*.test.ts')],
  // Files after `--` (frontend/e2e/kinds.spec.ts) pick specs; node:test options do not apply.
  ['browser', 'npx', ['playwright', 'test', '-c', 'frontend/playwright.config.ts', ...extraFiles]],
];

const unknown = only.filter((name) => !SUITES.some(([suite]) => suite === name));
if (unknown.length > 0) {
  console.error(`[longrun] no suite named ${unknown.join(', ')}; the suites: ${SUITES.map(([suite]) => suite).join(', ')}`);
  process.exit(2);
}

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
