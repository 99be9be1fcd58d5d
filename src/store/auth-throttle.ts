import type { Db } from './db.js';

/** One throttle key's rule: failures allowed before delays, first delay (doubling), longest delay. */
export interface ThrottleRule {
  key: string;
  free: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Failed-login throttle state in PostgreSQL (when no Redis is configured). `take` is atomic across
 * processes: the rows of all keys are locked in key order, checked, and counted in one transaction.
 */
export function createAuthThrottleRepo(db: Db) {
  return {
    /**
     * Takes one attempt for every key, or none: returns 0 when the attempt may be checked (it is
     * counted as a failure until {@link succeeded} refunds it), or the milliseconds to wait.
     */
    async take(rules: readonly ThrottleRule[], windowSeconds: number): Promise<number> {
      const sorted = [...rules].sort((a, b) => (a.key < b.key ? -1 : 1));
      return db.tx(async (q) => {
        await q.query(`DELETE FROM truc.auth_throttle WHERE expires_at < now() AND key = ANY($1)`, [
          sorted.map((r) => r.key),
        ]);
        await q.query(
          `INSERT INTO truc.auth_throttle (key, expires_at)
           SELECT k, now() + make_interval(secs => $2) FROM unnest($1::text[]) AS k
           ON CONFLICT (key) DO NOTHING`,
          [sorted.map((r) => r.key), windowSeconds],
        );
        const res = await q.query<{ key: string; failures: number; wait_ms: number }>(
          `SELECT key, failures,
                  GREATEST(0, ceil(extract(epoch FROM (next_at - clock_timestamp())) * 1000))::float8 AS wait_ms
             FROM truc.auth_throttle WHERE key = ANY($1) ORDER BY key FOR UPDATE`,
          [sorted.map((r) => r.key)],
        );
        const wait = Math.max(0, ...res.rows.map((r) => Number(r.wait_ms)));
        if (wait > 0) return wait;
        for (const row of res.rows) {
          const rule = sorted.find((r) => r.key === row.key)!;
          const failures = row.failures + 1;
          await q.query(
            `UPDATE truc.auth_throttle
                SET failures = $2, next_at = clock_timestamp() + make_interval(secs => $3::float8 / 1000),
                    expires_at = now() + make_interval(secs => $4)
              WHERE key = $1`,
            [row.key, failures, delayMs(rule, failures), windowSeconds],
          );
        }
        return 0;
      });
    },
    /**
     * A proven secret: the client's key at this source starts over; other keys (the source address) get
     * the attempt back, but keep their current delay (an attacker's own good logins cannot reset it).
     */
    async succeeded(resetKeys: readonly string[], refundKeys: readonly string[]): Promise<void> {
      await db.query('DELETE FROM truc.auth_throttle WHERE key = ANY($1)', [[...resetKeys]]);
      await db.query(
        'UPDATE truc.auth_throttle SET failures = GREATEST(failures - 1, 0) WHERE key = ANY($1)',
        [[...refundKeys]],
      );
    },
  };
}

/** The wait after the `failures`-th failure: none within `free`, then doubling up to the cap. */
export function delayMs(rule: ThrottleRule, failures: number): number {
  if (failures <= rule.free) return 0;
  return Math.min(rule.baseDelayMs * 2 ** Math.min(failures - rule.free - 1, 30), rule.maxDelayMs);
}
