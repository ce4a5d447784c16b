/**
 * The "before" of the timeline rows: the status compare-and-set script as it was before issue 14
 * added attempts and the timeline (backend/src/tasks/task-store.ts at ed5ef2c^, verbatim). It
 * checks, writes, bumps the version and publishes the snapshot; no attempt check, no event
 * appended. The benchmark runs it on the same records, through the same stack, interleaved with
 * the product's script, so the difference between the two is what the timeline costs a status
 * write. Kept here, not in the product, because nothing but the benchmark may write this way.
 */
import type { Redis } from 'ioredis';

const CAS_BEFORE_SCRIPT = `
local h = redis.call('HGETALL', KEYS[1])
local t = {}
for i = 1, #h, 2 do t[h[i]] = h[i + 1] end
if not t.status then return {0, false} end
if not string.find(ARGV[1], ',' .. t.status .. ',', 1, true) then return {0, cjson.encode(t)} end
t.status = ARGV[2]
t.updatedAt = ARGV[6]
t.version = string.format('%d', (tonumber(t.version) or 0) + 1)
local args = {'status', t.status, 'updatedAt', t.updatedAt, 'version', t.version}
for i = 7, #ARGV, 2 do
  t[ARGV[i]] = ARGV[i + 1]
  args[#args + 1] = ARGV[i]
  args[#args + 1] = ARGV[i + 1]
end
redis.call('HSET', KEYS[1], unpack(args))
if tonumber(ARGV[4]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('SREM', KEYS[2], ARGV[5])
end
local snap = cjson.encode(t)
redis.call('PUBLISH', ARGV[3], snap)
return {1, snap}
`;

type CasBefore = (
  key: string,
  liveKey: string,
  from: string,
  to: string,
  channel: string,
  ttl: number,
  id: string,
  updatedAt: number,
  ...fields: string[]
) => Promise<[number, string | null]>;

/** A progress write as the worker made it before the timeline: answers the snapshot's JSON, or null if refused. */
export function casBefore(redis: Redis, keys: { task(id: string): string; liveTasks: string; taskChannel(id: string): string }) {
  if (!('benchCasBefore' in redis)) redis.defineCommand('benchCasBefore', { numberOfKeys: 2, lua: CAS_BEFORE_SCRIPT });
  const script = (redis as unknown as { benchCasBefore: CasBefore }).benchCasBefore.bind(redis);
  return async (id: string, progress: number): Promise<string | null> => {
    const [applied, json] = await script(
      keys.task(id),
      keys.liveTasks,
      ',IN_PROGRESS,',
      'IN_PROGRESS',
      keys.taskChannel(id),
      0,
      id,
      Date.now(),
      'progress',
      String(progress),
    );
    return applied === 1 ? json : null;
  };
}
