/** The backend's ops settings: defaults, parsing, refusals. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@longrun/server-common';
import { loadConfig } from '../src/config/config.js';

describe('backend ops settings', () => {
  test('defaults: info level, format decided at start, no worker listener, open metrics, closed dashboard', () => {
    assert.deepEqual(loadConfig({}).ops, {
      logLevel: 'info',
      logFormat: undefined,
      workerHealthPort: undefined,
      metricsToken: undefined,
      adminPassword: undefined,
    });
  });

  test('parsed values', () => {
    const c = loadConfig({ LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty', WORKER_HEALTH_PORT: '0', METRICS_TOKEN: 'm'.repeat(16), ADMIN_PASSWORD: 'p'.repeat(12) });
    assert.deepEqual(c.ops, { logLevel: 'debug', logFormat: 'pretty', workerHealthPort: 0, metricsToken: 'm'.repeat(16), adminPassword: 'p'.repeat(12) });
    assert.equal(loadConfig({ WORKER_HEALTH_PORT: '9464' }).ops.workerHealthPort, 9464);
    assert.equal(loadConfig({ WORKER_HEALTH_PORT: '' }).ops.workerHealthPort, undefined, 'empty means unset');
  });

  for (const [variable, value] of [
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['WORKER_HEALTH_PORT', '70000'],
    ['WORKER_HEALTH_PORT', 'abc'],
    ['METRICS_TOKEN', 'short'],
    ['ADMIN_PASSWORD', 'short'],
  ] as const) {
    test(`refuses ${variable}=${value}`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (e: unknown) => e instanceof ConfigError && e.message.includes(variable),
      );
    });
  }
});
