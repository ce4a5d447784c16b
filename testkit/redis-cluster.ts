import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hasExited } from './children.js';
import { freePort } from './ports.js';
import { redisCall, startRedis, which, type RedisServer } from './redis.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** How many masters. At least 3, as `redis-cli --cluster create` requires. */
  masters?: number;
  /** Replicas per master (default 0). With 1, killing a master promotes its replica. */
  replicas?: number;
  /** How long to wait for `cluster_state:ok` on every node (default 30 s). */
  readyTimeoutMs?: number;
}

export interface RedisCluster {
  /** Comma-separated seed URLs (every node), as REDIS_URL takes them with REDIS_MODE=cluster. */
  readonly url: string;
  /** Every node, in the order given to `--cluster create` (masters first). */
  readonly nodes: readonly RedisServer[];
  /** The node that serves `key`'s slot (asks CLUSTER KEYSLOT / CLUSTER SLOTS). */
  nodeFor(key: string): Promise<RedisServer>;
  /** Resolves once every node still running reports `cluster_state:ok` (e.g. after a failover). */
  waitForOk(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their data directories. */
  stop(): Promise<void>;
}

/**
 * Starts a private Redis Cluster of `masters` masters (and `replicas` replicas each) on free loopback ports
 * (cluster bus on its own free port each, so a data port above 55535 is fine), joins them with
 * `redis-cli --cluster create`, and resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 0;
  const count = masters * (1 + replicas);
  if (masters < 3) throw new Error('startRedisCluster: a cluster needs at least 3 masters');
  const cli = which('redis-cli');
  if (!cli) throw new Error('redis-cli was not found on PATH (it ships with redis-server: apt-get install redis-server)');

  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop({ timeoutMs: 5000 }).catch(() => undefined)));
  };
  try {
    for (let i = 0; i < count; i++) {
      const busPort = await freePort();
      nodes.push(
        await startRedis({
          args: [
            '--cluster-enabled',
            'yes',
            // Relative to the node's own --dir, so nodes never share it.
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(busPort),
            '--cluster-node-timeout',
            '3000',
            // A replica always stands for election when its master dies, however long its link
            // was down: on a loaded test machine a slow sync must not veto the failover a test
            // provokes (production keeps Redis's default).
            '--cluster-replica-validity-factor',
            '0',
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    await waitForClusterOk(() => nodes, opts.readyTimeoutMs ?? 30_000);
    if (replicas > 0) await waitForReplicasInSync(nodes, opts.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url: nodes.map((n) => `redis://127.0.0.1:${n.port}`).join(','),
    nodes,
    async nodeFor(key: string) {
      const alive = nodes.find((n) => !hasExited(n.process)) ?? nodes[0];
      const slot = Number(await redisCall(alive.port, 'CLUSTER', 'KEYSLOT', key));
      const ranges = (await redisCall(alive.port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]]][];
      const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
      const node = owner && nodes.find((n) => n.port === Number(owner[2][1]));
      if (!node) throw new Error(`no node serves slot ${slot} of ${key}`);
      return node;
    },
    waitForOk: (timeoutMs = 30_000) => waitForClusterOk(() => nodes.filter((n) => !hasExited(n.process)), timeoutMs),
    stop,
  };
}

async function waitForClusterOk(nodes: () => RedisServer[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const states = await Promise.all(
      nodes().map(async (n) => /cluster_state:(\w+)/.exec(String(await redisCall(n.port, 'CLUSTER', 'INFO').catch((e: Error) => e.message)))?.[1] ?? '?'),
    );
    last = states.join(',');
    if (states.every((s) => s === 'ok')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Redis Cluster not ok within ${timeoutMs} ms (states: ${last})`);
}

/** Every replica has finished its initial sync (a replica still syncing cannot take over). */
async function waitForReplicasInSync(nodes: RedisServer[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const infos = await Promise.all(nodes.map((n) => redisCall(n.port, 'INFO', 'replication').then(String, (e: Error) => e.message)));
    const replicas = infos.filter((i) => /role:slave/.test(i));
    last = replicas.map((i) => /master_link_status:(\w+)/.exec(i)?.[1] ?? '?').join(',');
    if (replicas.length > 0 && replicas.every((i) => /master_link_status:up/.test(i) && /master_sync_in_progress:0/.test(i))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Redis Cluster replicas not in sync within ${timeoutMs} ms (links: ${last})`);
}
