/**
 * Raw BullMQ baselines, an equivalent processor: three status PUBLISHes and one progress update
 * per job, Worker concurrency 50.
 *   RAW_ROLE=worker   consumes `rawq`; with RAW_DRAIN_N>0 prints "drained <n> <ms>" once that
 *                     many jobs completed (ms from its ready line).
 *   RAW_ROLE=producer adds RAW_TOTAL jobs one at a time, RAW_INFLIGHT in flight, each awaited
 *                     until completed (QueueEvents), and prints "e2e <n> <ms> cpu <its own CPU ms>".
 */
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const url = new URL(process.env.REDIS_URL!);
const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
const prefix = process.env.RAW_PREFIX ?? 'rawbench';
const role = process.env.RAW_ROLE;

if (role === 'worker') {
  const pub = new Redis(process.env.REDIS_URL!);
  const drainN = Number(process.env.RAW_DRAIN_N ?? 0);
  let done = 0;
  let t0 = 0;
  const worker = new Worker(
    'rawq',
    async (job) => {
      const channel = `rawjob:${job.id}`;
      await pub.publish(channel, JSON.stringify({ id: job.id, status: 'IN_PROGRESS', version: 2 }));
      await job.updateProgress(50);
      await pub.publish(channel, JSON.stringify({ id: job.id, status: 'IN_PROGRESS', progress: 50, version: 3 }));
      await pub.publish(channel, JSON.stringify({ id: job.id, status: 'FINISHED', version: 4 }));
    },
    { connection, prefix, concurrency: 50, autorun: false },
  );
  worker.on('completed', () => {
    done++;
    if (drainN > 0 && done === drainN) console.log(`drained ${done} ${Date.now() - t0}`);
  });
  await worker.waitUntilReady();
  t0 = Date.now();
  console.log('raw worker ready');
  void worker.run();
  process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
} else if (role === 'producer') {
  const total = Number(process.env.RAW_TOTAL);
  const inflight = Number(process.env.RAW_INFLIGHT ?? 50);
  const queue = new Queue('rawq', { connection, prefix });
  const events = new QueueEvents('rawq', { connection, prefix });
  await events.waitUntilReady();
  const waiting = new Map<string, () => void>();
  events.on('completed', ({ jobId }) => {
    waiting.get(jobId)?.();
    waiting.delete(jobId);
  });
  // Job ids unique to this run: an id BullMQ still knows would be ignored by add().
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const one = async (id: string) => {
    const completed = new Promise<void>((resolve) => waiting.set(id, resolve));
    await queue.add('run', {}, { jobId: id, removeOnComplete: true, removeOnFail: true });
    await completed;
  };
  // QueueEvents only sees events after its first blocking read: wait for a warm-up job's
  // completion, retrying, before the clock starts, or early completions could be missed.
  for (let i = 0; ; i++) {
    const warm = one(`warm-${run}-${i}`);
    const seen = await Promise.race([warm.then(() => true), new Promise((r) => setTimeout(() => r(false), 2000))]);
    if (seen) break;
    if (i === 20) throw new Error('raw producer: no completion events');
  }
  let added = 0;
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const slot = async () => {
    while (added < total) await one(`e2e-${run}-${added++}`);
  };
  await Promise.all(Array.from({ length: inflight }, slot));
  const cpu = process.cpuUsage(cpu0);
  console.log(`e2e ${total} ${Date.now() - t0} cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)}`);
  await events.close();
  await queue.close();
  process.exit(0);
}
