#!/usr/bin/env node
/**
 * Runs a workspace's node:test suites through tsx, one file at a time.
 *
 *   node ../scripts/run-node-tests.mjs <dir> [filter ...] [-- <extra node --test options>]
 *
 * - finds every `*.test.ts` under <dir> (relative to the current directory), sorted; Node 20
 *   does not expand globs itself, so the files are listed here;
 * - a positional `filter` keeps only files whose path contains it (e.g. `unit`, `e2e`);
 * - builds the shared package (packages/server-common, whose build output both tiers import;
 *   `tsc -b` does nothing when it is up to date), then the backend when backend/dist is
 *   missing or older than backend/src (the e2e suites of both workspaces start the built
 *   backend); LONGRUN_SKIP_BUILD=1 skips both;
 * - runs `node --import tsx --test --test-concurrency=1 <files>` and exits with its code.
 */
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dashDash = argv.indexOf('--');
const ours = dashDash >= 0 ? argv.slice(0, dashDash) : argv;
const passThrough = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
const [dirArg, ...filters] = ours;

if (!dirArg) {
  console.error('usage: run-node-tests.mjs <dir> [filter ...] [-- <node --test options>]');
  process.exit(2);
}
const dir = resolve(process.cwd(), dirArg);
if (!existsSync(dir) || !statSync(dir).isDirectory()) {
  console.error(`run-node-tests: ${dirArg} is not a directory (relative to ${process.cwd()})`);
  process.exit(2);
}

function findTests(root) {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(full);
    }
  };
  walk(root);
  return found.sort();
}

/** Newest modification time of any file under `d` (0 if none). */
function newestMtime(d) {
  let newest = 0;
  const walk = (p) => {
    for (const entry of readdirSync(p, { withFileTypes: true })) {
      const full = join(p, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  if (existsSync(d)) walk(d);
  return newest;
}

function ensureBackendBuilt() {
  if (process.env.LONGRUN_SKIP_BUILD === '1') return;
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const common = spawnSync(process.execPath, [tsc, '-b', 'packages/server-common/tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
  if (common.status !== 0) {
    console.error('run-node-tests: the shared package build failed');
    process.exit(common.status ?? 1);
  }
  const backend = join(repoRoot, 'backend');
  const main = join(backend, 'dist', 'main.js');
  const sourceTime = Math.max(newestMtime(join(backend, 'src')), statSync(join(backend, 'tsconfig.json')).mtimeMs);
  if (existsSync(main) && statSync(main).mtimeMs >= sourceTime) return;
  console.error(`run-node-tests: backend/dist is ${existsSync(main) ? 'older than backend/src' : 'missing'}: building it`);
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: backend, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('run-node-tests: the backend build failed');
    process.exit(build.status ?? 1);
  }
}

let files = findTests(dir);
if (filters.length > 0) files = files.filter((f) => filters.some((flt) => relative(dir, f).includes(flt)));
if (files.length === 0) {
  console.error(`run-node-tests: no *.test.ts files under ${dirArg}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

ensureBackendBuilt();

// Resolve tsx from the repository, whatever the current directory.
const tsx = import.meta.resolve('tsx');
const hasReporter = passThrough.some((a) => a.startsWith('--test-reporter'));
const args = [
  '--import', tsx,
  '--test',
  '--test-concurrency=1',
  // A safety net per test; the suites set tighter bounds of their own.
  '--test-timeout=180000',
  ...(hasReporter ? [] : ['--test-reporter=spec']),
  ...passThrough,
  ...files.map((f) => relative(process.cwd(), f)),
];

const started = Date.now();
const child = spawn(process.execPath, args, { stdio: 'inherit', env: process.env });
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code, signal) => {
  console.error(`run-node-tests: ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code ?? signal}`);
  process.exit(code ?? 1);
});
