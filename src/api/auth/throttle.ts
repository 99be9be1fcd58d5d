/**
 * Failed-login throttling (issue 9): growing delays per source address and per client id at a source
 * address, never a lock that someone else can keep armed (an outsider's guesses delay only attempts
 * from the outsider's own address). Each attempt is taken atomically BEFORE the secret is hashed and
 * counted as a failure until it succeeds, so parallel guesses cannot all be checked. Unknown client
 * ids are throttled exactly like real ones. Redis (a Lua script) when configured, else PostgreSQL.
 */
import type { Redis } from 'ioredis';
import { createAuthThrottleRepo, delayMs, type ThrottleRule } from '../../store/auth-throttle.js';
import type { Db } from '../../store/db.js';

export interface ThrottleSettings {
  /** Failures per client id at one source address before delays start. */
  clientFree: number;
  /** Failures per source address (any client id) before delays start. */
  addressFree: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten this long after the last one. */
  windowSeconds: number;
  /** Redis key prefix. */
  prefix: string;
}

export interface LoginThrottle {
  /** 0 when the attempt may be checked now, else the milliseconds to wait (nothing counted). */
  take(clientId: string, address: string): Promise<number>;
  succeeded(clientId: string, address: string): Promise<void>;
}

function rules(s: ThrottleSettings, clientId: string, address: string) {
  const common = { baseDelayMs: s.baseDelayMs, maxDelayMs: s.maxDelayMs };
  return {
    pair: { key: `c:${clientId}@${address}`, free: s.clientFree, ...common },
    address: { key: `a:${address}`, free: s.addressFree, ...common },
  };
}

/**
 * KEYS: the throttle keys; ARGV: now (ms), window (ms), then per key: free, base, max. Refuses (and
 * counts nothing) while any key's next_at is in the future; else counts one failure on every key.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local nextAt = tonumber(redis.call('HGET', key, 'n') or '0')
  if nextAt - now > wait then wait = nextAt - now end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local free = tonumber(ARGV[3 + (i - 1) * 3])
  local base = tonumber(ARGV[4 + (i - 1) * 3])
  local max = tonumber(ARGV[5 + (i - 1) * 3])
  local f = redis.call('HINCRBY', key, 'f', 1)
  local d = 0
  if f > free then
    d = base * (2 ^ math.min(f - free - 1, 30))
    if d > max then d = max end
  end
  redis.call('HSET', key, 'n', now + d)
  redis.call('PEXPIRE', key, window)
end
return 0
`;

/** Redis: one Lua script per attempt, so every replica sees and counts the same attempts. */
export function redisThrottle(redis: Redis, s: ThrottleSettings): LoginThrottle {
  const k = (key: string) => `${s.prefix}:auth-throttle:${key}`;
  return {
    async take(clientId, address) {
      const r = rules(s, clientId, address);
      const list: ThrottleRule[] = [r.pair, r.address];
      const args = list.flatMap((x) => [x.free, x.baseDelayMs, x.maxDelayMs]);
      const wait = await redis.eval(
        TAKE,
        list.length,
        ...list.map((x) => k(x.key)),
        Date.now(),
        s.windowSeconds * 1000,
        ...args,
      );
      return Number(wait);
    },
    async succeeded(clientId, address) {
      const r = rules(s, clientId, address);
      await redis.multi().del(k(r.pair.key)).hincrby(k(r.address.key), 'f', -1).exec();
    },
  };
}

/** PostgreSQL: the same rules, atomic through row locks (see createAuthThrottleRepo). */
export function dbThrottle(db: Db, s: ThrottleSettings): LoginThrottle {
  const repo = createAuthThrottleRepo(db);
  return {
    take(clientId, address) {
      const r = rules(s, clientId, address);
      return repo.take([r.pair, r.address], s.windowSeconds);
    },
    async succeeded(clientId, address) {
      const r = rules(s, clientId, address);
      await repo.succeeded([r.pair.key], [r.address.key]);
    },
  };
}

export { delayMs };
