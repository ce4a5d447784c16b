/**
 * The soak's scaled-out stack: Redis (AOF, so a restart keeps the data), 2 backend APIs and
 * 2 workers each reaching Redis through a proxy of its own, and 2 frontends each reaching its
 * API through a proxy; every process supervised (restarted on the same port after kill -9, or
 * after an exit nobody asked for).
 */
import { freePort, hasExited, redisCall, startProxy, startRedis, type RedisServer, type Service, type TcpProxy } from '../testkit/index.js';
import { backend, FAST, frontend, sharedEnv, type StackEnv } from '../faults/stack.js';
import { LINKS, PROCESSES, type LinkName, type ProcessName, type Targets } from './nemesis.js';

/** A process the soak keeps running: restarted (with retries) when killed. */
export class Supervised {
  current: Service | undefined;
  /** Every process it started, the current one last (their logs, for a failure's diagnosis). */
  readonly all: Service[] = [];
  starts = 0;
  frozen = false;
  /** Exits the nemesis did not cause (a crash of the product): restarted, and reported. */
  readonly unplannedExits: string[] = [];
  private expectingExit = false;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly name: ProcessName,
    private readonly spawn: (n: number) => Promise<Service>,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts it, retrying a failed start (a port not yet free, Redis unreachable) for up to ~2 min. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      let lastError: unknown;
      for (let attempt = 0; attempt < 20 && !this.closed; attempt++) {
        try {
          const s = await this.spawn(++this.starts);
          this.current = s;
          this.all.push(s);
          this.expectingExit = false;
          s.exited.then((status) => {
            if (this.current !== s || this.expectingExit || this.closed) return;
            const what = `${this.name} exited by itself (code ${status.code}, signal ${status.signal}):\n${s.logs.tail(15)}`;
            this.unplannedExits.push(what);
            this.log(what);
            this.current = undefined;
            void this.start();
          });
          return;
        } catch (error) {
          lastError = error;
          this.log(`${this.name}: start failed (${(error as Error).message.split('\n')[0]}), retrying`);
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      if (!this.closed) throw new Error(`${this.name} could not be started: ${(lastError as Error)?.message}`);
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  get up(): boolean {
    return this.current !== undefined && !hasExited(this.current.process);
  }

  async kill9(): Promise<void> {
    const s = this.current;
    if (!s) return;
    this.expectingExit = true;
    this.frozen = false;
    s.kill('SIGKILL');
    await s.exited;
    this.current = undefined;
  }

  async restart(): Promise<void> {
    if (!this.up) await this.start();
  }

  freeze(): void {
    if (!this.up) return;
    this.current!.kill('SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    if (this.current && !hasExited(this.current.process)) this.current.kill('SIGCONT');
    this.frozen = false;
  }

  /** Heals it: thawed, and running. */
  async heal(): Promise<void> {
    this.thaw();
    if (this.starting) await this.starting;
    if (!this.up) await this.start();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.thaw();
    this.expectingExit = true;
    await this.current?.stop({ timeoutMs: 5000 });
  }
}

export interface SoakStack {
  redis: RedisServer;
  env: StackEnv;
  processes: Map<ProcessName, Supervised>;
  links: Map<LinkName, TcpProxy>;
  /** Each frontend's base URL (fixed ports: the same across restarts). */
  frontendUrls: string[];
  redisFrozen: boolean;
  targets: Targets;
  /** Heals everything: links healed and fast, Redis and every process thawed and running. */
  healAll(): Promise<void>;
  unplannedExits(): string[];
  stop(): Promise<void>;
}

/** Settings on top of the fault suite's FAST timing. */
export const SOAK_ENV: Record<string, string> = {
  WORKER_CONCURRENCY: '8',
  // Defaults for a simulated task created without input.
  TASK_MIN_DURATION_MS: '200',
  TASK_MAX_DURATION_MS: '2000',
};

export async function startSoakStack(log: (line: string) => void): Promise<SoakStack> {
  const redis = await startRedis({ aof: true });
  const env = sharedEnv(redis.url, SOAK_ENV, FAST);
  const links = new Map<LinkName, TcpProxy>();
  const redisUrlOf = (p: TcpProxy) => `redis://127.0.0.1:${p.port}`;
  for (const name of ['api1-redis', 'api2-redis', 'worker1-redis', 'worker2-redis'] as const) {
    links.set(name, await startProxy({ port: redis.port }));
  }
  const apiPorts = [await freePort(), await freePort()];
  const frontendPorts = [await freePort(), await freePort()];
  links.set('gateway1-api1', await startProxy({ port: apiPorts[0] }));
  links.set('gateway2-api2', await startProxy({ port: apiPorts[1] }));

  const processes = new Map<ProcessName, Supervised>();
  for (const i of [1, 2] as const) {
    processes.set(
      `api${i}`,
      new Supervised(
        `api${i}`,
        (n) => backend(env, 'api', { BACKEND_PORT: String(apiPorts[i - 1]), REDIS_URL: redisUrlOf(links.get(`api${i}-redis`)!) }, `api${i}#${n}`),
        log,
      ),
    );
    processes.set(
      `worker${i}`,
      new Supervised(`worker${i}`, (n) => backend(env, 'worker', { REDIS_URL: redisUrlOf(links.get(`worker${i}-redis`)!) }, `worker${i}#${n}`), log),
    );
  }
  for (const i of [1, 2] as const) {
    const gateway = links.get(i === 1 ? 'gateway1-api1' : 'gateway2-api2')!;
    processes.set(`frontend${i}`, new Supervised(`frontend${i}`, () => frontend(env, gateway.url('/graphql'), frontendPorts[i - 1]), log));
  }
  // APIs and workers first (a frontend checks its backend at start), two at a time on 2 cores.
  await Promise.all([processes.get('api1')!.start(), processes.get('api2')!.start()]);
  await Promise.all([processes.get('worker1')!.start(), processes.get('worker2')!.start()]);
  await Promise.all([processes.get('frontend1')!.start(), processes.get('frontend2')!.start()]);

  const stack: SoakStack = {
    redis,
    env,
    processes,
    links,
    frontendUrls: frontendPorts.map((p) => `http://127.0.0.1:${p}`),
    redisFrozen: false,
    targets: {
      process: (name) => processes.get(name)!,
      link: (name) => links.get(name)!,
      redis: {
        freeze() {
          redis.process.kill('SIGSTOP');
          stack.redisFrozen = true;
        },
        thaw() {
          redis.process.kill('SIGCONT');
          stack.redisFrozen = false;
        },
        restart: (downMs) => redis.restart({ downMs }),
        killPubsub: async () => Number(await redisCall(redis.port, 'CLIENT', 'KILL', 'TYPE', 'pubsub')),
      },
    },
    async healAll() {
      for (const name of LINKS) {
        const link = links.get(name)!;
        link.slow(0);
        link.heal();
      }
      if (stack.redisFrozen) stack.targets.redis.thaw();
      for (const name of PROCESSES) await processes.get(name)!.heal();
    },
    unplannedExits: () => [...processes.values()].flatMap((p) => p.unplannedExits),
    async stop() {
      for (const name of [...PROCESSES].reverse()) await processes.get(name)!.stop();
      for (const link of links.values()) await link.stop();
      if (stack.redisFrozen) stack.targets.redis.thaw();
      await redis.stop();
    },
  };
  return stack;
}
