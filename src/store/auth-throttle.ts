import type { Db, Queryable } from './db.js';

/** One throttle key's rule: failures allowed before delays, first delay (doubling), longest delay. */
export interface ThrottleRule {
  key: string;
  free: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What {@link createAuthThrottleRepo}'s take answers when every key has no delay but as many attempts in flight as it allows. */
export const THROTTLE_BUSY = -1;

const DAY_MS = 86_400_000;

/** How an attempt the throttle let through ended. */
export type LoginOutcome = 'succeeded' | 'failed' | 'abandoned';

/**
 * The attempts a key lets be checked at once (review27b F5): as many as it has failures left before its delays
 * start, counting those already in flight as if they failed (so parallel guesses cannot all be checked), and one
 * once its failures are spent (each failure then sets the next delay before another attempt is checked).
 */
export function inFlightAllowance(free: number, failures: number): number {
  return Math.max(1, free + 1 - failures);
}

/** The keys' rows, locked in key order, with their wait and the attempts in flight (0 when stale). */
async function lockedRows(q: Queryable, keys: string[], staleMs: number) {
  const res = await q.query<{ key: string; failures: number; in_flight: number; wait_ms: number }>(
    `SELECT key, failures,
            CASE WHEN in_flight_at < clock_timestamp() - make_interval(secs => $2::float8 / 1000) THEN 0
                 ELSE in_flight END AS in_flight,
            GREATEST(0, ceil(extract(epoch FROM (next_at - clock_timestamp())) * 1000))::float8 AS wait_ms
       FROM truc.auth_throttle WHERE key = ANY($1) ORDER BY key FOR UPDATE`,
    [keys, staleMs],
  );
  return res.rows;
}

/**
 * Failed-login throttle state in PostgreSQL (when no Redis is configured). Atomic across processes: the rows of all
 * keys are locked in key order, checked and changed in one transaction.
 */
export function createAuthThrottleRepo(db: Db) {
  return {
    /**
     * Takes one attempt in flight on every key, or none: 0 when the attempt may be checked (it stays in flight until
     * {@link finish}), the milliseconds to wait while a key's delay runs, or {@link THROTTLE_BUSY} while a key has
     * as many attempts in flight as it allows (nothing counted either way). In-flight counts untouched for
     * `staleMs` are taken as 0 (their process died mid-check).
     */
    async take(rules: readonly ThrottleRule[], windowSeconds: number, staleMs: number): Promise<number> {
      const sorted = [...rules].sort((a, b) => (a.key < b.key ? -1 : 1));
      const keys = sorted.map((r) => r.key);
      return db.tx(async (q) => {
        await q.query(`DELETE FROM truc.auth_throttle WHERE expires_at < now() AND key = ANY($1)`, [keys]);
        await q.query(
          `INSERT INTO truc.auth_throttle (key, expires_at)
           SELECT k, now() + make_interval(secs => $2) FROM unnest($1::text[]) AS k
           ON CONFLICT (key) DO NOTHING`,
          [keys, windowSeconds],
        );
        const rows = await lockedRows(q, keys, staleMs);
        const wait = Math.max(0, ...rows.map((r) => Number(r.wait_ms)));
        if (wait > 0) return wait;
        const ruleOf = (key: string) => sorted.find((r) => r.key === key)!;
        if (rows.some((r) => r.in_flight >= inFlightAllowance(ruleOf(r.key).free, r.failures)))
          return THROTTLE_BUSY;
        await q.query(
          `UPDATE truc.auth_throttle AS t
              SET in_flight = v.n, in_flight_at = clock_timestamp(), expires_at = now() + make_interval(secs => $3)
             FROM unnest($1::text[], $2::int[]) AS v(key, n) WHERE t.key = v.key`,
          [rows.map((r) => r.key), rows.map((r) => r.in_flight + 1), windowSeconds],
        );
        return 0;
      });
    },
    /**
     * Ends an attempt {@link take} let through. A failure counts on every key and sets its next delay; a success
     * starts the `reset` keys over (the client at its address) and leaves the others (the address) as they are: an
     * attacker's own good logins lift no delay of its address; an abandoned attempt only leaves the flight.
     */
    async finish(
      rules: readonly ThrottleRule[],
      outcome: LoginOutcome,
      resetKeys: readonly string[],
      windowSeconds: number,
    ): Promise<void> {
      const sorted = [...rules].sort((a, b) => (a.key < b.key ? -1 : 1));
      await db.tx(async (q) => {
        const rows = await lockedRows(
          q,
          sorted.map((r) => r.key),
          DAY_MS, // in_flight is not read here
        );
        for (const row of rows) {
          const rule = sorted.find((r) => r.key === row.key)!;
          const failures = outcome === 'failed' ? row.failures + 1 : row.failures;
          const reset = outcome === 'succeeded' && resetKeys.includes(row.key);
          await q.query(
            `UPDATE truc.auth_throttle
                SET in_flight = GREATEST(in_flight - 1, 0), in_flight_at = clock_timestamp(),
                    failures = CASE WHEN $2 THEN 0 ELSE $3::int END,
                    next_at = CASE WHEN $2 THEN 'epoch'::timestamptz WHEN $5 THEN
                      GREATEST(next_at, clock_timestamp() + make_interval(secs => $4::float8 / 1000)) ELSE next_at END,
                    expires_at = CASE WHEN $5 THEN now() + make_interval(secs => $6) ELSE expires_at END
              WHERE key = $1`,
            [row.key, reset, failures, delayMs(rule, failures), outcome === 'failed', windowSeconds],
          );
        }
      });
    },
  };
}

/** The wait after the `failures`-th failure: none within `free`, then doubling up to the cap. */
export function delayMs(rule: ThrottleRule, failures: number): number {
  if (failures <= rule.free) return 0;
  return Math.min(rule.baseDelayMs * 2 ** Math.min(failures - rule.free - 1, 30), rule.maxDelayMs);
}
