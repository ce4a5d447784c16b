#!/usr/bin/env node
// `npm start`: installs what is missing, builds what is stale, finds or starts Redis, runs the
// backend API, a worker and the frontend (production mode), prints the URL, and stops them all
// on Ctrl-C or SIGTERM. `npm run dev` (--dev): the same with Next's dev server (HMR) and the
// backend rebuilt and restarted on change.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ensureBuilt, ensureDependencies, findOrStartRedis, freePort, localSecrets, log, portInUse, ROOT, useSupportedNode } from './lib.mjs';

await useSupportedNode();

const dev = process.argv.includes('--dev');
const children = [];
let stopping = false;

function launch(name, cmd, args, env, ready) {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let resolveReady;
  const readyPromise = new Promise((r) => (resolveReady = r));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      console.log(`[${name}] ${line}`);
      if (ready.test(line)) resolveReady();
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${code ?? signal}); stopping everything`);
      void shutdown(1);
    }
  });
  return readyPromise;
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(kill);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await redis?.stop();
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

let redis;
try {
  ensureDependencies();
  // In dev the frontend runs from source (Next dev server); the backend is always compiled,
  // because Nest's injection needs the decorator metadata that only tsc emits.
  ensureBuilt(dev ? ['common', 'backend'] : undefined);
  redis = await findOrStartRedis();
  const port = Number(process.env.PORT ?? 3000);
  if (await portInUse(port)) throw new Error(`port ${port} is in use: set PORT to another one`);
  const backendPort = process.env.BACKEND_PORT ?? String((await portInUse(4000)) ? await freePort() : 4000);
  const env = {
    NODE_ENV: dev ? 'development' : 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    REDIS_URL: redis.url,
    BACKEND_PORT: backendPort,
    PORT: String(port),
    // Local runs are plain HTTP on localhost: a Secure cookie would never be sent back.
    COOKIE_SECURE: process.env.COOKIE_SECURE ?? 'false',
    // The services log JSON (their stdout is our pipe); at a terminal, show readable lines.
    LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    ...localSecrets(),
  };
  if (dev) {
    launch('tsc', 'npx', ['tsc', '-p', 'backend/tsconfig.build.json', '--watch', '--preserveWatchOutput'], env, /Watching/);
    launch('tsc-common', 'npx', ['tsc', '-b', 'packages/server-common/tsconfig.build.json', '--watch', '--preserveWatchOutput'], env, /Watching/);
  }
  const watch = dev ? ['--watch-path=backend/dist', '--watch-path=packages/server-common/dist'] : [];
  const started = [
    launch('backend', 'node', [...watch, 'backend/dist/main.js'], { ...env, BACKEND_ROLE: 'api' }, /listening on/),
    launch('worker', 'node', [...watch, 'backend/dist/worker.js'], env, /worker consuming/),
    launch('frontend', 'node', dev ? ['--import', 'tsx', 'frontend/server.ts'] : ['frontend/dist/server.js'], env, /ready on/),
  ];
  await Promise.all(started);
  log(`longrun is running: open http://localhost:${port}  (Ctrl-C stops it)`);
} catch (error) {
  console.error(`[longrun] ${error instanceof Error ? error.message : error}`);
  await shutdown(1);
}
