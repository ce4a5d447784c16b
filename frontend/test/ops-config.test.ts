/** The frontend's ops settings: defaults, parsing, refusals. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig as loadFrontendConfig } from '../src/server/config.js';

describe('frontend ops settings', () => {
  test('defaults, values, and the backend readiness URL derived from the upstream', () => {
    const d = loadFrontendConfig({});
    assert.deepEqual(d.ops, { logLevel: 'info', logFormat: undefined, metricsToken: undefined });
    assert.equal(d.backendReadyUrl, 'http://127.0.0.1:4000/readyz');
    const c = loadFrontendConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json', METRICS_TOKEN: 'x'.repeat(20), BACKEND_URL: 'http://backend:4100/graphql' });
    assert.deepEqual(c.ops, { logLevel: 'warn', logFormat: 'json', metricsToken: 'x'.repeat(20) });
    assert.equal(c.backendReadyUrl, 'http://backend:4100/readyz');
    assert.throws(() => loadFrontendConfig({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN/);
    assert.throws(() => loadFrontendConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  });
});
