/**
 * walk5 W5-2: a push target's last success in the operations overview counts the deliveries it took, as its last
 * failure counts the deliveries it refused: a target that refused a delivery and took the next read "last failure"
 * after "last success" (its sync runs only; a push-only target none at all) for as long as no pull ran. Real
 * PostgreSQL, the API in process, a worker, and a stand-in for the city database that refuses one write for good
 * (400) and takes the next.
 */
import { describe, expect, it } from 'vitest';
import { startWorkerRole } from '../../src/roles.js';
import { waitFor } from '../helpers/env.js';
import { usePushTarget } from '../helpers/push-target.js';

interface SystemRow {
  system: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastErrorCode: string | null;
  runs24h: number;
}

describe('the overview’s last success of a push target', () => {
  const w = usePushTarget({ script: [400], fallback: 200 });
  const { push } = w;
  const when = async (sql: string) =>
    (await w.env.deps.db.query<{ at: Date | null }>(sql)).rows[0]?.at ?? null;
  const hcm = async () => (await w.systems<SystemRow>()).find((s) => s.system === 'hcm-csdl')!;

  it('a delivery taken after one refused for good is the last success, later than the failure', async () => {
    // The overview is read with no worker running (as overview-push-rate does): beside a busy worker on a loaded
    // machine its reads could time out (503), which is not what this file is about.
    let refusedAt: Date | null = null;
    let deliveredAt: Date | null = null;
    let worker = startWorkerRole(w.env.deps);
    try {
      await push('W52A');
      await waitFor(
        async () =>
          (refusedAt = await when(
            `SELECT max(failed_at) AS at FROM truc.dead_letters WHERE queue = 'push.hcm-csdl'`,
          )) !== null,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the refused delivery’s dead letter' },
      );
    } finally {
      await worker.stop();
    }
    // Before any delivery was taken: no success, the refusal is the last failure (as before).
    expect(await hcm()).toMatchObject({ lastSuccessAt: null, lastFailureAt: refusedAt!.toISOString() });
    worker = startWorkerRole(w.env.deps);
    try {
      await push('W52B');
      await waitFor(
        async () => (deliveredAt = await when(`SELECT max(delivered_at) AS at FROM truc.push_sets`)) !== null,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the second delivery' },
      );
    } finally {
      await worker.stop();
    }
    const row = await hcm();
    expect(row.runs24h).toBe(0);
    expect(row.lastSuccessAt).toBe(deliveredAt!.toISOString());
    expect(Date.parse(row.lastSuccessAt!)).toBeGreaterThan(Date.parse(row.lastFailureAt!));
  }, 120_000);
});
