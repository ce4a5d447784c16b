import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../testkit/index.js';
import { configSchema as backendSchema } from '../src/config/config.js';
// The frontend's schema is plain zod; importing it here keeps one list of variables per tier.
import { configSchema as frontendSchema } from '../../frontend/src/server/config.js';

/**
 * The deployment files are read by people and by Docker, never by the tests' processes, so they
 * drift silently. These checks keep them in line with the two config schemas (the one place
 * each variable is defined).
 */
const backendVars = new Set(Object.keys(backendSchema.shape));
const frontendVars = new Set(Object.keys(frontendSchema.shape));
const known = new Set([...backendVars, ...frontendVars]);

function envExampleVars(): string[] {
  return readFileSync(`${REPO_ROOT}/.env.example`, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => line.slice(0, line.indexOf('=')));
}

describe('.env.example', () => {
  test('lists every variable of both tiers, once, and nothing else', () => {
    const listed = envExampleVars();
    assert.equal(new Set(listed).size, listed.length, 'no variable is listed twice');
    assert.deepEqual(
      [...known].filter((v) => !listed.includes(v)),
      [],
      'every configuration variable has a line in .env.example',
    );
    assert.deepEqual(
      listed.filter((v) => !known.has(v)),
      [],
      '.env.example lists only variables some tier reads',
    );
  });

  test('its values are accepted by both tiers (with the secrets a production run needs)', () => {
    const env = Object.fromEntries(
      readFileSync(`${REPO_ROOT}/.env.example`, 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    for (const schema of [backendSchema, frontendSchema]) {
      const parsed = schema.safeParse(
        Object.fromEntries(Object.entries({ ...env, INTERNAL_API_TOKEN: 'x'.repeat(32), SESSION_SECRET: 'y'.repeat(40) }).filter(([, v]) => v !== '')),
      );
      assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
    }
  });
});

const pinnedNode = readFileSync(`${REPO_ROOT}/.nvmrc`, 'utf8').trim();
const pinnedMajor = Number(pinnedNode.split('.')[0]);

describe('Node version', () => {
  const manifest = (path: string) =>
    JSON.parse(readFileSync(`${REPO_ROOT}/${path}`, 'utf8')) as {
      engines?: { node?: string };
      packageManager?: string;
      devDependencies?: Record<string, string>;
    };
  const root = manifest('package.json');

  test('every workspace declares the same engines range, and .nvmrc (what npm start/test fetch) is in it', () => {
    const range = root.engines?.node ?? '';
    for (const ws of ['backend', 'frontend']) assert.equal(manifest(`${ws}/package.json`).engines?.node, range, ws);
    // scripts/lib.mjs reads the range in this one form.
    const min = /^>=(\d+)\.(\d+)(?:\.(\d+))?$/
      .exec(range)
      ?.slice(1)
      .map((n) => Number(n ?? 0));
    assert.ok(min, `engines.node reads ">=X.Y[.Z]": ${range}`);
    const pinned = pinnedNode.split('.').map(Number);
    const order = pinned.map((n, i) => Math.sign(n - min[i])).find((d) => d !== 0) ?? 0;
    assert.ok(order >= 0, `.nvmrc ${pinnedNode} satisfies ${range}`);
  });

  test('.nvmrc is an LTS line (even major), and @types/node and the images follow it', () => {
    assert.match(pinnedNode, /^\d+\.\d+\.\d+$/);
    assert.equal(pinnedMajor % 2, 0, 'only even Node majors become LTS');
    assert.match(root.devDependencies?.['@types/node'] ?? '', new RegExp(`^\\^${pinnedMajor}\\.`));
    assert.match(root.packageManager ?? '', /^npm@\d+\.\d+\.\d+$/);
    const bases = [...readFileSync(`${REPO_ROOT}/Dockerfile`, 'utf8').matchAll(/^FROM (node:\S+)/gm)].map((m) => m[1]);
    assert.ok(bases.length > 0);
    for (const base of bases) assert.equal(base, `node:${pinnedMajor}-bookworm-slim`);
  });
});

/** The Dockerfile's stages by name, each with its instructions (continuation lines joined). */
function dockerStages(): Map<string, string[]> {
  const lines = readFileSync(`${REPO_ROOT}/Dockerfile`, 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const stages = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of lines) {
    const from = /^FROM \S+ AS (\S+)$/.exec(line);
    if (from) {
      current = [];
      stages.set(from[1], current);
    }
    current.push(line);
  }
  return stages;
}

/** The exec-form command of a stage's HEALTHCHECK, with `node` as its first word. */
function healthcheck(stage: string): string[] {
  const line = dockerStages()
    .get(stage)
    ?.find((l) => l.startsWith('HEALTHCHECK '));
  assert.ok(line, `stage ${stage} has a HEALTHCHECK`);
  const command = JSON.parse(line.slice(line.indexOf(' CMD ') + 5)) as string[];
  assert.equal(command[0], 'node', 'the slim image has node, not curl');
  return command;
}

/** Runs a HEALTHCHECK command (under this Node) with the given environment; its exit code. */
async function probe(command: string[], env: Record<string, string>): Promise<number> {
  try {
    await promisify(execFile)(process.execPath, command.slice(1), { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

/** A real HTTP server answering /healthz with `status` (404 elsewhere), on a free port. */
async function healthServer(status: number) {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? status : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: String((server.address() as AddressInfo).port), close: () => new Promise((r) => server.close(r)) };
}

describe('Dockerfile HEALTHCHECK', () => {
  test('the backend image probes /healthz on BACKEND_PORT, or on WORKER_HEALTH_PORT in a worker-only container', async () => {
    const command = healthcheck('backend');
    const up = await healthServer(200);
    const down = await healthServer(503);
    try {
      const codes = await Promise.all([
        probe(command, { BACKEND_PORT: up.port }),
        probe(command, { BACKEND_PORT: down.port }),
        probe(command, { BACKEND_PORT: down.port, WORKER_HEALTH_PORT: up.port }),
        probe(command, { BACKEND_PORT: up.port, WORKER_HEALTH_PORT: down.port }),
      ]);
      assert.deepEqual(codes, [0, 1, 0, 1]);
    } finally {
      await Promise.all([up.close(), down.close()]);
    }
    // Nothing listening: unhealthy, not a hang.
    assert.equal(await probe(command, { BACKEND_PORT: up.port }), 1);
  });

  test('the frontend image probes /healthz on PORT', async () => {
    const command = healthcheck('frontend');
    const up = await healthServer(200);
    const down = await healthServer(503);
    try {
      assert.deepEqual(await Promise.all([probe(command, { PORT: up.port }), probe(command, { PORT: down.port })]), [0, 1]);
    } finally {
      await Promise.all([up.close(), down.close()]);
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(`${REPO_ROOT}/docker-compose.yml`, 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        environment?: Record<string, string>;
        command?: string[];
        build?: { context: string; target: string };
        ports?: string[];
        depends_on?: Record<string, { condition: string }>;
      }
    >;
  };

  test('runs Redis (AOF, noeviction), the backend API, a scalable worker and the frontend', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['backend', 'frontend', 'redis', 'worker']);
    const redis = compose.services.redis.command!.join(' ');
    assert.match(redis, /--appendonly yes/);
    assert.match(redis, /--maxmemory-policy noeviction/);
    assert.equal(compose.services.backend.environment!.BACKEND_ROLE, 'api');
    assert.deepEqual(compose.services.worker.command, ['node', 'backend/dist/worker.js']);
    // Scaling with --scale needs a service that publishes no fixed host port.
    assert.equal(compose.services.worker.ports, undefined);
    assert.equal(compose.services.backend.ports, undefined, 'the backend is never published to the host');
  });

  test('sets only variables the tiers read, and builds stages the Dockerfile has', () => {
    const stages = [...dockerStages().keys()];
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'redis') continue;
      const vars = Object.keys(service.environment ?? {});
      const tier = name === 'frontend' ? frontendVars : backendVars;
      assert.deepEqual(
        vars.filter((v) => !tier.has(v)),
        [],
        `${name} sets unknown variables`,
      );
      if (service.build) assert.ok(stages.includes(service.build.target), `${name} builds stage ${service.build.target}`);
    }
  });

  test('the frontend starts once the backend is healthy; workers serve the health port the image probes', () => {
    assert.deepEqual(compose.services.frontend.depends_on, { backend: { condition: 'service_healthy' } });
    for (const name of ['backend', 'worker']) assert.deepEqual(compose.services[name].depends_on, { redis: { condition: 'service_healthy' } });
    // A fixed port: with 0 the worker would pick one the HEALTHCHECK cannot know.
    assert.match(compose.services.worker.environment!.WORKER_HEALTH_PORT ?? '', /^[1-9]\d*$/);
    // The backend image's HEALTHCHECK prefers WORKER_HEALTH_PORT: the API container must not set it.
    assert.equal(compose.services.backend.environment!.WORKER_HEALTH_PORT, undefined);
  });

  test('the backend may bind its container address only with the explicit opt-in', () => {
    const env = compose.services.backend.environment!;
    assert.equal(env.BACKEND_HOST, '0.0.0.0');
    assert.equal(env.BACKEND_ALLOW_NON_LOOPBACK, 'true');
  });
});
