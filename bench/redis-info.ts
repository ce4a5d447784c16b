import type { Redis } from 'ioredis';

/** Redis's own account of calls and time per command so far (INFO commandstats; subcommands as `client|kill`), µs. */
export async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/^cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/gm)) commands.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
  return commands;
}

/** The calls to `commands` so far and the time spent in them, µs. */
export async function commandTime(redis: Redis, commands: string[]): Promise<{ calls: number; usec: number }> {
  let calls = 0;
  let usec = 0;
  for (const [name, stat] of await commandStats(redis)) {
    if (!commands.includes(name)) continue;
    calls += stat.calls;
    usec += stat.usec;
  }
  return { calls, usec };
}
