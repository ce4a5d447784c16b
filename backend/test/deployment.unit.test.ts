import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
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

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(`${REPO_ROOT}/docker-compose.yml`, 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; command?: string[]; build?: { context: string; target: string }; ports?: string[] }>;
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
    const stages = [...readFileSync(`${REPO_ROOT}/Dockerfile`, 'utf8').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'redis') continue;
      const vars = Object.keys(service.environment ?? {});
      const tier = name === 'frontend' ? frontendVars : backendVars;
      assert.deepEqual(vars.filter((v) => !tier.has(v)), [], `${name} sets unknown variables`);
      if (service.build) assert.ok(stages.includes(service.build.target), `${name} builds stage ${service.build.target}`);
    }
  });

  test('the backend may bind its container address only with the explicit opt-in', () => {
    const env = compose.services.backend.environment!;
    assert.equal(env.BACKEND_HOST, '0.0.0.0');
    assert.equal(env.BACKEND_ALLOW_NON_LOOPBACK, 'true');
  });
});
