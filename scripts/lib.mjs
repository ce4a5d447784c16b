// Shared set-up steps for `npm start`, `npm test` and `npm run bench`: run under a supported
// Node, install what is missing, build what is stale, find or start Redis. Plain Node 20 code
// (no dependencies), so it runs before `npm ci` and before any supported Node is there.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { constants } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const RUN_DIR = join(ROOT, '.run');

export function log(message) {
  console.log(`[longrun] ${message}`);
}

/** package.json's `engines.node`, which this code reads as `>=X.Y[.Z]` and nothing else. */
function requiredNode() {
  const range = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
  const m = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range);
  if (!m) throw new Error(`package.json engines.node must read ">=X.Y[.Z]", not "${range}"`);
  return { range, min: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] };
}

function atLeast(version, min) {
  const v = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i];
  return true;
}

/**
 * The Node of .nvmrc in .run/node/<version>/bin/node, fetched once from the npm registry as
 * `node-<platform>-<arch>` (a package that ships the binary itself, no install script). The
 * registry has those for linux-x64 and linux-arm64; elsewhere this exits saying what to do.
 */
function localNode(version, range) {
  const dir = join(RUN_DIR, 'node', version);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return bin;
  const pkg = `node-${process.platform}-${process.arch}`;
  log(`node v${process.versions.node} is older than ${range}: fetching ${pkg}@${version} from the npm registry…`);
  // Installed beside the final folder and renamed into place: a half-done fetch is never used.
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const npm = ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', partial, `${pkg}@${version}`];
  if (spawnSync('npm', npm, { stdio: 'inherit' }).status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    console.error(`[longrun] could not fetch ${pkg}@${version}: install Node ${version} (any ${range} will do; \`nvm install\` reads .nvmrc) and run again`);
    process.exit(1);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(partial, 'node_modules', pkg), dir);
  rmSync(partial, { recursive: true, force: true });
  return bin;
}

/**
 * Call first, before anything that needs Node >= engines.node. On a supported Node it puts that
 * Node's folder first on PATH, so every child (`node`, and `npm`, `npx`, `next`: scripts that
 * start with `#!/usr/bin/env node`) runs under it, and returns. On an older one it runs this same
 * script again under the Node of .nvmrc (see localNode) and never returns: the process ends with
 * the child's exit code.
 */
export async function useSupportedNode() {
  const { range, min } = requiredNode();
  if (atLeast(process.versions.node, min)) {
    process.env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
    const from = relative(ROOT, process.execPath);
    log(`node v${process.versions.node} (from ${from.startsWith('..') ? process.execPath : from})`);
    return;
  }
  const pinned = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
  if (!atLeast(pinned, min)) throw new Error(`.nvmrc (${pinned}) does not satisfy engines.node ${range}`);
  const child = spawn(localNode(pinned, range), [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  child.once('error', (error) => {
    console.error(`[longrun] could not start node: ${error.message}`);
    process.exit(1);
  });
  // A terminal's Ctrl-C reaches the child too; a signal sent to this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
  return new Promise(() => {});
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts, env: { ...process.env, ...opts.env } });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
  }
}

export function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Newest modification time of the given files or folders (recursively), skipping build output. */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name === 'node_modules' || name === 'dist' || name === '.next' || name === 'test-results') continue;
        visit(join(p, name));
      }
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(p);
  return newest;
}

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

/** `npm ci` when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(installed) && mtime(installed) >= mtime(lock)) return;
  log('installing npm dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
}

// In build order: both tiers import the shared package's build output (and the page's bundle
// inlines part of it), so a change there rebuilds them too.
const COMMON = [
  'packages/server-common/src',
  'packages/server-common/tsconfig.json',
  'packages/server-common/tsconfig.build.json',
  'packages/server-common/package.json',
];
const BUILDS = {
  common: {
    workspace: '@longrun/server-common',
    inputs: COMMON,
    output: 'packages/server-common/dist/index.js',
  },
  backend: {
    workspace: 'backend',
    inputs: ['backend/src', 'backend/tsconfig.json', 'backend/tsconfig.build.json', 'backend/package.json', ...COMMON],
    output: 'backend/dist/main.js',
  },
  frontend: {
    workspace: 'frontend',
    inputs: [
      'frontend/src',
      'frontend/server.ts',
      'frontend/next.config.ts',
      'frontend/tsconfig.json',
      'frontend/tsconfig.server.json',
      'frontend/package.json',
      'schema',
      ...COMMON,
    ],
    output: 'frontend/dist/server.js',
  },
};

/** Builds each workspace whose sources are newer than its output. */
export function ensureBuilt(names = Object.keys(BUILDS)) {
  for (const name of names) {
    const { workspace, inputs, output } = BUILDS[name];
    const out = join(ROOT, output);
    if (existsSync(out) && mtime(out) >= newestMtime(inputs.map((i) => join(ROOT, i)))) continue;
    log(`building ${name}…`);
    run('npm', ['run', 'build', '-w', workspace], { env: { NEXT_TELEMETRY_DISABLED: '1' } });
  }
}

/** Secrets for a local run, generated once and kept in .run/ so sessions survive restarts. */
export function localSecrets() {
  const file = join(RUN_DIR, 'secrets.json');
  let secrets = {};
  if (existsSync(file)) secrets = JSON.parse(readFileSync(file, 'utf8'));
  if (!secrets.INTERNAL_API_TOKEN || !secrets.SESSION_SECRET) {
    secrets = {
      INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
      SESSION_SECRET: randomBytes(32).toString('base64url'),
    };
    mkdirSync(RUN_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return {
    INTERNAL_API_TOKEN: process.env.INTERNAL_API_TOKEN ?? secrets.INTERNAL_API_TOKEN,
    SESSION_SECRET: process.env.SESSION_SECRET ?? secrets.SESSION_SECRET,
  };
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export function portInUse(port, host = '127.0.0.1') {
  return new Promise((done) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Sends PING to a Redis at host:port; resolves true on +PONG within a second. */
export function redisAnswers(port, host = '127.0.0.1') {
  return new Promise((done) => {
    const socket = createConnection({ port, host });
    const timer = setTimeout(() => {
      socket.destroy();
      done(false);
    }, 1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      clearTimeout(timer);
      socket.destroy();
      done(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => {
      clearTimeout(timer);
      done(false);
    });
  });
}

/**
 * REDIS_URL if set; else a Redis already answering on 127.0.0.1:6379; else a private
 * `redis-server` on a free port, with AOF (appendfsync everysec) in .run/redis.
 */
export async function findOrStartRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  if (await redisAnswers(6379)) {
    log('using the Redis on 127.0.0.1:6379');
    return { url: 'redis://127.0.0.1:6379', stop: async () => undefined };
  }
  if (!hasCommand('redis-server')) {
    throw new Error('No Redis found: set REDIS_URL, run one on 127.0.0.1:6379, or install redis-server (Debian/Ubuntu: sudo apt-get install redis-server).');
  }
  const port = await freePort();
  const dir = join(RUN_DIR, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && !(await redisAnswers(port)); i++) await new Promise((r) => setTimeout(r, 100));
  log(`started a private redis-server on 127.0.0.1:${port} (AOF in .run/redis)`);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export { dirname };
