import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@longrun/server-common';
import { loadConfig } from '../src/config/config.js';

const TOKEN = 'a-long-enough-internal-token';

/** Asserts that `env` is refused with a ConfigError naming `variable`. */
function refused(env: Record<string, string>, variable: string, message?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.match(error.message, new RegExp(`\\b${variable}\\b`), `the message should name ${variable}: ${error.message}`);
      if (message) assert.match(error.message, message);
      return true;
    },
    `${JSON.stringify(env)} should be refused`,
  );
}

describe('loadConfig', () => {
  test('defaults', () => {
    const c = loadConfig({});
    assert.equal(c.env, 'development');
    assert.equal(c.role, 'all');
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 4000);
    assert.equal(c.prefix, 'longrun');
    assert.deepEqual(c.task, {
      minDurationMs: 1000,
      maxDurationMs: 10_000,
      failureRate: 0.1,
      seed: undefined,
      retentionS: 86_400,
      maxAttempts: 1,
      retryDelayMs: 1000,
      fileMaxBytes: 5 * 1024 * 1024,
      logLinesPerTask: 500,
    });
    assert.equal(c.worker.concurrency, 50);
    assert.ok(c.worker.lockDurationMs >= 1000);
    assert.ok(c.worker.stalledIntervalMs >= 1000);
    assert.ok(c.cancelTimeoutMs > 0);
    assert.equal(c.introspection, true, 'introspection is a development feature');
  });

  test('a missing token is generated in development, random and long', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    assert.equal(a.internalTokenGenerated, true);
    assert.ok(a.internalToken.length >= 32);
    assert.notEqual(a.internalToken, b.internalToken);
    const given = loadConfig({ INTERNAL_API_TOKEN: TOKEN });
    assert.equal(given.internalToken, TOKEN);
    assert.equal(given.internalTokenGenerated, false);
  });

  test('reads every knob', () => {
    const c = loadConfig({
      NODE_ENV: 'test',
      BACKEND_ROLE: 'worker',
      BACKEND_PORT: '0',
      REDIS_URL: 'redis://127.0.0.1:6390/2',
      REDIS_PREFIX: 'lr-test_1',
      INTERNAL_API_TOKEN: TOKEN,
      TASK_MIN_DURATION_MS: '200',
      TASK_MAX_DURATION_MS: '600',
      TASK_FAILURE_RATE: '0.5',
      TASK_RANDOM_SEED: 'abc',
      TASK_RETENTION_S: '60',
      WORKER_CONCURRENCY: '3',
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '500',
      TASK_STALL_TIMEOUT_MS: '4000',
      CANCEL_TIMEOUT_MS: '2000',
    });
    assert.equal(c.env, 'test');
    assert.equal(c.role, 'worker');
    assert.equal(c.port, 0, 'port 0 (any free port) is allowed');
    assert.deepEqual(c.redis.nodes, [{ host: '127.0.0.1', port: 6390 }]);
    assert.equal(c.redis.db, 2);
    assert.equal(c.prefix, 'lr-test_1');
    assert.deepEqual(c.task, { ...c.task, minDurationMs: 200, maxDurationMs: 600, failureRate: 0.5, seed: 'abc', retentionS: 60 });
    assert.deepEqual(c.worker, { concurrency: 3, lockDurationMs: 1000, stalledIntervalMs: 500, stallTimeoutMs: 4000, shutdownGraceMs: 5600 });
    assert.equal(c.cancelTimeoutMs, 2000);
  });

  test('the shutdown grace defaults to TASK_MAX_DURATION_MS + 5 s, and can be set on its own (at least 1 s)', () => {
    assert.equal(loadConfig({}).worker.shutdownGraceMs, 15000);
    assert.equal(loadConfig({ TASK_MAX_DURATION_MS: '60000', SHUTDOWN_GRACE_MS: '30000' }).worker.shutdownGraceMs, 30000);
    refused({ SHUTDOWN_GRACE_MS: '10' }, 'SHUTDOWN_GRACE_MS');
  });

  test('min = max is allowed, min > max is refused', () => {
    assert.equal(loadConfig({ TASK_MIN_DURATION_MS: '500', TASK_MAX_DURATION_MS: '500' }).task.maxDurationMs, 500);
    refused({ TASK_MIN_DURATION_MS: '2000', TASK_MAX_DURATION_MS: '1000' }, 'TASK_MIN_DURATION_MS');
    // Against the defaults too (max defaults to 10000).
    refused({ TASK_MIN_DURATION_MS: '20000' }, 'TASK_MIN_DURATION_MS');
  });

  test('loopback hosts are accepted; anything else needs the explicit opt-in', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost']) assert.equal(loadConfig({ BACKEND_HOST: host }).host, host);
    for (const host of ['0.0.0.0', '10.0.0.5', '::', 'example.com']) refused({ BACKEND_HOST: host }, 'BACKEND_HOST', /loopback/);
    refused({ BACKEND_HOST: '0.0.0.0', BACKEND_ALLOW_NON_LOOPBACK: 'false' }, 'BACKEND_HOST');
    assert.equal(loadConfig({ BACKEND_HOST: '0.0.0.0', BACKEND_ALLOW_NON_LOOPBACK: 'true' }).host, '0.0.0.0');
    assert.equal(loadConfig({ BACKEND_HOST: '0.0.0.0', BACKEND_ALLOW_NON_LOOPBACK: '1' }).host, '0.0.0.0');
    refused({ BACKEND_HOST: '0.0.0.0', BACKEND_ALLOW_NON_LOOPBACK: 'yes' }, 'BACKEND_ALLOW_NON_LOOPBACK');
  });

  test('production requires a token and turns introspection off by default', () => {
    refused({ NODE_ENV: 'production' }, 'INTERNAL_API_TOKEN', /production/);
    const c = loadConfig({ NODE_ENV: 'production', INTERNAL_API_TOKEN: TOKEN });
    assert.equal(c.internalToken, TOKEN);
    assert.equal(c.internalTokenGenerated, false);
    assert.equal(c.introspection, false);
    assert.equal(loadConfig({ NODE_ENV: 'production', INTERNAL_API_TOKEN: TOKEN, GRAPHQL_INTROSPECTION: 'true' }).introspection, true);
    assert.equal(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).introspection, false);
  });

  test('a short token is refused', () => {
    refused({ INTERNAL_API_TOKEN: 'short' }, 'INTERNAL_API_TOKEN');
    refused({ INTERNAL_API_TOKEN: 'x'.repeat(15) }, 'INTERNAL_API_TOKEN');
    assert.equal(loadConfig({ INTERNAL_API_TOKEN: 'x'.repeat(16) }).internalToken, 'x'.repeat(16));
  });

  test('bad numbers are refused', () => {
    refused({ BACKEND_PORT: 'abc' }, 'BACKEND_PORT');
    refused({ BACKEND_PORT: '-1' }, 'BACKEND_PORT');
    refused({ BACKEND_PORT: '65536' }, 'BACKEND_PORT');
    refused({ BACKEND_PORT: '80.5' }, 'BACKEND_PORT');
    refused({ TASK_MIN_DURATION_MS: 'soon' }, 'TASK_MIN_DURATION_MS');
    refused({ TASK_MAX_DURATION_MS: '-5' }, 'TASK_MAX_DURATION_MS');
    refused({ TASK_FAILURE_RATE: '1.5' }, 'TASK_FAILURE_RATE');
    refused({ TASK_FAILURE_RATE: '-0.1' }, 'TASK_FAILURE_RATE');
    refused({ TASK_FAILURE_RATE: 'often' }, 'TASK_FAILURE_RATE');
    refused({ TASK_RETENTION_S: '0' }, 'TASK_RETENTION_S');
    refused({ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY');
    refused({ WORKER_CONCURRENCY: '2.5' }, 'WORKER_CONCURRENCY');
    refused({ WORKER_LOCK_DURATION_MS: '10' }, 'WORKER_LOCK_DURATION_MS');
    refused({ WORKER_STALLED_INTERVAL_MS: '10' }, 'WORKER_STALLED_INTERVAL_MS');
    refused({ CANCEL_TIMEOUT_MS: '1' }, 'CANCEL_TIMEOUT_MS');
    // The edges of the failure rate are fine.
    assert.equal(loadConfig({ TASK_FAILURE_RATE: '0' }).task.failureRate, 0);
    assert.equal(loadConfig({ TASK_FAILURE_RATE: '1' }).task.failureRate, 1);
  });

  test('bad names and URLs are refused', () => {
    refused({ BACKEND_ROLE: 'both' }, 'BACKEND_ROLE');
    refused({ NODE_ENV: 'staging' }, 'NODE_ENV');
    refused({ REDIS_URL: 'not a url' }, 'REDIS_URL');
    refused({ REDIS_PREFIX: 'has space' }, 'REDIS_PREFIX');
    refused({ REDIS_PREFIX: 'a:b' }, 'REDIS_PREFIX');
    refused({ REDIS_PREFIX: 'x'.repeat(41) }, 'REDIS_PREFIX');
  });

  test('an empty variable means unset: it gets the default', () => {
    assert.equal(loadConfig({ TASK_RANDOM_SEED: '' }).task.seed, undefined);
    assert.equal(loadConfig({ BACKEND_PORT: '' }).port, 4000);
    assert.equal(loadConfig({ INTERNAL_API_TOKEN: '' }).internalTokenGenerated, true);
  });

  test('every problem is listed at once', () => {
    assert.throws(
      () => loadConfig({ BACKEND_PORT: 'x', TASK_FAILURE_RATE: '2', WORKER_CONCURRENCY: '0' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const v of ['BACKEND_PORT', 'TASK_FAILURE_RATE', 'WORKER_CONCURRENCY']) assert.match(error.message, new RegExp(v));
        return true;
      },
    );
  });

  test('Redis topology: single by default, a cluster from a seed list, Sentinel by name', () => {
    assert.deepEqual(loadConfig({}).redis, {
      mode: 'single',
      nodes: [{ host: '127.0.0.1', port: 6379 }],
      sentinelName: undefined,
      username: undefined,
      password: undefined,
      db: undefined,
      tls: false,
    });
    const single = loadConfig({ REDIS_URL: 'rediss://app:s%40cret@redis.internal:6380/3' }).redis;
    assert.deepEqual(single, {
      mode: 'single',
      nodes: [{ host: 'redis.internal', port: 6380 }],
      sentinelName: undefined,
      username: 'app',
      password: 's@cret',
      db: 3,
      tls: true,
    });
    const cluster = loadConfig({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://:pw@10.0.0.1:7000, 10.0.0.2:7001,redis://10.0.0.3' }).redis;
    assert.equal(cluster.mode, 'cluster');
    assert.deepEqual(cluster.nodes, [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '10.0.0.3', port: 6379 },
    ]);
    assert.equal(cluster.password, 'pw', 'credentials come from the first seed');
    assert.equal(cluster.db, undefined);
    const sentinel = loadConfig({
      REDIS_MODE: 'sentinel',
      REDIS_URL: 'redis://:pw@ignored/1',
      REDIS_SENTINELS: 's1:26379,s2:26380',
      REDIS_SENTINEL_NAME: 'longrun-master',
    }).redis;
    assert.deepEqual(sentinel, {
      mode: 'sentinel',
      nodes: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      sentinelName: 'longrun-master',
      username: undefined,
      password: 'pw',
      db: 1,
      tls: false,
    });
    assert.equal(loadConfig({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's1:26379' }).redis.sentinelName, 'mymaster');
  });

  test('bad Redis topologies are refused', () => {
    refused({ REDIS_MODE: 'sharded' }, 'REDIS_MODE');
    refused({ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL', /redis:\/\//);
    refused({ REDIS_URL: 'redis://a:1,redis://b:2' }, 'REDIS_URL', /REDIS_MODE=cluster/);
    refused({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://a:1/2,redis://b:2' }, 'REDIS_URL', /database 0/);
    refused({ REDIS_MODE: 'cluster', REDIS_URL: ' , ' }, 'REDIS_URL', /empty/);
    refused({ REDIS_URL: 'redis://a:1/x' }, 'REDIS_URL', /not a number/);
    refused({ REDIS_MODE: 'sentinel' }, 'REDIS_SENTINELS', /required/);
    refused({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 'http://s1:1' }, 'REDIS_SENTINELS');
  });

  test('unknown variables are ignored (the whole process environment is passed in)', () => {
    assert.equal(loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' }).port, 4000);
  });
});
