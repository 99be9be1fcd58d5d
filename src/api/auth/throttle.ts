/**
 * Failed-login throttling (issue 9): growing delays per source address and per client id at a source
 * address, never a lock that someone else can keep armed (an outsider's guesses delay only attempts
 * from the outsider's own address). Unknown client ids are throttled exactly like real ones. Redis (a Lua
 * script) when configured, else PostgreSQL.
 *
 * Attempts being checked are counted apart from failures (review27b F5: correct logins sent together counted as
 * failures until each succeeded, and were refused as failed logins). Only a failure counts as one and sets the
 * delays; the attempts in flight are bounded by the failures a key has left ({@link inFlightAllowance}), so
 * parallel guesses still cannot all be checked: an attempt beyond it waits (up to `holdMs`) for those in flight to
 * end: let through when they succeeded, told to wait when they failed.
 */
import type { Redis } from 'ioredis';
import {
  createAuthThrottleRepo,
  delayMs,
  inFlightAllowance,
  THROTTLE_BUSY,
  type LoginOutcome,
  type ThrottleRule,
} from '../../store/auth-throttle.js';
import type { Db } from '../../store/db.js';
import { sleep } from '../../observability/deadline.js';

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
  /** How long an attempt beyond the attempts allowed in flight waits for them to end before it is told to retry. */
  holdMs: number;
}

export interface LoginThrottle {
  /**
   * 0 when the attempt may be checked now (it is then in flight until {@link finish}), else the milliseconds to
   * wait (nothing counted).
   */
  take(clientId: string, address: string): Promise<number>;
  /** Ends an attempt take() let through, once, however it ended. */
  finish(clientId: string, address: string, outcome: LoginOutcome): Promise<void>;
}

export type { LoginOutcome };

/** An in-flight count untouched this long is forgotten (its process died mid-check). */
const IN_FLIGHT_STALE_MS = 30_000;
/** How often a held attempt looks again. */
const HOLD_POLL_MS = 25;
/** The wait told to an attempt that was held `holdMs` and still found the attempts in flight at their limit. */
const BUSY_RETRY_MS = 1000;

function rules(s: ThrottleSettings, clientId: string, address: string) {
  const common = { baseDelayMs: s.baseDelayMs, maxDelayMs: s.maxDelayMs };
  return {
    pair: { key: `c:${clientId}@${address}`, free: s.clientFree, ...common },
    address: { key: `a:${address}`, free: s.addressFree, ...common },
  };
}

/** Takes through `once` (0, a wait, or THROTTLE_BUSY), holding a busy attempt up to `holdMs`. */
async function holding(once: () => Promise<number>, holdMs: number): Promise<number> {
  const until = Date.now() + holdMs;
  for (;;) {
    const wait = await once();
    if (wait !== THROTTLE_BUSY) return wait;
    if (Date.now() >= until) return BUSY_RETRY_MS;
    await sleep(HOLD_POLL_MS);
  }
}

/**
 * KEYS: the throttle keys; ARGV: now (ms), window (ms), stale (ms), then each key's free. Returns the wait while any
 * key's next_at is in the future, -1 while any key has as many attempts in flight as it allows (the same rule as
 * inFlightAllowance), else takes one attempt in flight on every key and returns 0.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local wait = 0
local busy = false
local flying = {}
for i, key in ipairs(KEYS) do
  local h = redis.call('HMGET', key, 'n', 'f', 'p', 't')
  local nextAt = tonumber(h[1] or '0')
  local f = tonumber(h[2] or '0')
  local p = tonumber(h[3] or '0')
  if now - tonumber(h[4] or '0') > tonumber(ARGV[3]) then p = 0 end
  if nextAt - now > wait then wait = nextAt - now end
  if p >= math.max(1, tonumber(ARGV[3 + i]) + 1 - f) then busy = true end
  flying[i] = p
end
if wait > 0 then return wait end
if busy then return -1 end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'p', flying[i] + 1, 't', now)
  redis.call('PEXPIRE', key, ARGV[2])
end
return 0
`;

/**
 * KEYS: the throttle keys; ARGV: now (ms), window (ms), outcome, then per key: free, base, max, reset (1: a success
 * starts it over). Ends one attempt in flight on every key; a failure counts and sets the delay (as delayMs).
 */
const FINISH = `
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local o = 4 + (i - 1) * 4
  local p = tonumber(redis.call('HGET', key, 'p') or '0')
  redis.call('HSET', key, 'p', math.max(p - 1, 0), 't', now)
  if ARGV[3] == 'failed' then
    local free = tonumber(ARGV[o])
    local f = redis.call('HINCRBY', key, 'f', 1)
    local d = 0
    if f > free then
      d = tonumber(ARGV[o + 1]) * (2 ^ math.min(f - free - 1, 30))
      if d > tonumber(ARGV[o + 2]) then d = tonumber(ARGV[o + 2]) end
    end
    if now + d > tonumber(redis.call('HGET', key, 'n') or '0') then redis.call('HSET', key, 'n', now + d) end
    redis.call('PEXPIRE', key, ARGV[2])
  else
    if ARGV[3] == 'succeeded' and ARGV[o + 3] == '1' then redis.call('HSET', key, 'f', 0, 'n', 0) end
    if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[2]) end
  end
end
return 0
`;

/** Redis: one Lua script per step, so every replica sees and counts the same attempts. */
export function redisThrottle(redis: Redis, s: ThrottleSettings): LoginThrottle {
  const k = (key: string) => `${s.prefix}:auth-throttle:${key}`;
  const keysOf = (clientId: string, address: string) => {
    const r = rules(s, clientId, address);
    return [r.pair, r.address] as ThrottleRule[];
  };
  return {
    take(clientId, address) {
      const list = keysOf(clientId, address);
      const once = async () =>
        Number(
          await redis.eval(
            TAKE,
            list.length,
            ...list.map((x) => k(x.key)),
            Date.now(),
            s.windowSeconds * 1000,
            IN_FLIGHT_STALE_MS,
            ...list.map((x) => x.free),
          ),
        );
      return holding(once, s.holdMs);
    },
    async finish(clientId, address, outcome) {
      const list = keysOf(clientId, address);
      const args = list.flatMap((x, i) => [x.free, x.baseDelayMs, x.maxDelayMs, i === 0 ? 1 : 0]);
      const keys = list.map((x) => k(x.key));
      await redis.eval(FINISH, list.length, ...keys, Date.now(), s.windowSeconds * 1000, outcome, ...args);
    },
  };
}

/** PostgreSQL: the same rules, atomic through row locks (see createAuthThrottleRepo). */
export function dbThrottle(db: Db, s: ThrottleSettings): LoginThrottle {
  const repo = createAuthThrottleRepo(db);
  return {
    take(clientId, address) {
      const r = rules(s, clientId, address);
      return holding(() => repo.take([r.pair, r.address], s.windowSeconds, IN_FLIGHT_STALE_MS), s.holdMs);
    },
    async finish(clientId, address, outcome) {
      const r = rules(s, clientId, address);
      await repo.finish([r.pair, r.address], outcome, [r.pair.key], s.windowSeconds);
    },
  };
}

export { delayMs, inFlightAllowance };
