import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { loadConfig } from '../src/config/config.js';
import { bullConnection, closeBullClients, createRedisClient } from '../src/redis/redis-connection.js';

// Nothing listens on port 1: clients are built, never used, and closed at once.
describe('Redis connections per REDIS_MODE', () => {
  test('single: a Redis to the URL; BullMQ gets options (blocking-safe, named)', () => {
    const config = loadConfig({ REDIS_URL: 'redis://:pw@127.0.0.1:1/2' });
    const client = createRedisClient(config, { lazyConnect: true, connectionName: 'x' });
    assert.ok(client instanceof Redis);
    assert.equal(client.options.port, 1);
    assert.equal(client.options.db, 2);
    assert.equal(client.options.password, 'pw');
    client.disconnect();
    const bull = bullConnection(config, 'longrun:bull') as Record<string, unknown>;
    assert.equal(bull.port, 1);
    assert.equal(bull.maxRetriesPerRequest, null, 'BullMQ refuses blocking clients that give up');
    assert.equal(bull.connectionName, 'longrun:bull');
  });

  test('sentinel: asks the Sentinels for the named master and watches for failovers', () => {
    const config = loadConfig({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: '127.0.0.1:1', REDIS_SENTINEL_NAME: 'm', REDIS_URL: 'redis://:pw@x' });
    const bull = bullConnection(config, 'longrun:bull') as Record<string, unknown>;
    assert.deepEqual(bull.sentinels, [{ host: '127.0.0.1', port: 1 }]);
    assert.equal(bull.name, 'm');
    assert.equal(bull.password, 'pw');
    assert.equal(bull.sentinelPassword, 'pw');
    assert.equal(bull.failoverDetector, true);
    assert.equal(bull.maxRetriesPerRequest, null);
  });

  test('cluster: Cluster clients from the seeds, for commands and for BullMQ (closed by closeBullClients)', async () => {
    const config = loadConfig({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://:pw@127.0.0.1:1,127.0.0.1:2' });
    const client = createRedisClient(config, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    assert.ok(client instanceof Cluster);
    assert.equal(client.options.enableOfflineQueue, false, 'fail fast is a cluster-level option');
    assert.equal(client.options.redisOptions?.maxRetriesPerRequest, 1);
    assert.equal(client.options.redisOptions?.password, 'pw');
    client.disconnect();
    const bull = bullConnection(config, 'longrun:bull');
    assert.ok(bull instanceof Cluster, 'BullMQ takes a cluster only as an instance');
    assert.equal(bull.options.redisOptions?.maxRetriesPerRequest, null);
    await closeBullClients();
  });
});
