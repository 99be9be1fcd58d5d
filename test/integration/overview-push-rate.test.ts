/**
 * ops29: the overview's 24 h error rate of a push target counts its push deliveries beside its sync runs (it
 * counted runs only: a target whose every delivery was dead-lettered read 0 %). Real PostgreSQL, the API in
 * process, a worker, and a stand-in for the city database that takes one write and then answers 503 to every
 * other (down): the second delivery spends its attempts and is dead-lettered.
 */
import { describe, expect, it } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import { waitFor } from '../helpers/env.js';
import { usePushTarget } from '../helpers/push-target.js';

interface SystemRow {
  system: string;
  runs24h: number;
  failed24h: number;
  pushDelivered24h: number;
  pushFailed24h: number;
  errorRate24h: number;
  lastErrorCode: string | null;
}

describe('the overview’s 24 h error rate of a push target', () => {
  const w = usePushTarget(
    { script: [200], fallback: 503 },
    {
      // The circuit would open at the 5th failure and hand the job back (no attempt spent) until the target
      // answers: here it stays closed, so the delivery spends its 5 attempts and is dead-lettered.
      configure: (c) => ({
        ...c,
        sync: { ...c.sync, delivery: { ...c.sync.delivery, failureThreshold: 1000 } },
      }),
    },
  );
  const { push } = w;
  const count = async (sql: string) => (await w.env.deps.db.query<{ n: number }>(sql)).rows[0]!.n;

  it('counts a delivery dead-lettered (the target down, attempts exhausted) and one delivered', async () => {
    const worker = startWorkerRole(w.env.deps);
    try {
      await push('OPS29A');
      await waitFor(
        async () =>
          (await count(`SELECT count(*)::int AS n FROM truc.push_sets WHERE delivered_at IS NOT NULL`)) > 0,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the first delivery' },
      );
      await push('OPS29B');
      await waitFor(
        async () =>
          (await count(
            `SELECT count(*)::int AS n FROM truc.dead_letters
              WHERE queue = 'push.hcm-csdl' AND error_code = 'ERR_ADAPTER_UNAVAILABLE'`,
          )) > 0,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the second delivery’s dead letter' },
      );
    } finally {
      await worker.stop();
    }
    // Dead-lettered after its attempts, each a 503 of the city database.
    expect(w.city.puts.filter((p) => p.status === 503)).toHaveLength(w.env.config.jobs.attempts);

    const hcm = (await w.systems<SystemRow>()).find((s) => s.system === 'hcm-csdl');
    expect(hcm).toMatchObject({
      runs24h: 0,
      failed24h: 0,
      pushDelivered24h: 1,
      pushFailed24h: 1,
      errorRate24h: 0.5,
      lastErrorCode: 'ERR_ADAPTER_UNAVAILABLE',
    });
  }, 120_000);
});
