/**
 * The mass-change guard through its API (issue 7), on PostgreSQL with the worker role and the hcm-csdl
 * simulator behind a proxy this test owns (it makes the source "lose" students from its pages):
 * - a full run that would delete 40% of a school is held; a city admin lists and inspects it (counts,
 *   and the student codes only when inspecting one), rejects it (nothing deleted), and approves the next
 *   one (the deletions go through); every step is in the audit;
 * - a held reconciliation approved after a newer full run saw the whole school again deletes nothing
 *   (superseded: the newer run's reconciliation decides; it found nothing to delete);
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
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { bearer, expectProblem, S2, student, tokenFor } from '../helpers/api.js';
import { backends, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { noRolloverRelief } from '../helpers/guard-rollover.js';
import { startPageProxy, type PageProxy } from '../helpers/page-proxy.js';

const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

/** A proxy to the simulator that leaves the students of `drop` out of every students page. */
async function startDroppingProxy(target: string): Promise<PageProxy & { drop: Set<string> }> {
  const drop = new Set<string>();
  const proxy = await startPageProxy(target, '/v1/students', (page) => ({
    ...page,
    data: page.data.filter((s) => !drop.has(String(s['maDinhDanh']))),
  }));
  return { ...proxy, drop };
}

interface HoldSummary {
  id: number;
  kind: string;
  status: string;
  syncRunId: number | null;
  batchId: string | null;
  schools: number;
  totals: { live: number; deleted: number };
  reasons: Array<{ school: string; kind: string; count: number; live: number; ratio: number }>;
}

describe('the mass-change guard API on postgres, with the worker and the hcm-csdl simulator', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let proxy: Awaited<ReturnType<typeof startDroppingProxy>>;
  let app: FastifyInstance;
  let worker: Running;
  let admin: string;
  let adminId: string;
  let vendor: string;
  let narrowAdmin: string;

  const tokenOf = (c: NewClient): Promise<string> => tokenFor(app, c);
  const get = (url: string, token = admin) => app.inject({ method: 'GET', url, headers: bearer(token) });
  const post = (url: string, token = admin, payload?: unknown) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(token), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const live = async (scope: string): Promise<string[]> =>
    (
      await env.deps.db.query<{ code: string }>(
        'SELECT student_code AS code FROM truc.students WHERE school_code = $1 AND deleted_at IS NULL ORDER BY 1',
        [scope],
      )
    ).rows.map((r) => r.code);
  const audit = async (action: string): Promise<Array<{ actor: string; subject: string }>> =>
    (
      await env.deps.db.query<{ actor: string; subject: string }>(
        'SELECT actor, subject FROM truc.audit_log WHERE action = $1 ORDER BY seq',
        [action],
      )
    ).rows;

  /** A full pull of hcm-csdl students, until its reconciliation is done or held. */
  async function fullPull(): Promise<{ syncRunId: number; reconcile: string; reconciled: number }> {
    const res = await post('/v1/syncs', admin, { system: 'hcm-csdl', entity: 'students', full: true });
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
  const heldHolds = async (): Promise<HoldSummary[]> =>
    (await get('/v1/guard/holds?status=held')).json<{ items: HoldSummary[] }>().items;
  /** The audit entries of `action` about one hold. */
  const auditOfHold = async (action: string, holdId: number) =>
    (await audit(action)).filter((a) => a.subject === `guard-hold:${holdId}`);

  /**
   * The students of the `nth` school (by code) as the source serves them in full: the proxy drops
   * nobody, and a full run (reconciled, nothing to delete) has stored them. Each test that makes the
   * source lose students starts here with a school of its own, so it needs no other test before it.
   */
  async function schoolInFull(nth: number): Promise<{ school: string; before: string[] }> {
    proxy.drop.clear();
    expect(await fullPull()).toMatchObject({ reconcile: 'done', reconciled: 0 });
    const schools = (
      await env.deps.db.query<{ s: string }>(
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
    for (const code of gone) proxy.drop.add(code);
    const run = await fullPull();
    expect(run.reconcile).toBe('held');
    expect(await live(school)).toEqual(before);
    const hold = (await heldHolds()).find((h) => h.syncRunId === run.syncRunId);
    expect(hold).toBeDefined();
    return { school, before, gone, run, hold: hold! };
  }

  beforeAll(async () => {
    sim = await startCitySimulator({
      seed: 11,
      // Three schools: each test that makes the source lose students has one of its own.
      schools: 3,
      studentsPerSchool: 40,
      tombstoneRate: 0,
    });
    proxy = await startDroppingProxy(sim.url);
    // Batches held for their changes: the same thresholds on any day (no rollover relief).
    env = await makeDeps(backend, { env: { HCM_CSDL_BASE_URL: proxy.url }, configure: noRolloverRelief });
    app = await buildApp(env.deps);
    await app.ready();
    worker = startWorkerRole(env.deps);
    const adminClient = await addClient(env.deps.db, { name: 'Sở GDĐT', role: 'city-admin' });
    adminId = adminClient.clientId;
    admin = await tokenOf(adminClient);
    narrowAdmin = await tokenOf(
      await addClient(env.deps.db, { name: 'Ops only', role: 'city-admin', scopes: ['admin'] }),
    );
    vendor = await tokenOf(await addClient(env.deps.db, { name: 'Vendor', role: 'vendor', schools: [S2] }));
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await env?.cleanup();
    await proxy?.close();
    await sim?.close();
  });

  afterEach(() => proxy.drop.clear());

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
    expect(rejected.json()).toMatchObject({ id: hold.id, status: 'rejected', decidedBy: adminId });
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
      { actor: adminId, subject: `guard-hold:${hold.id}` },
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
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: adminId });
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
      { actor: adminId, subject: `guard-hold:${hold.id}` },
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
    proxy.drop.clear();
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
      decidedBy: adminId,
    });
    expect(await auditOfHold('guard.superseded', hold.id)).toEqual([
      { actor: adminId, subject: `guard-hold:${hold.id}` },
    ]);
    expect(await auditOfHold('guard.approved', hold.id)).toEqual([]);
    expect((await get('/v1/guard/holds?status=superseded')).json<{ items: HoldSummary[] }>().items).toEqual([
      expect.objectContaining({ id: hold.id }),
    ]);
    expectProblem(await post(`/v1/guard/holds/${hold.id}/approve`), 409, 'ERR_GUARD_NOT_HELD');
    expect(await live(school)).toEqual(before);
  });

  it('holds a vendor snapshot that omits 40% of its school; approving deletes them', async () => {
    const S = S2;
    const codes = Array.from({ length: 25 }, (_, i) => `SN${String(i).padStart(2, '0')}`);
    const push = async (records: unknown[]) => {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/schools/${S}/batches`,
        headers: { ...bearer(vendor), 'content-type': 'application/json' },
        payload: JSON.stringify({ entity: 'students', mode: 'snapshot', records }),
      });
      expect(res.statusCode, res.body).toBe(202);
      const { batchId } = res.json<{ batchId: string }>();
      return waitFor(
        async () => {
          const b = (await get(`/v1/batches/${batchId}`, vendor)).json<{
            status: string;
            counts: { deleted?: number };
            guard: { holdId: number; status: string; kinds: string[] } | null;
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
    // The vendor sees that its snapshot is held, and by which hold (no codes, no personal data).
    expect(held).toMatchObject({
      status: 'held',
      guard: { holdId: hold!.id, status: 'held', kinds: ['deleted'] },
    });

    // The guard's powers are the `guard` scope's: a vendor and an admin without it may not see or decide.
    expectProblem(await get('/v1/guard/holds', vendor), 403, 'ERR_FORBIDDEN_SCOPE');
    expectProblem(await post(`/v1/guard/holds/${hold!.id}/approve`, narrowAdmin), 403, 'ERR_FORBIDDEN_SCOPE');
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
    expect((await get(`/v1/batches/${held.batchId}`, vendor)).json()).toMatchObject({
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
    const client = await addClient(env.deps.db, { name: 'Vendor 77', role: 'vendor', schools: [S] });
    const v77 = await tokenOf(client);
    const codes = Array.from({ length: 30 }, (_, i) => `CH${String(i).padStart(2, '0')}`);
    const renamed = (c: string) => ({ ...student(c, S), fullName: 'Nguyễn Văn Bình' });
    const push = async (records: unknown[]) => {
      const res = await app.inject({
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
        await env.deps.db.query<{ n: number }>(
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
    expect((await post(`/v1/guard/holds/${first.guard!.holdId}/reject`)).statusCode).toBe(200);
    expect((await get(`/v1/batches/${first.batchId}`, v77)).json()).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_GUARD_REJECTED',
      guard: { status: 'rejected' },
    });
    expect(await names()).toBe(14);
    // Sent again and approved: applied in full.
    const second = await push(codes.slice(0, 30).map(renamed));
    expect(second).toMatchObject({ status: 'held', guard: { status: 'held' } });
    expect((await post(`/v1/guard/holds/${second.guard!.holdId}/approve`)).statusCode).toBe(200);
    await waitFor(async () => ((await names()) === 30 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the approved batch to apply',
    });
    expect((await get(`/v1/batches/${second.batchId}`, v77)).json()).toMatchObject({
      status: 'done',
      counts: { accepted: 16, unchanged: 14 },
      guard: { status: 'approved' },
    });
    const audits = await audit('batch.held');
    expect(audits.map((a) => a.subject)).toEqual([`batch:${first.batchId}`, `batch:${second.batchId}`]);
  });

  it('a held batch approved after a newer batch changed some of its students leaves those as the newer batch left them', async () => {
    const S = '79000078';
    const v78 = await tokenOf(
      await addClient(env.deps.db, { name: 'Vendor 78', role: 'vendor', schools: [S] }),
    );
    const codes = Array.from({ length: 30 }, (_, i) => `NW${String(i).padStart(2, '0')}`);
    const named = (c: string, fullName: string) => ({ ...student(c, S), fullName });
    const push = async (records: unknown[]) => {
      const res = await app.inject({
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
        await env.deps.db.query<{ code: string; name: string }>(
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
      await addClient(env.deps.db, { name: 'Vendor 79', role: 'vendor', schools: [S] }),
    );
    const codes = Array.from({ length: 25 }, (_, i) => `RP${String(i).padStart(2, '0')}`);
    const push = async (records: unknown[]) => {
      const res = await app.inject({
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
