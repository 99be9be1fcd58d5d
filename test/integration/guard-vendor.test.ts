/**
 * The mass-change guard through its API (issue 7): held vendor batches and snapshots, on PostgreSQL with the
 * worker role (the world of guard.test.ts: test/helpers/guard-api.ts):
 * - a vendor snapshot that omits 40% of its school is held the same way; approving it deletes them; the
 *   vendor sees its batch held, with the hold's id;
 * - a vendor batch that changes more than half its school is held whole (nothing applied); rejected, the
 *   batch fails (ERR_GUARD_REJECTED); sent again and approved, it applies;
 * - a held snapshot approved after the vendor sent its full snapshot again (its records unchanged, only
 *   noted as seen) deletes nothing: the later snapshot is the school's newer word;
 * - a held batch approved after a newer batch of the school changed some of its students leaves those
 *   students as the newer batch left them (an older copy never overwrites a newer write);
 * - only the `guard` scope decides; bad ids and decided holds are problems, never a change.
 */
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { bearer, expectProblem, S2, student } from '../helpers/api.js';
import { waitFor } from '../helpers/env.js';
import { guardCalls, useGuardWorld } from '../helpers/guard-api.js';

describe('the mass-change guard API on postgres, with the worker and the hcm-csdl simulator', () => {
  const w = useGuardWorld();
  const { get, post, tokenOf, live, audit, heldHolds } = guardCalls(w);

  it('holds a vendor snapshot that omits 40% of its school; approving deletes them', async () => {
    const S = S2;
    const codes = Array.from({ length: 25 }, (_, i) => `SN${String(i).padStart(2, '0')}`);
    const push = async (records: unknown[]) => {
      const res = await w.app.inject({
        method: 'POST',
        url: `/v1/schools/${S}/batches`,
        headers: { ...bearer(w.vendor), 'content-type': 'application/json' },
        payload: JSON.stringify({ entity: 'students', mode: 'snapshot', records }),
      });
      expect(res.statusCode, res.body).toBe(202);
      const { batchId } = res.json<{ batchId: string }>();
      return waitFor(
        async () => {
          const b = (await get(`/v1/batches/${batchId}`, w.vendor)).json<{
            status: string;
            counts: { deleted?: number };
            guard: { holdId: number; status: string; kinds: string[]; counts: Record<string, number> } | null;
          }>();
          return b.status === 'done' || b.status === 'held' ? { batchId, ...b } : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the snapshot batch' },
      );
    };
    await push(codes.map((c) => student(c, S)));
    expect(await live(S)).toEqual(codes);
    const kept = codes.slice(10); // 10 of 25 (40%) omitted
    const held = await push(kept.map((c) => student(c, S)));
    expect(held.counts.deleted ?? 0).toBe(0);
    expect(await live(S)).toEqual(codes);
    const [hold] = await heldHolds();
    expect(hold).toMatchObject({ kind: 'batch', batchId: held.batchId, totals: { live: 25, deleted: 10 } });
    // The vendor sees that its snapshot is held, by which hold and how many it would delete (no codes, no personal
    // data; walk6b W6b-3: it read `deleted` and no number).
    expect(held).toMatchObject({
      status: 'held',
      guard: {
        holdId: hold!.id,
        status: 'held',
        kinds: ['deleted'],
        counts: { live: 25, deleted: 10, moved: 0, changed: 0, restored: 0 },
      },
    });

    // The guard's powers are the `guard` scope's: a vendor and an admin without it may not see or decide.
    expectProblem(await get('/v1/guard/holds', w.vendor), 403, 'ERR_FORBIDDEN_SCOPE');
    expectProblem(
      await post(`/v1/guard/holds/${hold!.id}/approve`, w.narrowAdmin),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
    expectProblem(await get('/v1/guard/holds/0'), 400, 'ERR_VALIDATION');
    expectProblem(await get('/v1/guard/holds?status=maybe'), 400, 'ERR_VALIDATION');
    expectProblem(await post('/v1/guard/holds/999999/reject'), 404, 'ERR_NOT_FOUND');
    expect(await live(S)).toEqual(codes);

    expect((await post(`/v1/guard/holds/${hold!.id}/approve`)).statusCode).toBe(200);
    await waitFor(async () => ((await live(S)).length === kept.length ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the approved snapshot deletions',
    });
    expect(await live(S)).toEqual(kept);
    expect((await get(`/v1/batches/${held.batchId}`, w.vendor)).json()).toMatchObject({
      status: 'done',
      counts: { deleted: 10 },
      guard: { holdId: hold!.id, status: 'approved', appliedAt: expect.any(String) },
    });
    expect((await get(`/v1/guard/holds/${hold!.id}`)).json()).toMatchObject({
      applied: 10,
      appliedAt: expect.any(String),
    });
    expect(await audit('guard.applied')).toEqual([
      { actor: 'system:guard', subject: `guard-hold:${hold!.id}` },
    ]);
  });
  it('holds a vendor batch that changes more than half its school whole; rejected it fails, approved it applies', async () => {
    const S = '79000077';
    const client = await addClient(w.env.deps.db, { name: 'Vendor 77', role: 'vendor', schools: [S] });
    const v77 = await tokenOf(client);
    const codes = Array.from({ length: 30 }, (_, i) => `CH${String(i).padStart(2, '0')}`);
    const renamed = (c: string) => ({ ...student(c, S), fullName: 'Nguyễn Văn Bình' });
    const push = async (records: unknown[]) => {
      const res = await w.app.inject({
        method: 'POST',
        url: `/v1/schools/${S}/batches`,
        headers: { ...bearer(v77), 'content-type': 'application/json' },
        payload: JSON.stringify({ entity: 'students', records }),
      });
      expect(res.statusCode, res.body).toBe(202);
      const { batchId } = res.json<{ batchId: string }>();
      return waitFor(
        async () => {
          const b = (await get(`/v1/batches/${batchId}`, v77)).json<{
            status: string;
            errorCode: string | null;
            counts: { accepted: number };
            guard: { holdId: number; status: string; kinds: string[] } | null;
          }>();
          return b.status === 'queued' || b.status === 'processing' ? undefined : { batchId, ...b };
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
      );
    };
    const names = async () =>
      (
        await w.env.deps.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM truc.students WHERE school_code = $1 AND data->>'fullName' = 'Nguyễn Văn Bình'`,
          [S],
        )
      ).rows[0]!.n;
    expect((await push(codes.map((c) => student(c, S)))).status).toBe('done'); // new records: no guard
    // 14 of 30 changed (47%): under the threshold, applied.
    expect(await push(codes.slice(0, 14).map(renamed))).toMatchObject({ status: 'done', guard: null });
    expect(await names()).toBe(14);
    // All 30 sent renamed: 16 change (53% of 30 live), over the 50% threshold: held whole, nothing applied.
    const first = await push(codes.slice(0, 30).map(renamed));
    expect(first).toMatchObject({
      status: 'held',
      counts: { accepted: 0 },
      guard: { status: 'held', kinds: ['changed'] },
    });
    expect(await names()).toBe(14);
    const hold = (await get(`/v1/guard/holds/${first.guard!.holdId}`)).json<{
      kind: string;
      diff: Array<{ school: string; live: number; changed: number; keys: { changed: string[] } }>;
    }>();
    expect(hold).toMatchObject({ kind: 'batch', diff: [{ school: S, live: 30, changed: 16 }] });
    expect(hold.diff[0]!.keys.changed).toEqual(codes.slice(14));
    const why = 'nhà cung cấp gửi nhầm tên học sinh';
    expect(
      (await post(`/v1/guard/holds/${first.guard!.holdId}/reject`, w.admin, { reason: why })).statusCode,
    ).toBe(200);
    // holdwhy (walk2 F3): the vendor reads the admin's reason, and who decided as a role only (never a name or id).
    const rejected = await get(`/v1/batches/${first.batchId}`, v77);
    expect(rejected.json()).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_GUARD_REJECTED',
      guard: {
        status: 'rejected',
        decidedBy: 'city-admin',
        decisionReason: why,
        decidedAt: expect.any(String),
      },
    });
    const decider = (await get(`/v1/guard/holds/${first.guard!.holdId}`)).json<{
      decidedBy: string;
      decidedById: string;
    }>();
    expect(rejected.body).not.toContain(decider.decidedById);
    expect(rejected.body).not.toContain(decider.decidedBy);
    // A reason kept before the personal-number check (review33b) that holds one is not shown.
    await w.env.deps.db.query(`UPDATE truc.guard_holds SET decision_reason = $2 WHERE id = $1`, [
      first.guard!.holdId,
      'gọi 0912 345 678',
    ]);
    expect((await get(`/v1/batches/${first.batchId}`, v77)).json()).toMatchObject({
      guard: { status: 'rejected', decidedBy: 'city-admin', decisionReason: null },
    });
    expect(await names()).toBe(14);
    // Sent again and approved: applied in full.
    const second = await push(codes.slice(0, 30).map(renamed));
    expect(second).toMatchObject({
      status: 'held',
      guard: { status: 'held', decidedBy: null, decisionReason: null },
    });
    expect((await post(`/v1/guard/holds/${second.guard!.holdId}/approve`)).statusCode).toBe(200);
    await waitFor(async () => ((await names()) === 30 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the approved batch to apply',
    });
    expect((await get(`/v1/batches/${second.batchId}`, v77)).json()).toMatchObject({
      status: 'done',
      counts: { accepted: 16, unchanged: 14 },
      guard: { status: 'approved', decidedBy: 'city-admin', decisionReason: null },
    });
    const audits = await audit('batch.held');
    expect(audits.map((a) => a.subject)).toEqual([`batch:${first.batchId}`, `batch:${second.batchId}`]);
  });

  it('a held batch approved after a newer batch changed some of its students leaves those as the newer batch left them', async () => {
    const S = '79000078';
    const v78 = await tokenOf(
      await addClient(w.env.deps.db, { name: 'Vendor 78', role: 'vendor', schools: [S] }),
    );
    const codes = Array.from({ length: 30 }, (_, i) => `NW${String(i).padStart(2, '0')}`);
    const named = (c: string, fullName: string) => ({ ...student(c, S), fullName });
    const push = async (records: unknown[]) => {
      const res = await w.app.inject({
        method: 'POST',
        url: `/v1/schools/${S}/batches`,
        headers: { ...bearer(v78), 'content-type': 'application/json' },
        payload: JSON.stringify({ entity: 'students', records }),
      });
      expect(res.statusCode, res.body).toBe(202);
      const { batchId } = res.json<{ batchId: string }>();
      return waitFor(
        async () => {
          const b = (await get(`/v1/batches/${batchId}`, v78)).json<{
            status: string;
            counts: { accepted: number; unchanged: number };
            guard: { holdId: number } | null;
          }>();
          return b.status === 'queued' || b.status === 'processing' ? undefined : { batchId, ...b };
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the batch' },
      );
    };
    const names = async () =>
      (
        await w.env.deps.db.query<{ code: string; name: string }>(
          `SELECT student_code AS code, data->>'fullName' AS name FROM truc.students WHERE school_code = $1 ORDER BY 1`,
          [S],
        )
      ).rows;
    expect((await push(codes.map((c) => student(c, S)))).status).toBe('done');
    // All 30 renamed: held whole.
    const older = await push(codes.map((c) => named(c, 'Nguyễn Văn Bình')));
    expect(older).toMatchObject({ status: 'held' });
    // A newer batch of the school renames 5 of them otherwise (17 %: applied).
    expect(await push(codes.slice(0, 5).map((c) => named(c, 'Trần Văn Cường')))).toMatchObject({
      status: 'done',
      counts: { accepted: 5 },
    });
    // The older batch approved afterwards: its copies of those 5 are older than what is stored.
    expect((await post(`/v1/guard/holds/${older.guard!.holdId}/approve`)).statusCode).toBe(200);
    await waitFor(
      async () =>
        (await get(`/v1/batches/${older.batchId}`, v78)).json<{ status: string }>().status === 'done'
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 200, what: 'the approved batch to apply' },
    );
    expect(await names()).toEqual(
      codes.map((code, i) => ({ code, name: i < 5 ? 'Trần Văn Cường' : 'Nguyễn Văn Bình' })),
    );
    expect((await get(`/v1/batches/${older.batchId}`, v78)).json()).toMatchObject({
      counts: { accepted: 25, unchanged: 5 },
    });
  });

  it('a held snapshot approved after the same full snapshot came again deletes nothing', async () => {
    const S = '79000079';
    const v79 = await tokenOf(
      await addClient(w.env.deps.db, { name: 'Vendor 79', role: 'vendor', schools: [S] }),
    );
    const codes = Array.from({ length: 25 }, (_, i) => `RP${String(i).padStart(2, '0')}`);
    const push = async (records: unknown[]) => {
      const res = await w.app.inject({
        method: 'POST',
        url: `/v1/schools/${S}/batches`,
        headers: { ...bearer(v79), 'content-type': 'application/json' },
        payload: JSON.stringify({ entity: 'students', mode: 'snapshot', records }),
      });
      expect(res.statusCode, res.body).toBe(202);
      const { batchId } = res.json<{ batchId: string }>();
      return waitFor(
        async () => {
          const b = (await get(`/v1/batches/${batchId}`, v79)).json<{
            status: string;
            guard: { holdId: number } | null;
          }>();
          return b.status === 'done' || b.status === 'held' ? { batchId, ...b } : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the snapshot batch' },
      );
    };
    const every = codes.map((c) => student(c, S));
    expect((await push(every)).status).toBe('done');
    const held = await push(every.slice(10)); // 10 of 25 omitted: held
    expect(held).toMatchObject({ status: 'held' });
    // The next night the vendor's full snapshot again (the same bytes as the first): nothing changes, all seen.
    expect((await push(every)).status).toBe('done');
    expect((await post(`/v1/guard/holds/${held.guard!.holdId}/approve`)).statusCode).toBe(200);
    await waitFor(
      async () =>
        (await get(`/v1/guard/holds/${held.guard!.holdId}`)).json<{ appliedAt: string | null }>().appliedAt
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 200, what: 'the approved snapshot hold to apply' },
    );
    expect(await live(S)).toEqual(codes);
    expect((await get(`/v1/guard/holds/${held.guard!.holdId}`)).json()).toMatchObject({ applied: 0 });
  });
});
