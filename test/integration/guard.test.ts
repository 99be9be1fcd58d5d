/**
 * The mass-change guard through its API (issue 7): held full runs. On PostgreSQL with the worker role and the
 * hcm-csdl simulator behind a proxy this test owns (it makes the source "lose" students from its pages):
 * - a full run that would delete 40% of a school is held; a city admin lists and inspects it (counts,
 *   and the student codes only when inspecting one), rejects it (nothing deleted), and approves the next
 *   one (the deletions go through); every step is in the audit;
 * - a held reconciliation approved after a newer full run saw the whole school again deletes nothing
 *   (superseded: the newer run's reconciliation decides; it found nothing to delete).
 * Held vendor batches and snapshots: guard-vendor.test.ts (the same world: test/helpers/guard-api.ts).
 */
import { describe, expect, it } from 'vitest';
import { expectProblem } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';
import { guardCalls, useGuardWorld, type HoldSummary } from '../helpers/guard-api.js';

describe('the mass-change guard API on postgres, with the worker and the hcm-csdl simulator', () => {
  const w = useGuardWorld();
  const { get, post, live, heldHolds, auditOfHold } = guardCalls(w);

  /** A full pull of hcm-csdl students, until its reconciliation is done or held. */
  async function fullPull(): Promise<{ syncRunId: number; reconcile: string; reconciled: number }> {
    const res = await post('/v1/syncs', w.admin, { system: 'hcm-csdl', entity: 'students', full: true });
    expect(res.statusCode, res.body).toBe(202);
    const { syncRunId } = res.json<{ syncRunId: number }>();
    return waitFor(
      async () => {
        const run = (await get(`/v1/syncs/${syncRunId}`)).json<{
          status: string;
          reconcile: string | null;
          reconciled: number;
        }>();
        expect(run.status).not.toBe('failed');
        return run.reconcile === 'done' || run.reconcile === 'held'
          ? { syncRunId, reconcile: run.reconcile, reconciled: run.reconciled }
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `sync run ${syncRunId} to reconcile` },
    );
  }
  /**
   * The students of the `nth` school (by code) as the source serves them in full: the proxy drops
   * nobody, and a full run (reconciled, nothing to delete) has stored them. Each test that makes the
   * source lose students starts here with a school of its own, so it needs no other test before it.
   */
  async function schoolInFull(nth: number): Promise<{ school: string; before: string[] }> {
    w.proxy.drop.clear();
    expect(await fullPull()).toMatchObject({ reconcile: 'done', reconciled: 0 });
    const schools = (
      await w.env.deps.db.query<{ s: string }>(
        `SELECT DISTINCT school_code AS s FROM truc.students WHERE source_system = 'hcm-csdl' ORDER BY 1`,
      )
    ).rows.map((r) => r.s);
    expect(schools).toHaveLength(3);
    const school = schools[nth]!;
    const before = await live(school);
    expect(before.length).toBeGreaterThanOrEqual(20);
    return { school, before };
  }

  /**
   * The source suddenly serves 60% of the `nth` school's students (from a full run of its own): the
   * next full run is held with nothing deleted. Its hold, and who went missing.
   */
  async function heldRunLosing40(nth: number) {
    const { school, before } = await schoolInFull(nth);
    const gone = before.slice(0, Math.round(before.length * 0.4));
    for (const code of gone) w.proxy.drop.add(code);
    const run = await fullPull();
    expect(run.reconcile).toBe('held');
    expect(await live(school)).toEqual(before);
    const hold = (await heldHolds()).find((h) => h.syncRunId === run.syncRunId);
    expect(hold).toBeDefined();
    return { school, before, gone, run, hold: hold! };
  }

  it('holds a full run that would delete 40% of a school; rejecting it deletes nothing', async () => {
    const { school, before, gone, run, hold } = await heldRunLosing40(0);
    expect(hold).toMatchObject({
      kind: 'reconcile',
      status: 'held',
      syncRunId: run.syncRunId,
      schools: 1,
      totals: { live: before.length, deleted: gone.length },
    });
    expect(hold.reasons).toEqual([
      expect.objectContaining({ school, kind: 'deleted', count: gone.length, live: before.length }),
    ]);
    // The list carries counts only; one hold's inspection carries the student codes.
    expect(JSON.stringify(hold)).not.toContain(gone[0]!);
    const inspected = (await get(`/v1/guard/holds/${hold.id}`)).json<{
      diff: Array<{ school: string; deleted: number; keys: { deleted: string[] } }>;
    }>();
    expect(inspected.diff).toEqual([
      expect.objectContaining({
        school,
        deleted: gone.length,
        // fix33b: the reconciliation's own deletions, told apart from the run's pages' (none here)
        reconciled: gone.length,
        keys: expect.objectContaining({ deleted: gone }),
      }),
    ]);

    const rejected = await post(`/v1/guard/holds/${hold.id}/reject`);
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({ id: hold.id, status: 'rejected', decidedById: w.adminId });
    expect((await get(`/v1/syncs/${run.syncRunId}`)).json()).toMatchObject({
      reconcile: 'done',
      reconciled: 0,
      reconcileNote: 'guard-rejected',
    });
    expect(await live(school)).toEqual(before);
    // Decided once.
    expectProblem(await post(`/v1/guard/holds/${hold.id}/approve`), 409, 'ERR_GUARD_NOT_HELD');
    expect(await live(school)).toEqual(before);
    expect(await auditOfHold('guard.rejected', hold.id)).toEqual([
      { actor: w.adminId, subject: `guard-hold:${hold.id}` },
    ]);
    expect(await auditOfHold('guard.held', hold.id)).toEqual([
      { actor: 'system:guard', subject: `guard-hold:${hold.id}` },
    ]);
    expect((await get(`/v1/guard/holds/${hold.id}`)).json()).toMatchObject({ status: 'rejected' });
  });

  it('approving such a run lets its deletions through, audited', async () => {
    const { school, before, gone, run, hold } = await heldRunLosing40(1);
    expect(hold).toMatchObject({ kind: 'reconcile', totals: { deleted: gone.length } });
    const approved = await post(`/v1/guard/holds/${hold.id}/approve`);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decidedById: w.adminId });
    await waitFor(
      async () =>
        (await get(`/v1/syncs/${run.syncRunId}`)).json<{ reconcile: string }>().reconcile === 'done'
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 200, what: 'the approved reconciliation' },
    );
    expect(await live(school)).toEqual(before.filter((c) => !gone.includes(c)));
    expect((await get(`/v1/syncs/${run.syncRunId}`)).json()).toMatchObject({ reconciled: gone.length });
    expect(await auditOfHold('guard.approved', hold.id)).toEqual([
      { actor: w.adminId, subject: `guard-hold:${hold.id}` },
    ]);
    expect(await auditOfHold('guard.held', hold.id)).toEqual([
      { actor: 'system:guard', subject: `guard-hold:${hold.id}` },
    ]);
    // The decision is listed with its state.
    const all = (await get('/v1/guard/holds')).json<{ items: HoldSummary[] }>();
    expect(all.items.find((i) => i.id === hold.id)).toMatchObject({ status: 'approved' });
  });

  it('a held reconciliation approved after a newer full run saw every student again deletes nothing', async () => {
    const { school, before, run, hold } = await heldRunLosing40(2);
    // The source serves the whole school again; a newer full run sees every student (unchanged: not rewritten).
    w.proxy.drop.clear();
    expect(await fullPull()).toMatchObject({ reconcile: 'done', reconciled: 0 });
    // The admin approves the older hold afterwards: its view of the school is stale. 409 superseded, the
    // hold closed as superseded, audited; the reconciliation is done at once and deleted nothing.
    const late = await post(`/v1/guard/holds/${hold.id}/approve`);
    expectProblem(late, 409, 'ERR_GUARD_SUPERSEDED');
    expect((await get(`/v1/syncs/${run.syncRunId}`)).json()).toMatchObject({
      reconcile: 'done',
      reconciled: 0,
      reconcileNote: 'superseded',
    });
    expect((await get(`/v1/guard/holds/${hold.id}`)).json()).toMatchObject({
      status: 'superseded',
      decidedById: w.adminId,
    });
    expect(await auditOfHold('guard.superseded', hold.id)).toEqual([
      { actor: w.adminId, subject: `guard-hold:${hold.id}` },
    ]);
    expect(await auditOfHold('guard.approved', hold.id)).toEqual([]);
    expect((await get('/v1/guard/holds?status=superseded')).json<{ items: HoldSummary[] }>().items).toEqual([
      expect.objectContaining({ id: hold.id }),
    ]);
    expectProblem(await post(`/v1/guard/holds/${hold.id}/approve`), 409, 'ERR_GUARD_NOT_HELD');
    expect(await live(school)).toEqual(before);
  });
});
