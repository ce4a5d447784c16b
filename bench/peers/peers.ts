/**
 * The `peers` phase of `npm run bench` (issue 17): longrun against the two stacks users would
 * otherwise copy from the official docs, with the same process layout, driver and workload:
 *
 *   nest-filter    (bench/peers/nest-filter/main.ts) stands where the backend API stands, behind
 *                  a second instance of the product's frontend; its tasks live under their own
 *                  Redis prefix, so its one trigger (a pattern over every task channel) sees its
 *                  own tasks' writes only, as a deployment of it would see all of its own;
 *   stitched-yoga  (bench/peers/stitched-yoga.ts) stands where the frontend stands, in front of
 *                  the product's backend API.
 *
 * At each size (the latency rows' 1,000 and 10,000 subscriptions) every side gets its own tasks
 * and subscribers, all connected at once; then trials run in rounds of system, nest-filter,
 * stitched-yoga (the order turning each round), and each ratio is taken inside its round.
 * Memory per subscription is each tier process's RSS after GC, before and after its own
 * subscriptions at the larger size. The full path runs in the same rounds.
 * bench/run.ts registers the phase and hands over what it shares (see PeerContext).
 */
import { join } from 'node:path';
import type { Row } from '../run.js';
import { median, round } from '../stats.js';
import { INSPECTOR_LINE, Inspector, REPO_ROOT, sleep, spawnService, startFrontend, type Memory, type Service } from '../../testkit/index.js';

const { TaskStore } = (await import(join(REPO_ROOT, 'backend/dist/tasks/task-store.js'))) as any;
const { redisKeys } = (await import(join(REPO_ROOT, 'backend/dist/redis/redis-keys.js'))) as any;

/** What run.ts lends the phase: its stack, sizes and helpers (kept there, one place each). */
export interface PeerContext {
  /** run.ts's Stack (typed loosely here: the phase only reads and overrides a few fields). */
  s: any;
  sizes: { subs: number; bigSubs: number; pairs: number; trialS: number; bigPairs: number; bigTrialS: number; e2eN: number; e2ePairs: number };
  /** run.ts's `trial` with which = 'system': the product's writes, CPU of `s.api.pid` and `s.frontend.pid`. */
  trial: (s: any, taskIds: string[], seconds: number) => Promise<PeerTrial>;
  runningTasks: (s: any, n: number) => Promise<Array<{ taskId: string; cookie: string; user: string }>>;
  connectAll: (s: any, subs: Array<{ taskId: string; cookie: string }>) => Promise<void>;
  closeAll: (s: any) => Promise<void>;
  startWorker: (s: any, env?: Record<string, string>) => Promise<Service>;
  newCookie: () => string;
  cpuMs: (pid: number) => number;
  log: (msg: string) => void;
  inspectEnv: Record<string, string>;
  backendEnv: Record<string, string>;
  frontendEnv: Record<string, string>;
}

export interface PeerTrial {
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
  cpuFirstUs: number;
  cpuSecondUs: number;
}

export const PEERS = ['nest-filter', 'stitched-yoga'] as const;
export type PeerName = (typeof PEERS)[number];

interface Side {
  name: 'system' | PeerName;
  /** The stack as trial() and connectAll() see this side: its tier's pid, its store, its URL. */
  view: any;
  /** The tier process this side is compared on (CPU per event, memory). */
  tierPid: number;
  tierCpu: (t: PeerTrial) => number;
}

interface SizeResult {
  n: number;
  trials: Record<string, PeerTrial[]>;
  /** For each peer, the system's trial of the same round as each of its trials. */
  paired: Record<string, PeerTrial[]>;
}

export interface PeersResult {
  sizes: SizeResult[];
  /** RSS per subscription at the larger size, KB: the system's tier process against each peer's. */
  rssKB: { nestSystem: number; nestPeer: number; yogaSystem: number; yogaPeer: number; n: number };
  /** Full-path tasks/s per round. */
  fullPath: Record<string, number[]>;
  /** Full-path CPU per task per round, ms: [backend tier, frontend tier, worker]. */
  fullPathCpuMs: Record<string, number[][]>;
}

async function inspectorOf(service: Service): Promise<Inspector> {
  const m = await service.logs.waitFor(INSPECTOR_LINE, 30_000);
  return Inspector.connect(m[1]);
}

const tsx = import.meta.resolve('tsx');

export async function peersPhase(c: PeerContext): Promise<PeersResult> {
  const { s, sizes, log } = c;
  const nestPrefix = `${s.prefix}nf`;
  const nestKeys = redisKeys(nestPrefix);
  const nestStore = new TaskStore(s.redisClient, nestKeys, s.config);
  log(`peers: starting nest-filter (behind a second frontend) and stitched-yoga`);
  const nest = await spawnService(
    process.execPath,
    ['--import', tsx, join(REPO_ROOT, 'bench/peers/nest-filter/main.ts')],
    { ...c.backendEnv, REDIS_PREFIX: nestPrefix, TSX_TSCONFIG_PATH: join(REPO_ROOT, 'bench/peers/nest-filter/tsconfig.json'), ...c.inspectEnv },
    /listening on (http\S+)/,
    { name: 'nest-filter', readyTimeoutMs: 60_000 },
  );
  const nestFrontend = await startFrontend({ ...c.frontendEnv, BACKEND_URL: nest.ready[1], ...c.inspectEnv }, { name: 'frontend(nest-filter)' });
  const yoga = await spawnService(
    process.execPath,
    ['--import', tsx, join(REPO_ROOT, 'bench/peers/stitched-yoga.ts')],
    { BACKEND_URL: s.api.url, INTERNAL_API_TOKEN: s.token, SESSION_SECRET: s.secret, NODE_ENV: 'production', ...c.inspectEnv },
    /ready on (http\S+)/,
    { name: 'stitched-yoga' },
  );
  const inspect = {
    api: s.inspect.api as Inspector,
    frontend: s.inspect.frontend as Inspector,
    nest: await inspectorOf(nest),
    yoga: await inspectorOf(yoga),
  };
  const nestHttp = `${nestFrontend.url}/api/graphql`;
  const yogaHttp = `${yoga.ready[1]}/api/graphql`;
  const sides: Side[] = [
    { name: 'system', view: s, tierPid: s.api.pid, tierCpu: (t) => t.cpuFirstUs },
    {
      name: 'nest-filter',
      view: { ...s, store: nestStore, api: { pid: nest.pid }, frontend: { pid: nestFrontend.pid }, gqlWs: nestHttp.replace(/^http/, 'ws') },
      tierPid: nest.pid,
      tierCpu: (t) => t.cpuFirstUs,
    },
    {
      name: 'stitched-yoga',
      view: { ...s, frontend: { pid: yoga.pid }, gqlWs: yogaHttp.replace(/^http/, 'ws') },
      tierPid: yoga.pid,
      tierCpu: (t) => t.cpuSecondUs,
    },
  ];
  try {
    const small = await sizePhase(c, sides, inspect, sizes.subs, sizes.pairs, sizes.trialS, false, new Set());
    const fullPath = await fullPathRounds(c, sides, nestPrefix, { system: s.gqlHttp, 'nest-filter': nestHttp, 'stitched-yoga': yogaHttp });
    // Last, since nest-filter falls behind the rate at the larger size and its backlog outlives
    // its trial by minutes: anything measured after its trial would measure that backlog too.
    const big = await sizePhase(c, sides, inspect, sizes.bigSubs, sizes.bigPairs, sizes.bigTrialS, true, small.slow);
    return { sizes: [small.result, big.result], rssKB: big.rssKB!, fullPath: fullPath.rate, fullPathCpuMs: fullPath.cpuPerTask };
  } finally {
    inspect.nest.close();
    inspect.yoga.close();
    await Promise.all([yoga.stop(), nestFrontend.stop(), nest.stop()]);
  }
}

/**
 * One size: every side's own tasks and subscribers, all connected at once (memory per
 * subscription read on the way up when `memory`), then rounds of one trial per side, the order
 * turning each round. A side that has not delivered every event by the end of its trial's wait
 * (it falls behind the rate for good) runs once more at the end and no longer in the rounds, and
 * a side in `late` runs only then: its backlog would otherwise run on through the others' trials.
 */
async function sizePhase(
  c: PeerContext,
  sides: Side[],
  inspect: Record<'api' | 'frontend' | 'nest' | 'yoga', Inspector>,
  n: number,
  pairs: number,
  seconds: number,
  memory: boolean,
  /** Sides that already fell behind the rate at a smaller size: they run once, after the rounds. */
  late: Set<string>,
): Promise<{ result: SizeResult; rssKB?: PeersResult['rssKB']; slow: Set<string> }> {
  const { s, log } = c;
  log(`peers: ${n} subscriptions per side, ${pairs} rounds of ${seconds} s (system, nest-filter, stitched-yoga)`);
  const tasks = new Map<string, Array<{ taskId: string; cookie: string }>>();
  for (const side of sides) tasks.set(side.name, await c.runningTasks(side.view, n));
  // Memory on the way up: each tier process after GC, before and after its own side's
  // subscriptions (the sides touch different tier processes, except that stitched-yoga's go
  // through the product's API: so the API is read before they connect).
  const mem = async (i: Inspector): Promise<Memory> => (memory ? i.memoryAfterGc() : { heapUsed: 0, rss: 0 });
  const before = { api: await mem(inspect.api), frontend: await mem(inspect.frontend), nest: await mem(inspect.nest), yoga: await mem(inspect.yoga) };
  for (const side of sides.slice(0, 2)) {
    log(`  connecting ${side.name}`);
    await c.connectAll(side.view, tasks.get(side.name)!);
  }
  await sleep(memory ? 1500 : 0);
  const after = { api: await mem(inspect.api), frontend: await mem(inspect.frontend), nest: await mem(inspect.nest) };
  log(`  connecting ${sides[2].name}`);
  await c.connectAll(sides[2].view, tasks.get(sides[2].name)!);
  await sleep(memory ? 1500 : 0);
  const yogaAfter = await mem(inspect.yoga);
  let rssKB: PeersResult['rssKB'] | undefined;
  if (memory) {
    const kb = (a: Memory, b: Memory) => (a.rss - b.rss) / n / 1024;
    rssKB = {
      n,
      nestSystem: kb(after.api, before.api),
      nestPeer: kb(after.nest, before.nest),
      yogaSystem: kb(after.frontend, before.frontend),
      yogaPeer: kb(yogaAfter, before.yoga),
    };
    log(
      `  RSS per subscription (${n}): backend tier: API ${rssKB.nestSystem.toFixed(1)} KB, nest-filter ${rssKB.nestPeer.toFixed(1)} KB; ` +
        `frontend tier: frontend ${rssKB.yogaSystem.toFixed(1)} KB, stitched-yoga ${rssKB.yogaPeer.toFixed(1)} KB`,
    );
  }
  // The connections' own work settles first (the first round used to pay for it).
  await sleep(2000);
  const trials: Record<string, PeerTrial[]> = { system: [], 'nest-filter': [], 'stitched-yoga': [] };
  const paired: Record<string, PeerTrial[]> = { 'nest-filter': [], 'stitched-yoga': [] };
  const behind = new Set<string>(late);
  const run = async (side: Side) => {
    const t = await c.trial(
      side.view,
      tasks.get(side.name)!.map((x) => x.taskId),
      seconds,
    );
    trials[side.name].push(t);
    return t;
  };
  const describe = (side: Side, t: PeerTrial) =>
    `${side.name} p50 ${t.p50.toFixed(2)} p99 ${t.p99.toFixed(2)} ms (${t.delivered}/${t.expected}), tier CPU/event ${side.tierCpu(t).toFixed(0)} µs`;
  for (let i = 0; i < pairs; i++) {
    const round: Array<[Side, PeerTrial]> = [];
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(i + k) % sides.length];
      if (!behind.has(side.name)) round.push([side, await run(side)]);
    }
    const system = trials.system.at(-1)!;
    for (const [side, t] of round) {
      if (side.name === 'system') continue;
      paired[side.name].push(system);
      if (t.delivered < t.expected) behind.add(side.name);
    }
    log(`  round ${i + 1}: ${round.map(([side, t]) => describe(side, t)).join('; ')}`);
  }
  for (const side of sides.filter((x) => behind.has(x.name) && x.name !== 'system')) {
    if (trials[side.name].length >= pairs) continue;
    const t = await run(side);
    paired[side.name].push(trials.system.at(-1)!);
    log(`  ${side.name} once more, after the rounds (it falls behind the rate): ${describe(side, t)}`);
  }
  await c.closeAll(s);
  await sleep(500);
  // Slower than the rate here: its median latency is longer than the trial itself (the events
  // queue up for the whole trial). At a larger size it goes after the others (see `late`).
  const slow = new Set(sides.filter((x) => x.name !== 'system' && medianOf(trials[x.name].map((t) => t.p50)) > seconds * 1000).map((x) => x.name));
  return { result: { n, trials, paired }, rssKB, slow };
}

/** Full path per side, in rounds (one untimed warm-up each first): createTask through the tier, watched to its end. */
async function fullPathRounds(c: PeerContext, sides: Side[], nestPrefix: string, urls: Record<string, string>) {
  const { s, sizes, log } = c;
  log(`peers: full path, ${sizes.e2eN} tasks per side, one warm-up round, then ${sizes.e2ePairs} rounds`);
  const workers = [await c.startWorker(s), await c.startWorker(s, { REDIS_PREFIX: nestPrefix })];
  const fullPath: Record<string, number[]> = { system: [], 'nest-filter': [], 'stitched-yoga': [] };
  /** CPU per task (ms) of each process on the side's path: backend tier, frontend tier, its worker. */
  const cpuPerTask: Record<string, number[][]> = { system: [], 'nest-filter': [], 'stitched-yoga': [] };
  const pathPids: Record<string, number[]> = {
    system: [s.api.pid, s.frontend.pid, workers[0].pid],
    'nest-filter': [sides[1].view.api.pid, sides[1].view.frontend.pid, workers[1].pid],
    'stitched-yoga': [s.api.pid, sides[2].view.frontend.pid, workers[0].pid],
  };
  const run = async (name: string, total: number, timed = true) => {
    const cookies = Array.from({ length: 50 }, c.newCookie);
    const cpu0 = pathPids[name].map(c.cpuMs);
    const r = await s.clients[0].call({ type: 'fullpath', httpUrl: urls[name], wsUrl: urls[name].replace(/^http/, 'ws'), cookies, total, timeoutMs: 60_000 });
    if (r.failures > 0 || r.finished !== total) throw new Error(`${name} full path: ${r.failures} failures ${JSON.stringify(r.notFinished)}`);
    if (timed) cpuPerTask[name].push(pathPids[name].map((pid, k) => (c.cpuMs(pid) - cpu0[k]) / total));
    return (r.finished / r.ms) * 1000;
  };
  try {
    for (const side of sides) await run(side.name, Math.ceil(sizes.e2eN / 2), false);
    for (let i = 0; i < sizes.e2ePairs; i++) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(i + k) % sides.length];
        fullPath[side.name].push(await run(side.name, sizes.e2eN));
      }
      const cpu = (name: string) =>
        cpuPerTask[name]
          .at(-1)!
          .map((x) => x.toFixed(2))
          .join(' + ');
      log(
        `  round ${i + 1}: ${sides.map((side) => `${side.name} ${fullPath[side.name].at(-1)!.toFixed(0)} tasks/s (CPU per task, backend + frontend + worker: ${cpu(side.name)} ms)`).join(', ')}`,
      );
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  return { rate: fullPath, cpuPerTask };
}

/**
 * The rows: for each peer, system against peer with the ratio system ÷ peer taken inside each
 * round (median). Lower is better for latency, CPU and memory, higher for throughput; the goal
 * is better on every row and at least 2× better on the rows at the larger size.
 */
/** The median of finite and infinite values alike (stats.median drops the infinite ones). */
function medianOf(values: number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function peerRows(r: PeersResult): Row[] {
  const rows: Row[] = [];
  const r2 = (x: number) => round(x, 2);
  const tier: Record<PeerName, (t: PeerTrial) => number> = { 'nest-filter': (t) => t.cpuFirstUs, 'stitched-yoga': (t) => t.cpuSecondUs };
  const tierName: Record<PeerName, string> = { 'nest-filter': 'backend API', 'stitched-yoga': 'frontend' };
  const row = (id: string, metric: string, unit: string, sys: number[], peer: number[], lowerIsBetter: boolean, twice: boolean, note = '') => {
    // Infinity (a percentile the peer never reached) counts: its ratio is 0, and it has no value.
    const ratio = medianOf(sys.map((x, i) => x / peer[i]));
    const goal = lowerIsBetter ? (twice ? '≤ 0.5× peer (2× better)' : '< 1× peer (better)') : twice ? '≥ 2× peer' : '> 1× peer (better)';
    const pass = Number.isFinite(ratio) && (lowerIsBetter ? (twice ? ratio <= 0.5 : ratio < 1) : twice ? ratio >= 2 : ratio > 1);
    const peerValue = medianOf(peer);
    rows.push({
      id,
      metric: metric + note,
      unit,
      system: r2(median(sys)),
      baseline: Number.isFinite(peerValue) ? r2(peerValue) : null,
      ratio: r2(ratio),
      goal,
      pass,
    });
  };
  for (const peer of PEERS) {
    const key = peer.replace('-', '_');
    for (const size of r.sizes) {
      const big = size === r.sizes.at(-1) && r.sizes.length > 1;
      const sfx = big ? '_big' : '';
      const sys = size.paired[peer];
      const p = size.trials[peer];
      // A percentile over every event written: one the peer did not deliver within the wait
      // counts as later than any it did.
      const share = Math.min(...p.map((t) => t.delivered / t.expected));
      const reached = (t: PeerTrial, q: number) => (t.delivered / t.expected >= q ? (q === 0.5 ? t.p50 : t.p99) : Number.POSITIVE_INFINITY);
      const late = share < 1 ? ` (peer: ${round(100 * share, 1)} % delivered within the wait)` : '';
      row(
        `peer_${key}_latency_p50${sfx}`,
        `vs ${peer}: status latency p50, ${size.n} subs`,
        'ms',
        sys.map((t) => t.p50),
        p.map((t) => reached(t, 0.5)),
        true,
        big,
        late,
      );
      row(
        `peer_${key}_latency_p99${sfx}`,
        `vs ${peer}: status latency p99, ${size.n} subs`,
        'ms',
        sys.map((t) => t.p99),
        p.map((t) => reached(t, 0.99)),
        true,
        big,
        late,
      );
      // Over the events written when some were not delivered: a lower bound of the peer's cost.
      row(
        `peer_${key}_cpu_event${sfx}`,
        `vs ${peer}: CPU per status event, ${tierName[peer]} (peer: its tier process), ${size.n} subs`,
        'µs',
        sys.map(tier[peer]),
        p.map((t) => (tier[peer](t) * Math.max(1, t.delivered)) / t.expected),
        true,
        big,
        share < 1 ? ' (peer: per event written, a lower bound)' : '',
      );
    }
    row(
      `peer_${key}_throughput_full_path`,
      `vs ${peer}: full-path throughput (createTask → final status)`,
      'tasks/s',
      r.fullPath.system,
      r.fullPath[peer],
      false,
      false,
    );
    const [sysKB, peerKB] = peer === 'nest-filter' ? [r.rssKB.nestSystem, r.rssKB.nestPeer] : [r.rssKB.yogaSystem, r.rssKB.yogaPeer];
    rows.push({
      id: `peer_${key}_rss_sub`,
      metric: `vs ${peer}: ${tierName[peer]} RSS per subscription (${r.rssKB.n})`,
      unit: 'KB',
      system: round(sysKB, 1),
      baseline: round(peerKB, 1),
      ratio: r2(sysKB / peerKB),
      goal: '≤ 0.5× peer (2× better)',
      pass: Number.isFinite(sysKB / peerKB) && sysKB / peerKB <= 0.5,
    });
  }
  return rows;
}
