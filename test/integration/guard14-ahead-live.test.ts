/**
 * ops14 found by hand, guard14 read why: a held full run's reconciliation weighed ahead (src/jobs/reconcile-ahead.ts)
 * weighed a school's deletions against its live records less what the held page would bring there, though that page
 * was never applied ("deleted 30 of 22 live (136 %)" where 30 were live). Now the pages weighed but not applied are
 * taken apart (src/jobs/run-counts.ts `withRun`, `unapplied`): the school's deletions are weighed against its live
 * records as stored. Through the API on PostgreSQL with the worker role and the hcm-csdl simulator behind the guard
 * tests' proxy.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/env.js';
import { guardCalls, useGuardWorld } from '../helpers/guard-api.js';

interface Hold {
  id: number;
  status: string;
  weighing: { state: string } | null;
  reasons: Array<{ school: string; kind: string; count: number; live: number }>;
  diff: Array<{ school: string; deleted: number; reconciled?: number }>;
}

describe('a held full run’s reconciliation weighed ahead, a school gaining students on the held page (guard14)', () => {
  const w = useGuardWorld();
  const { get, post, live } = guardCalls(w);

  const fullPull = async (): Promise<number> => {
    const res = await post('/v1/syncs', w.admin, { system: 'hcm-csdl', entity: 'students', full: true });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ syncRunId: number }>().syncRunId;
  };

  it('weighs the school’s deletions against its live records as stored, not less the arrivals held', async () => {
    const first = await fullPull();
    await waitFor(
      async () =>
        (await get(`/v1/syncs/${first}`)).json<{ reconcile: string | null }>().reconcile === 'done'
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 200, what: 'the first full run reconciled' },
    );
    const schools = (
      await w.env.deps.db.query<{ s: string }>(
        `SELECT DISTINCT school_code AS s FROM truc.students WHERE source_system = 'hcm-csdl' ORDER BY 1`,
      )
    ).rows.map((r) => r.s);
    const [renamedAt, losing, giving] = [schools[0]!, schools[1]!, schools[2]!];
    const renamedBefore = await live(renamedAt);
    const losingBefore = await live(losing);
    const givingBefore = await live(giving);
    // the run's page held for the renames; the losing school no longer has 40 % of its students, and gains 8
    for (const code of renamedBefore.slice(0, Math.round(renamedBefore.length * 0.6)))
      w.proxy.rename.add(code);
    const gone = losingBefore.slice(0, Math.round(losingBefore.length * 0.4));
    for (const code of gone) w.proxy.drop.add(code);
    for (const code of givingBefore.slice(0, 8)) w.proxy.move.set(code, losing);

    const runId = await fullPull();
    const hold = await waitFor(
      async () => {
        const res = await w.env.deps.db.query<{ id: string }>(
          'SELECT id FROM truc.guard_holds WHERE sync_run_id = $1 ORDER BY id',
          [runId],
        );
        if (!res.rows[0]) return undefined;
        const h = (await get(`/v1/guard/holds/${res.rows[0].id}`)).json<Hold>();
        return h.weighing?.state !== 'weighing' ? h : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the run held and weighed' },
    );
    expect(hold).toMatchObject({ status: 'held', weighing: { state: 'whole' } });
    const losingReason = hold.reasons.find((r) => r.school === losing && r.kind === 'deleted');
    expect(losingReason).toMatchObject({ count: gone.length, live: losingBefore.length });
    expect(hold.diff.find((d) => d.school === losing)).toMatchObject({
      deleted: gone.length,
      reconciled: gone.length,
    });
    // nothing applied while held
    expect(await live(losing)).toEqual(losingBefore);
  });
});
