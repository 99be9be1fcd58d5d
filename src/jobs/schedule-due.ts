/**
 * When a cron schedule was last due (review27c F4): computed with BullMQ's own `getNextMillis` (the times its job
 * scheduler fires at, in the schedule's time zone), which only looks forward, so the latest due time is found by
 * looking back from now in spans that double, then stepping forward within the span that holds one.
 */
import { getNextMillis } from 'bullmq';

/** At most this many steps forward within a span (a pattern of every second, looked at over a day). */
const MAX_STEPS = 10_000;

/** The first time of `pattern` in `tz` after `millis` (exclusive), or undefined (none, or a pattern cron refuses). */
function nextAfter(pattern: string, tz: string, millis: number): number | undefined {
  try {
    const next = getNextMillis(millis, { pattern, tz });
    return typeof next === 'number' && Number.isFinite(next) ? next : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The latest time of cron `pattern` (in time zone `tz`) in (`after`, `now`], in epoch milliseconds, or undefined
 * when the pattern has none there.
 */
export function latestDue(pattern: string, tz: string, after: number, now: number): number | undefined {
  if (!(after < now)) return undefined;
  for (let span = 1_000; ; span *= 2) {
    const from = Math.max(after, now - span);
    const first = nextAfter(pattern, tz, from);
    if (first !== undefined && first <= now) return lastUpTo(pattern, tz, first, now);
    if (from === after) return undefined;
  }
}

/** From `t` (a time of the pattern, at most `now`) forward to the last one at most `now`. */
function lastUpTo(pattern: string, tz: string, t: number, now: number): number {
  let last = t;
  for (let i = 0; i < MAX_STEPS; i++) {
    const next = nextAfter(pattern, tz, last);
    if (next === undefined || next > now) return last;
    last = next;
  }
  return last;
}
