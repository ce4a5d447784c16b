/**
 * `npm run test:soak -- --minutes N [--seed S]`: the scaled-out stack under a steady
 * browser-like workload while the nemesis applies a seeded fault schedule; then everything is
 * healed and the history checker judges what every client saw. Prints what it did and saw,
 * writes the report to soak/out/, and exits 1 on any violation (2 on bad arguments).
 * See docs/testing.md#the-soak.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { disposeAllClients, isFinal, killAllChildren, REPO_ROOT, sleep } from '../testkit/index.js';
import { check, History, readStored, type Stored, type Violation } from '../faults/history.js';
import { activeJobIds, stuckBoundMs } from '../faults/stack.js';
import { describeFault, FAULT_KINDS, runSchedule, schedule, type FaultRun } from './nemesis.js';
import { startSoakStack } from './stack.js';
import { Workload, WORKLOAD_DEFAULTS } from './workload.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    seed: { type: 'string' },
    clients: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const clients = values.clients === undefined ? WORKLOAD_DEFAULTS.clients : Number(values.clients);
if (!(minutes > 0) || !Number.isInteger(seed) || seed < 0 || !Number.isInteger(clients) || clients < 1) {
  console.error('usage: npm run test:soak -- --minutes N [--seed S] [--clients K] (N > 0; S ≥ 0 and K ≥ 1 integers)');
  process.exit(2);
}

// A rejection nobody handled (a client library's) is reported, not a crash of the whole soak.
const unhandled: string[] = [];
process.on('unhandledRejection', (reason) => {
  const what =
    reason instanceof Error
      ? (reason.stack ?? reason.message)
      : `${Object.prototype.toString.call(reason)} ${JSON.stringify(reason, Object.getOwnPropertyNames(reason ?? {}))}`;
  unhandled.push(what);
  console.log(`[soak] unhandled rejection: ${what}`);
});

const started = Date.now();
const log = (line: string) => console.log(`[soak] ${line}`);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

const faults = schedule(seed, minutes);
log(`seed ${seed}, ${minutes} min (replay: npm run test:soak -- --minutes ${minutes} --seed ${seed})`);
log(`schedule: ${faults.length} faults`);
for (const f of faults) log(`  #${f.n} +${(f.at / 1000).toFixed(1)} s  ${describeFault(f)}`);

const stack = await startSoakStack(log);
log(`stack up in ${elapsed()}: 2 frontends, 2 APIs, 2 workers, Redis (${stack.redis.url}), 6 proxies`);
const history = new History();
const workload = new Workload(history, stack.frontendUrls, { ...WORKLOAD_DEFAULTS, clients, seed });

let violations: Violation[] = [];
const problems: string[] = [];
let runs: FaultRun[] = [];
let report: Record<string, unknown> = {};
try {
  const t0 = Date.now();
  workload.start();
  const stopFaults = new AbortController();
  const nemesis = runSchedule(faults, stack.targets, t0, { log, stop: stopFaults.signal });
  const loadEnd = t0 + minutes * 60_000;
  while (Date.now() < loadEnd) {
    await sleep(Math.min(15_000, loadEnd - Date.now()));
    const subs = workload.followed();
    log(`${elapsed()}: ${history.created.size} tasks, ${subs.filter((s) => !s.record.ended).length} watched live, ${workload.resyncs()} resyncs`);
  }
  // The end: no new action, every fault still on healed at once, everything running again.
  workload.halt();
  stopFaults.abort();
  runs = await nemesis;
  await stack.healAll();
  const healedAt = Date.now();
  await workload.stop();
  log(`${elapsed()}: workload stopped, everything healed; waiting for every task to end`);
  const ids = history.taskIds;
  const atHeal = await readStored(stack.redis.port, stack.env.prefix, ids);
  const liveAtHeal = ids.filter((id) => {
    const r = atHeal.get(id);
    return r && !isFinal(r.status);
  });
  // The bound: the documented stuck bound, plus the backlog at 8 slots per worker (≤ 2.5 s tasks).
  const boundMs = stuckBoundMs() + Math.ceil(liveAtHeal.length / 16) * 3000 + 30_000;
  const finalAt = new Map<string, number>();
  let stored: Stored = atHeal;
  for (;;) {
    const pending = ids.filter((id) => !finalAt.has(id));
    stored = new Map([...stored, ...(await readStored(stack.redis.port, stack.env.prefix, pending))]);
    const now = Date.now();
    for (const id of pending) {
      const r = stored.get(id);
      if (r && isFinal(r.status)) finalAt.set(id, now - healedAt);
    }
    if (finalAt.size === ids.length || now - healedAt > boundMs) break;
    await sleep(250);
  }
  const storedAllFinalMs = Date.now() - healedAt;
  const subs = workload.followed();
  const subDeadline = healedAt + boundMs;
  while (subs.some((s) => !s.record.ended) && Date.now() < subDeadline) await sleep(250);
  const watchersAllFinalMs = Date.now() - healedAt;
  // When a watcher first saw each task final.
  const seenFinalAt = new Map<string, number>();
  for (const s of subs) {
    const at = s.record.events.find((e) => isFinal(e.task.status))?.at;
    if (at !== undefined && at < (seenFinalAt.get(s.record.taskId) ?? Number.POSITIVE_INFINITY)) seenFinalAt.set(s.record.taskId, at);
  }
  const watcherTimes = liveAtHeal.map((id) => Math.max(0, (seenFinalAt.get(id) ?? Number.POSITIVE_INFINITY) - healedAt)).sort((a, b) => a - b);
  const taskTimes = liveAtHeal.map((id) => finalAt.get(id) ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  // Per heal of each fault: how long until every task acknowledged before it, and live at it,
  // was seen final. A task no watcher saw final (a delivery violation, reported as such) is
  // left out, or one such task would make every later heal "never".
  const perHeal = runs
    .filter((r) => r.endedAt !== undefined)
    .map((r) => {
      const healed = t0 + r.endedAt!;
      let worst = 0;
      for (const [id, ackAt] of workload.acknowledgedAt) {
        if (ackAt >= healed) continue;
        const seen = seenFinalAt.get(id);
        if (seen !== undefined && seen > healed) worst = Math.max(worst, seen - healed);
      }
      return worst;
    })
    .sort((a, b) => a - b);
  log(`${elapsed()}: stored all final ${storedAllFinalMs} ms after the heal, watchers ${watchersAllFinalMs} ms (bound ${boundMs} ms)`);

  // Whole timelines of every task, read after the end (they must account for every attempt).
  await workload.readAllTimelines();
  await sleep(300);
  const later = await readStored(stack.redis.port, stack.env.prefix, ids);
  violations = check(history, stored, { later });

  // No job may be left active once every task is final.
  let active: string[] = [];
  for (let i = 0; i < 20; i++) {
    active = await activeJobIds(stack.redis.port, stack.env.prefix);
    if (active.length === 0) break;
    await sleep(500);
  }
  if (active.length > 0) problems.push(`jobs left active after every task ended: ${active.join(', ')}`);
  for (const e of workload.errors) problems.push(`a client action threw: ${e.slice(0, 500)}`);
  for (const u of unhandled) problems.push(`unhandled rejection in the soak's clients: ${u.slice(0, 300)}`);
  for (const r of runs) if (r.error) problems.push(`fault #${r.fault.n} (${describeFault(r.fault)}) failed: ${r.error}`);

  // The report.
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, Record<string, number>> = {};
  let attempts = 0;
  let faultAttempts = 0;
  let faultRetries = 0;
  const faultErrors: Record<string, number> = {};
  for (const id of ids) {
    const r = later.get(id);
    const status = r?.status ?? 'MISSING';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const kind = r?.kind ?? '?';
    byKind[kind] ??= {};
    byKind[kind][status] = (byKind[kind][status] ?? 0) + 1;
    if (!r) continue;
    attempts += r.attempt;
    for (const a of r.attempts ?? []) {
      if (!a.error || /simulated failure|cancel/i.test(a.error)) continue;
      const why = /worker lost/i.test(a.error) ? 'Worker lost' : /stuck/i.test(a.error) ? 'Stuck' : a.error.slice(0, 60);
      faultErrors[why] = (faultErrors[why] ?? 0) + 1;
      faultAttempts += 1;
      if (a.number < r.attempt) faultRetries += 1;
    }
  }
  const faultCounts: Record<string, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
  for (const r of runs) if (r.startedAt !== undefined) faultCounts[r.fault.kind] += 1;
  const pubsubKilled = runs.reduce((n, r) => n + (r.killed ?? 0), 0);
  const restarts = Object.fromEntries([...stack.processes].map(([name, p]) => [name, p.starts - 1]));
  const unplanned = stack.unplannedExits();
  for (const u of unplanned) problems.push(`a process exited by itself: ${u.slice(0, 500)}`);
  const violationsByKind: Record<string, number> = {};
  for (const v of violations) violationsByKind[v.kind] = (violationsByKind[v.kind] ?? 0) + 1;
  const fmt = (v: number | null) => (v === null ? '-' : Number.isFinite(v) ? `${v} ms` : 'never');
  // A cancel whose answer a fault took says nothing to check.
  const cancelsChecked = history.cancels.filter((c) => !('unknown' in c.answer)).length;
  report = {
    seed,
    minutes,
    clients,
    tasks: { total: ids.length, byStatus, byKind, attempts, subscriptions: subs.length, timelines: history.timelines.length, cancels: cancelsChecked },
    workload: workload.stats,
    faults: { scheduled: faults.length, byKind: faultCounts, pubsubConnectionsKilled: pubsubKilled, restarts },
    resyncs: workload.resyncs() + workload.stats.reconnects,
    socketReconnects: workload.resyncs(),
    faultAttempts: { failedAttempts: faultAttempts, retriedAfter: faultRetries, byError: faultErrors },
    healToAllFinal: {
      perFault: { faults: perHeal.length, p50Ms: percentile(perHeal, 50), p99Ms: percentile(perHeal, 99), maxMs: perHeal.at(-1) ?? null },
      liveAtFinalHeal: liveAtHeal.length,
      storedP50Ms: percentile(taskTimes, 50),
      storedP99Ms: percentile(taskTimes, 99),
      storedAllMs: storedAllFinalMs,
      watchersP50Ms: percentile(watcherTimes, 50),
      watchersP99Ms: percentile(watcherTimes, 99),
      watchersAllMs: watchersAllFinalMs,
      boundMs,
    },
    unplannedExits: unplanned,
    problems,
    violations: violations.length,
    violationsByKind,
    firstViolations: violations.slice(0, 50),
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };

  const kv = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  log('──── report ────');
  log(`seed ${seed}, ${minutes} min, ${clients} clients, ${report.wallSeconds} s wall`);
  log(`tasks: ${ids.length} (${kv(byStatus)}); ${attempts} attempts`);
  for (const [k, v] of Object.entries(byKind)) log(`  ${k}: ${kv(v)}`);
  const s = workload.stats;
  log(
    `clients: creates ok ${s.creates.ok} (${s.creates.retriedOk} after a retry of the request; failed answers: ${kv(s.creates.failed)}), ` +
      `${s.creates.withRetryPolicy} with a retry policy; cancels ok ${s.cancels.ok}, not cancellable ${s.cancels.notCancellable}, failed ${kv(s.cancels.failed)}; ` +
      `retryTask ok ${s.retries.ok}, failed ${kv(s.retries.failed)}; timelines ${s.timelines.ok}, failed ${kv(s.timelines.failed)}`,
  );
  log(`faults: ${kv(faultCounts)} (of ${faults.length} scheduled; ${pubsubKilled} pub/sub connections killed); restarts ${kv(restarts)}`);
  log(`resyncs: ${workload.resyncs()} socket reconnects (graphql-ws resubscribed), ${s.reconnects} page-like reconnects`);
  log(`attempts failed by faults: ${faultAttempts} (${kv(faultErrors)}), ${faultRetries} of them retried`);
  log(
    `heal → all final, per fault (every task acknowledged before its heal seen final by a watcher): p50 ${fmt(percentile(perHeal, 50))}, ` +
      `p99 ${fmt(percentile(perHeal, 99))}, max ${fmt(perHeal.at(-1) ?? null)} over ${perHeal.length} faults`,
  );
  log(
    `final heal → final (${liveAtHeal.length} tasks live at it): stored p50 ${fmt(percentile(taskTimes, 50))}, p99 ${fmt(percentile(taskTimes, 99))}, all ${storedAllFinalMs} ms; ` +
      `watchers p50 ${fmt(percentile(watcherTimes, 50))}, p99 ${fmt(percentile(watcherTimes, 99))}, all ${watchersAllFinalMs} ms`,
  );
  log(`${subs.length} subscriptions, ${history.timelines.length} timelines read, ${cancelsChecked} cancel answers checked`);
  if (unplanned.length > 0) log(`processes that exited by themselves: ${unplanned.length}`);
  for (const p of problems) log(`PROBLEM: ${p}`);
  log(`violations: ${violations.length}${violations.length ? ` (${kv(violationsByKind)})` : ''}`);
  for (const v of violations.slice(0, 30)) log(`  [${v.kind}] ${v.detail}${v.taskId ? ` (${v.taskId})` : ''}`);
  if (violations.length > 0 || problems.length > 0) {
    // What a replay needs to be understood: each violating task's watcher, and every process's log.
    const dir = `${REPO_ROOT}/soak/out/logs-${new Date(started).toISOString().replace(/[:.]/g, '-')}-seed${seed}`;
    mkdirSync(dir, { recursive: true });
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const v of violations) {
      if (!v.taskId || seen.has(v.taskId)) continue;
      seen.add(v.taskId);
      lines.push(`${v.taskId} [${v.kind}] ${v.detail}\n  ${workload.diagnose(v.taskId)}`);
    }
    writeFileSync(`${dir}/violations.txt`, `${lines.join('\n')}\n`);
    for (const [name, p] of stack.processes) for (const [i, s] of p.all.entries()) writeFileSync(`${dir}/${name}-${i + 1}.log`, s.logs.text());
    log(`diagnosis and process logs: ${dir}`);
  }
} catch (error) {
  problems.push(`the soak itself failed: ${error instanceof Error ? error.stack : JSON.stringify(error, Object.getOwnPropertyNames(error ?? {}))}`);
  log(problems.at(-1)!);
} finally {
  await workload.dispose().catch(() => undefined);
  await disposeAllClients().catch(() => undefined);
  await stack.stop().catch((e) => log(`stopping the stack: ${(e as Error).message}`));
  await killAllChildren();
}

const outDir = `${REPO_ROOT}/soak/out`;
mkdirSync(outDir, { recursive: true });
const file = `${outDir}/soak-${new Date(started).toISOString().replace(/[:.]/g, '-')}-seed${seed}.json`;
writeFileSync(file, `${JSON.stringify({ ...report, problems, schedule: faults, runs }, null, 2)}\n`);
log(`report: ${file}`);
const failed = violations.length > 0 || problems.length > 0;
log(failed ? `FAILED (replay: npm run test:soak -- --minutes ${minutes} --seed ${seed})` : 'passed');
process.exit(failed ? 1 : 0);
