import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogCapture, stopChild, track } from './children.js';
import { freePort } from './ports.js';
import { redisCall, startRedis, which, type RedisServer } from './redis.js';
import { waitUntil } from './wait.js';

export interface RedisSentinelSetup {
  /** The master's name the Sentinel monitors (REDIS_SENTINEL_NAME). */
  readonly name: string;
  /** `127.0.0.1:PORT` of the Sentinel (REDIS_SENTINELS). */
  readonly sentinels: string;
  readonly sentinelPort: number;
  /** The data servers: [initial master, replica]. */
  readonly servers: readonly RedisServer[];
  readonly sentinelLogs: LogCapture;
  /** The port of the server the Sentinel currently calls master. */
  masterPort(): Promise<number>;
  /**
   * Has the Sentinel promote the replica (SENTINEL FAILOVER) and resolves once the Sentinel
   * names the new master and that server says it is a master.
   */
  failover(timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica and one Sentinel (quorum 1) on free loopback ports, for testing
 * REDIS_MODE=sentinel. Resolves once the Sentinel knows the master and the replica is in sync.
 */
export async function startRedisSentinel(opts: { name?: string } = {}): Promise<RedisSentinelSetup> {
  const bin = which('redis-server');
  if (!bin) throw new Error('redis-server was not found on PATH');
  const name = opts.name ?? 'longrun-test';
  const servers: RedisServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'longrun-sentinel-'));
  let stopSentinel: () => Promise<unknown> = async () => undefined;
  const stop = async () => {
    await stopSentinel();
    await Promise.all(servers.map((s) => s.stop({ timeoutMs: 5000 }).catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const master = await startRedis();
    servers.push(master);
    servers.push(await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] }));
    await waitUntil(async () => /master_link_status:up/.test(String(await redisCall(servers[1].port, 'INFO', 'replication'))), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'the replica to sync',
    });

    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    // Sentinel rewrites its config file, so it must be writable and its own.
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} 2000`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'),
    );
    const child = spawn(bin, [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    const logs = new LogCapture(`sentinel:${port}`);
    logs.attach(child);
    stopSentinel = () => stopChild(child, { timeoutMs: 5000 });

    const masterPort = async () => {
      const addr = (await redisCall(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string] | null;
      if (!addr) throw new Error(`the Sentinel does not know ${name}`);
      return Number(addr[1]);
    };
    await waitUntil(async () => (await masterPort().catch(() => 0)) === master.port, { timeoutMs: 15_000, intervalMs: 200, what: 'the Sentinel to answer' });
    // A failover needs the Sentinel to have discovered the replica.
    await waitUntil(async () => ((await redisCall(port, 'SENTINEL', 'REPLICAS', name)) as unknown[]).length > 0, {
      timeoutMs: 20_000,
      intervalMs: 200,
      what: 'the Sentinel to discover the replica',
    });

    return {
      name,
      sentinels: `127.0.0.1:${port}`,
      sentinelPort: port,
      servers,
      sentinelLogs: logs,
      masterPort,
      async failover(timeoutMs = 30_000) {
        const before = await masterPort();
        await redisCall(port, 'SENTINEL', 'FAILOVER', name);
        let promoted = 0;
        await waitUntil(
          async () => {
            promoted = await masterPort();
            if (promoted === before) return false;
            return /role:master/.test(String(await redisCall(promoted, 'INFO', 'replication')));
          },
          { timeoutMs, intervalMs: 200, what: 'the failover' },
        );
        return promoted;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
