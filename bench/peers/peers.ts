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
}

export interface PeersResult {
  sizes: SizeResult[];
  /** RSS per subscription at the larger size, KB: the system's tier process against each peer's. */
  rssKB: { nestSystem: number; nestPeer: number; yogaSystem: number; yogaPeer: number; n: number };
  /** Full-path tasks/s per round. */
  fullPath: Record<string, number[]>;
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
    const results: SizeResult[] = [];
    let rssKB: PeersResult['rssKB'] | undefined;
    for (const [n, pairs, seconds] of [
      [sizes.subs, sizes.pairs, sizes.trialS],
      [sizes.bigSubs, sizes.bigPairs, sizes.bigTrialS],
    ] as const) {
      log(`peers: ${n} subscriptions per side, ${pairs} rounds of ${seconds} s (system, nest-filter, stitched-yoga)`);
      const tasks = new Map<string, Array<{ taskId: string; cookie: string }>>();
      for (const side of sides) tasks.set(side.name, await c.runningTasks(side.view, n));
      // Memory on the way up, at the larger size: each tier process after GC, before and after
      // its own side's subscriptions (the sides touch different tier processes, except that
      // stitched-yoga's go through the product's API: so the API is read before they connect).
      const big = n === sizes.bigSubs;
      const mem = async (i: Inspector): Promise<Memory> => (big ? i.memoryAfterGc() : { heapUsed: 0, rss: 0 });
      const before = { api: await mem(inspect.api), frontend: await mem(inspect.frontend), nest: await mem(inspect.nest), yoga: await mem(inspect.yoga) };
      await c.connectAll(sides[0].view, tasks.get('system')!);
      await c.connectAll(sides[1].view, tasks.get('nest-filter')!);
      await sleep(big ? 1500 : 0);
      const after = { api: await mem(inspect.api), frontend: await mem(inspect.frontend), nest: await mem(inspect.nest) };
      await c.connectAll(sides[2].view, tasks.get('stitched-yoga')!);
      await sleep(big ? 1500 : 0);
      const yogaAfter = await mem(inspect.yoga);
      if (big) {
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
      const trials: Record<string, PeerTrial[]> = { system: [], 'nest-filter': [], 'stitched-yoga': [] };
      for (let i = 0; i < pairs; i++) {
        // The order turns each round, so no side always follows another.
        for (let k = 0; k < sides.length; k++) {
          const side = sides[(i + k) % sides.length];
          const ids = tasks.get(side.name)!.map((t) => t.taskId);
          trials[side.name].push(await c.trial(side.view, ids, seconds));
        }
        log(
          `  round ${i + 1}: ${sides
            .map((side) => {
              const t = trials[side.name].at(-1)!;
              return `${side.name} p50 ${t.p50.toFixed(2)} p99 ${t.p99.toFixed(2)} ms (${t.delivered}/${t.expected}), tier CPU/event ${side.tierCpu(t).toFixed(0)} µs`;
            })
            .join('; ')}`,
        );
      }
      await c.closeAll(s);
      await sleep(500);
      results.push({ n, trials });
    }

    log(`peers: full path, ${sizes.e2eN} tasks per side, one warm-up round, then ${sizes.e2ePairs} rounds`);
    const workers = [await c.startWorker(s), await c.startWorker(s, { REDIS_PREFIX: nestPrefix })];
    const fullPath: Record<string, number[]> = { system: [], 'nest-filter': [], 'stitched-yoga': [] };
    const urls: Record<string, string> = { system: s.gqlHttp, 'nest-filter': nestHttp, 'stitched-yoga': yogaHttp };
    const run = async (name: string, total: number) => {
      const cookies = Array.from({ length: 50 }, c.newCookie);
      const r = await s.clients[0].call({ type: 'fullpath', httpUrl: urls[name], wsUrl: urls[name].replace(/^http/, 'ws'), cookies, total, timeoutMs: 60_000 });
      if (r.failures > 0 || r.finished !== total) throw new Error(`${name} full path: ${r.failures} failures ${JSON.stringify(r.notFinished)}`);
      return (r.finished / r.ms) * 1000;
    };
    try {
      for (const side of sides) await run(side.name, Math.ceil(sizes.e2eN / 2));
      for (let i = 0; i < sizes.e2ePairs; i++) {
        for (let k = 0; k < sides.length; k++) {
          const side = sides[(i + k) % sides.length];
          fullPath[side.name].push(await run(side.name, sizes.e2eN));
        }
        log(`  round ${i + 1}: ${sides.map((side) => `${side.name} ${fullPath[side.name].at(-1)!.toFixed(0)} tasks/s`).join(', ')}`);
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    return { sizes: results, rssKB: rssKB!, fullPath };
  } finally {
    inspect.nest.close();
    inspect.yoga.close();
    await Promise.all([yoga.stop(), nestFrontend.stop(), nest.stop()]);
  }
}

export interface PeerRow {
  id: string;
  metric: string;
  unit: string;
  system: number | null;
  baseline: number | null;
  ratio: number | null;
  goal: string;
  pass: boolean;
}

/**
 * The rows: for each peer, system against peer with the ratio system ÷ peer taken inside each
 * round (median). Lower is better for latency, CPU and memory, higher for throughput; the goal
 * is better on every row and at least 2× better on the rows at the larger size.
 */
export function peerRows(r: PeersResult): PeerRow[] {
  const rows: PeerRow[] = [];
  const r2 = (x: number) => round(x, 2);
  const tier: Record<PeerName, (t: PeerTrial) => number> = { 'nest-filter': (t) => t.cpuFirstUs, 'stitched-yoga': (t) => t.cpuSecondUs };
  const tierName: Record<PeerName, string> = { 'nest-filter': 'backend API', 'stitched-yoga': 'frontend' };
  const row = (id: string, metric: string, unit: string, sys: number[], peer: number[], lowerIsBetter: boolean, twice: boolean) => {
    const ratio = median(sys.map((x, i) => x / peer[i]));
    const goal = lowerIsBetter ? (twice ? '≤ 0.5× peer (2× better)' : '< 1× peer (better)') : twice ? '≥ 2× peer' : '> 1× peer (better)';
    const pass = Number.isFinite(ratio) && (lowerIsBetter ? (twice ? ratio <= 0.5 : ratio < 1) : twice ? ratio >= 2 : ratio > 1);
    rows.push({ id, metric, unit, system: r2(median(sys)), baseline: r2(median(peer)), ratio: r2(ratio), goal, pass });
  };
  for (const peer of PEERS) {
    const key = peer.replace('-', '_');
    for (const size of r.sizes) {
      const big = size === r.sizes.at(-1) && r.sizes.length > 1;
      const sfx = big ? '_big' : '';
      const sys = size.trials.system;
      const p = size.trials[peer];
      row(
        `peer_${key}_latency_p50${sfx}`,
        `vs ${peer}: status latency p50, ${size.n} subs`,
        'ms',
        sys.map((t) => t.p50),
        p.map((t) => t.p50),
        true,
        big,
      );
      row(
        `peer_${key}_latency_p99${sfx}`,
        `vs ${peer}: status latency p99, ${size.n} subs`,
        'ms',
        sys.map((t) => t.p99),
        p.map((t) => t.p99),
        true,
        big,
      );
      row(
        `peer_${key}_cpu_event${sfx}`,
        `vs ${peer}: CPU per status event, ${tierName[peer]} (peer: its tier process), ${size.n} subs`,
        'µs',
        sys.map(tier[peer]),
        p.map(tier[peer]),
        true,
        big,
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
