/**
 * perf13a (issue 7): truc's PostgreSQL pool keeps its connections open while idle (config database.poolIdleTimeoutMs,
 * 0 by default). A new backend faults in every shared-buffer page it touches: a changed batch's PostgreSQL CPU on
 * backends already used ~41 against ~65 ms on fresh ones (docs/vendor-push-path.md). Against the real PostgreSQL:
 * the backends that served three statements serve the next three after ten minutes idle (the pool's idle timers
 * are faked: with a timeout, they would have closed them and new backends, new pids, would answer).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DatabaseSchema } from '../../src/config/service.js';
import { openDatabase } from '../../src/store/open.js';
import { PG_ADMIN_URL } from '../helpers/env.js';
import type { Db } from '../../src/store/db.js';

/** The backends (pids) three statements running side by side got from the pool. */
async function backends(db: Db): Promise<Set<number>> {
  const rows = await Promise.all(
    [0, 1, 2].map(() => db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')),
  );
  return new Set(rows.map((r) => r.rows[0]!.pid));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('perf13a: the PostgreSQL pool keeps idle connections', () => {
  it('by default, the same backends answer after ten minutes idle', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { poolIdleTimeoutMs } = DatabaseSchema.parse({ url: PG_ADMIN_URL });
    const { db } = await openDatabase({ url: PG_ADMIN_URL, dataDir: '/nonexistent', poolIdleTimeoutMs });
    try {
      const before = await backends(db);
      expect(before.size).toBe(3);
      vi.advanceTimersByTime(10 * 60_000);
      vi.useRealTimers();
      expect(await backends(db)).toEqual(before);
    } finally {
      await db.close();
    }
  });
});
