/** The harness itself: private Redis servers, service start-up failures, bounded stops. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { freePort, killAllChildren, liveChildren, redisCall, redisHash, spawnService, startBackend, startRedis } from '../index.js';

after(killAllChildren);

describe('testkit', () => {
  test('freePort gives usable unprivileged ports, never 6379', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const p of ports) {
      assert.ok(p > 1024 && p < 65536);
      assert.notEqual(p, 6379);
    }
  });

  test('startRedis: private, answers, stops, cleans up', async () => {
    const redis = await startRedis();
    assert.notEqual(redis.port, 6379);
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
    assert.equal(await redisCall(redis.port, 'PING'), 'PONG');
    assert.equal(await redisCall(redis.url, 'CONFIG', 'GET', 'appendonly').then((r) => (r as string[])[1]), 'no');
    assert.deepEqual(await redisCall(redis.port, 'CONFIG', 'GET', 'save'), ['save', '']);
    await redisCall(redis.port, 'HSET', 'h', 'a', '1', 'b', 'two words');
    assert.deepEqual(await redisHash(redis.port, 'h'), { a: '1', b: 'two words' });
    await assert.rejects(redisCall(redis.port, 'NOSUCHCOMMAND'), /unknown command/i);
    const status = await redis.stop();
    assert.equal(status.forced, false);
    assert.equal(existsSync(redis.dir), false, 'its temp dir is removed');
    await assert.rejects(redisCall(redis.port, 'PING'), 'nothing answers after stop');
  });

  test('startRedis with AOF keeps data across restart() on the same port', async () => {
    const redis = await startRedis({ aof: true });
    await redisCall(redis.port, 'SET', 'k', 'survives');
    const before = redis.process.pid;
    await redis.restart({ downMs: 100 });
    assert.notEqual(redis.process.pid, before);
    assert.equal(await redisCall(redis.port, 'GET', 'k'), 'survives');
    await redis.stop();
  });

  test('startRedis refuses port 6379 and says clearly when redis-server is missing', async () => {
    await assert.rejects(startRedis({ port: 6379 }), /6379/);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(startRedis(), /redis-server was not found on PATH/);
    } finally {
      process.env.PATH = path;
    }
  });

  test('spawnService: ready line, captured output, and a bounded stop that escalates to SIGKILL', async () => {
    const script = `console.log('warming up'); process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      setTimeout(() => console.log('ready on http://127.0.0.1:1234'), 50); setInterval(() => {}, 1000);`;
    const svc = await spawnService(process.execPath, ['-e', script], { SOME_VAR: 'x' }, /ready on (\S+)/, { readyTimeoutMs: 5000 });
    assert.equal(svc.ready[1], 'http://127.0.0.1:1234');
    assert.match(svc.logs.text(), /warming up/);
    const stopped = await svc.stop({ timeoutMs: 300 });
    assert.equal(stopped.forced, true);
    assert.equal(stopped.signal, 'SIGKILL');
  });

  test('spawnService: exiting or hanging before ready rejects with the output, and leaves nothing running', async () => {
    const base = liveChildren();
    await assert.rejects(
      spawnService(process.execPath, ['-e', "console.error('boom'); process.exit(3)"], {}, /ready/, { printLogsOnFailure: false }),
      (e: Error) => /exited \(code 3/.test(e.message) && /boom/.test(e.message),
    );
    await assert.rejects(
      spawnService(process.execPath, ['-e', "console.log('slow'); setInterval(() => {}, 1000)"], {}, /ready/, {
        readyTimeoutMs: 300,
        printLogsOnFailure: false,
      }),
      (e: Error) => /no line matching/.test(e.message) && /slow/.test(e.message),
    );
    assert.equal(liveChildren(), base);
  });

  test('startBackend: a refused configuration fails fast with the reason', async () => {
    await assert.rejects(
      startBackend(
        { REDIS_URL: 'redis://127.0.0.1:1', TASK_MIN_DURATION_MS: '5', TASK_MAX_DURATION_MS: '1' },
        { printLogsOnFailure: false, readyTimeoutMs: 10_000 },
      ),
      (e: Error) => /TASK_MIN_DURATION_MS/.test(e.message),
    );
    assert.equal(liveChildren(), 0);
  });
});
