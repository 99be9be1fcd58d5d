/**
 * fix35b (fix34c item 2), through the API on PostgreSQL with the worker role and the hcm-csdl simulator behind the
 * guard tests' proxy (test/helpers/guard-api.ts): a full run whose source renames most students of one school
 * (changes over `changeRatio`: its page is held) and no longer lists 40% of another (its reconciliation's deletions,
 * over `deleteRatio`) is held once, with both in the one hold (the reconciliation weighed ahead, its `reconciled`
 * count and codes); one approval applies the run whole: the renames and the deletions, no second hold. Before, the
 * hold showed the renames only and the run, approved, was held again at its end for the deletions.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/env.js';
import { guardCalls, useGuardWorld } from '../helpers/guard-api.js';

interface Run {
  status: string;
  reconcile: string | null;
  reconciled: number;
}
interface Hold {
  id: number;
  kind: string;
  status: string;
  weighing: { state: string } | null;
  reasons: Array<{ school: string; kind: string; count: number }>;
  diff: Array<{
    school: string;
    deleted: number;
    changed: number;
    reconciled?: number;
    keys: { deleted: string[] };
  }>;
}

describe('a held full run with changes and deletions (postgres, worker, hcm-csdl simulator)', () => {
  const w = useGuardWorld();
  const { get, post, live } = guardCalls(w);

  const runOf = async (id: number) => (await get(`/v1/syncs/${id}`)).json<Run>();
  const fullPull = async (): Promise<number> => {
    const res = await post('/v1/syncs', w.admin, { system: 'hcm-csdl', entity: 'students', full: true });
    expect(res.statusCode, res.body).toBe(202);
    return res.json<{ syncRunId: number }>().syncRunId;
  };
  const holdsOf = async (syncRunId: number): Promise<Hold[]> => {
    const res = await w.env.deps.db.query<{ id: string }>(
      'SELECT id FROM truc.guard_holds WHERE sync_run_id = $1 ORDER BY id',
      [syncRunId],
    );
    return Promise.all(res.rows.map(async (r) => (await get(`/v1/guard/holds/${r.id}`)).json<Hold>()));
  };

  it('is held once with both, and one approval applies it whole', async () => {
    // The city's students stored by a full run that found nothing to delete.
    const first = await fullPull();
    await waitFor(async () => ((await runOf(first)).reconcile === 'done' ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the first full run reconciled',
    });
    const schools = (
      await w.env.deps.db.query<{ s: string }>(
        `SELECT DISTINCT school_code AS s FROM truc.students WHERE source_system = 'hcm-csdl' ORDER BY 1`,
      )
    ).rows.map((r) => r.s);
    const [renamedAt, losing] = [schools[0]!, schools[1]!];
    const renamedBefore = await live(renamedAt);
    const losingBefore = await live(losing);
    const renamed = renamedBefore.slice(0, Math.round(renamedBefore.length * 0.6));
    const gone = losingBefore.slice(0, Math.round(losingBefore.length * 0.4));
    for (const code of renamed) w.proxy.rename.add(code);
    for (const code of gone) w.proxy.drop.add(code);

    const runId = await fullPull();
    const [hold] = await waitFor(
      async () => {
        const holds = await holdsOf(runId);
        // Made with its weighing under way (fix35b): decidable once it is not.
        return holds[0] && holds[0].weighing?.state !== 'weighing' ? holds : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the run held and weighed' },
    );
    expect(hold).toMatchObject({ kind: 'run', status: 'held', weighing: { state: 'whole' } });
    expect(hold!.reasons.map((r) => [r.school, r.kind, r.count]).sort()).toEqual(
      [
        [renamedAt, 'changed', renamed.length],
        [losing, 'deleted', gone.length],
      ].sort(),
    );
    const losingDiff = hold!.diff.find((d) => d.school === losing)!;
    expect(losingDiff).toMatchObject({ deleted: gone.length, reconciled: gone.length });
    expect([...losingDiff.keys.deleted].sort()).toEqual([...gone].sort());
    expect(await live(losing)).toEqual(losingBefore);

    const approved = await post(`/v1/guard/holds/${hold!.id}/approve`);
    expect(approved.statusCode, approved.body).toBe(200);
    const run = await waitFor(
      async () => {
        const r = await runOf(runId);
        expect(r.reconcile).not.toBe('held');
        return r.reconcile === 'done' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the approved run reconciled' },
    );
    expect(run).toMatchObject({ status: 'done', reconciled: gone.length });
    expect(await live(losing)).toEqual(losingBefore.filter((c) => !gone.includes(c)));
    const names = await w.env.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.students WHERE student_code = ANY($1::text[]) AND data->>'fullName' = 'Trần Văn Đổi'`,
      [renamed],
    );
    expect(names.rows[0]?.n).toBe(renamed.length);
    expect((await holdsOf(runId)).map((h) => [h.kind, h.status])).toEqual([['run', 'approved']]);
  });
});
