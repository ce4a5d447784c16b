/**
 * Smoke of `npm run bench`: a tiny run of the real thing (its own Redis, the built backend,
 * worker and frontend, the raw baselines, load-client processes) that must produce a well-formed
 * table with every metric. No goal is asserted: at this size and on a shared machine the numbers
 * mean nothing; the benchmark proper is `npm run bench`, never part of `npm test`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../testkit/index.js';

const METRICS = [
  'latency_p50',
  'latency_p99',
  'cpu_event_backend',
  'cpu_event_frontend',
  'cpu_event_redis',
  'latency_p50_spread',
  'latency_p50_at_redis',
  'latency_p50_at_backend',
  'timeline_latency_p50',
  'timeline_latency_p99',
  'timeline_redis_us_write',
  'timeline_cpu_event_redis',
  'timeline_latency_p50_at_redis',
  'timeline_memory_task',
  'delivered_big',
  'latency_p99_big',
  'latency_p50_big',
  'throughput_full_path',
  'cpu_task_full_path',
  'cpu_task_load_client',
  'cpu_floor_http',
  'cpu_floor_ws',
  'throughput_full_path_ceiling',
  'throughput_drain',
  'frontend_heap',
  'frontend_rss',
  'backend_heap',
  'cancel_p99',
  'cancel_p50',
  'setup_rate',
  'upstream_sockets',
  // Issue 17: the peers users copy from the docs (bench/peers/).
  'peer_nest_filter_latency_p50',
  'peer_nest_filter_latency_p99',
  'peer_nest_filter_cpu_event',
  'peer_nest_filter_latency_p50_big',
  'peer_nest_filter_latency_p99_big',
  'peer_nest_filter_cpu_event_big',
  'peer_nest_filter_throughput_full_path',
  'peer_nest_filter_rss_sub',
  'peer_stitched_yoga_latency_p50',
  'peer_stitched_yoga_latency_p99',
  'peer_stitched_yoga_cpu_event',
  'peer_stitched_yoga_latency_p50_big',
  'peer_stitched_yoga_latency_p99_big',
  'peer_stitched_yoga_cpu_event_big',
  'peer_stitched_yoga_throughput_full_path',
  'peer_stitched_yoga_rss_sub',
  // Redis per task (bench/redis-cost.ts) and the retained task's parts.
  'retained_record',
  'retained_timeline',
  'retained_job',
  'redis_commands_task',
  'redis_scripts_task',
  'redis_bytes_in_task',
  'redis_bytes_out_task',
  'redis_cpu_task',
  'redis_tasks_per_master',
  'redis_commands_task_1s',
  'redis_bytes_task_1s',
  'redis_cpu_task_1s',
  'redis_tasks_per_master_1s',
  // The new features' cost (bench/features.ts).
  'log_latency_p50',
  'log_latency_p99',
  'timeline_append_log_us',
  'log_cpu_line',
  'log_max_rate',
  'updates_latency_p50',
  'updates_latency_p99',
  'updates_cpu_event',
  'shared_latency_p50',
  'shared_latency_p99',
  'shared_latency_last',
  'shared_cpu_delivery',
  'shared_frontend_heap',
  'shared_backend_heap',
  'shared_idle_cpu',
];
/** Rows without a baseline of their own (absolute goals). */
const NO_BASELINE = new Set([
  'cancel_p99',
  'cancel_p50',
  'latency_p50_at_backend',
  'cpu_floor_http',
  'cpu_floor_ws',
  'retained_record',
  'retained_timeline',
  'retained_job',
  'redis_commands_task_1s',
  'redis_bytes_task_1s',
  'redis_cpu_task_1s',
  'redis_tasks_per_master_1s',
  'shared_idle_cpu',
]);

test('npm run bench -- --smoke produces a well-formed table with every metric', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  const out = join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'bench/run.ts', '--smoke', '--out', out], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 540_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, `bench --smoke exited ${code}:\n${output.slice(-4000)}`);

    const result = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(result.mode, 'smoke');
    assert.ok(result.machine.nproc >= 1 && typeof result.machine.node === 'string');
    assert.deepEqual(result.rows.map((r: { id: string }) => r.id).sort(), [...METRICS].sort());
    for (const row of result.rows) {
      assert.equal(typeof row.metric, 'string', row.id);
      assert.equal(typeof row.goal, 'string', row.id);
      assert.equal(typeof row.pass, 'boolean', row.id);
      assert.ok(typeof row.system === 'number' && Number.isFinite(row.system), `${row.id}: system ${row.system}`);
      if (!NO_BASELINE.has(row.id)) assert.ok(typeof row.baseline === 'number' && Number.isFinite(row.baseline), `${row.id}: baseline ${row.baseline}`);
    }
    // The printed table names every metric too.
    for (const row of result.rows) assert.ok(output.includes(row.metric), `table lacks ${row.metric}`);
    // Every event of the tiny run reached its subscriber, through both tiers and the raw chain.
    const delivered = result.rows.find((r: { id: string }) => r.id === 'delivered_big');
    assert.equal(delivered.system, 100);
    assert.equal(delivered.baseline, 100);
    // Every log line, list change and shared-link delivery of the tiny run arrived too.
    for (const part of ['logs', 'list', 'shared'] as const) {
      const trials = Object.values(result.raw.features[part]).filter(Array.isArray).flat() as Array<{ delivered: number; expected: number; refused: number }>;
      assert.ok(trials.length > 0, part);
      for (const t of trials) {
        assert.equal(t.refused, 0, `${part}: ${t.refused} writes refused`);
        assert.ok(t.expected > 0 && t.delivered === t.expected, `${part}: ${t.delivered} of ${t.expected} delivered`);
      }
    }
    // Redis's counters moved: every task ran commands and cost its main thread some CPU.
    const commands = result.rows.find((r: { id: string }) => r.id === 'redis_commands_task');
    assert.ok(commands.system > 0 && commands.baseline > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
