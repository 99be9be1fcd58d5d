/**
 * fix35e: review34b's PCGD-XMC leftovers on PostgreSQL through HTTP, on the hand-computed fixture
 * (test/fixtures/pcgd/communes.ts): every step stamped by the injected clock, a province report submitted before
 * one of its communes was reopened shown outdated (and computed again by its officer), the replaced commune version
 * named as replaced, lateness by the year's first on-time submission, and the list of a unit's reports.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { readPackage } from '../../src/reporting/pcgd/package.js';
import {
  approveReport,
  computeReport,
  reopenReport,
  runCompute,
  storeReceipt,
  type PcgdDeps,
} from '../../src/reporting/pcgd/service.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { bearer, tokensFor } from '../helpers/api.js';
import { usePostgresEnv } from '../helpers/env.js';
import { seedFixture } from '../helpers/pcgd.js';

/** The season's clock: 20 September of the fixture's year, 10:00 in Vietnam (not today). */
const SEPT_20 = new Date(`${YEAR}-09-20T03:00:00Z`);

describe('fix35e: PCGD-XMC leftovers on postgres through HTTP', () => {
  const env = usePostgresEnv();
  let app: FastifyInstance;
  let clock = SEPT_20;
  let deps: PcgdDeps;
  const tokens = { officerA: '', province: '', admin: '' };

  beforeAll(async () => {
    await seedFixture(env().deps.db);
    const now = () => clock;
    app = await buildApp({ ...env().deps, now });
    await app.ready();
    deps = { db: env().deps.db, pcgd: env().config.pcgd, dataDir: env().dataDir, now };
    Object.assign(
      tokens,
      await tokensFor(app, env().deps.db, {
        officerA: { role: 'pcgd-officer', units: [A] },
        province: { role: 'pcgd-officer', units: ['79'] },
        admin: { role: 'city-admin' },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const call = (who: keyof typeof tokens, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: bearer(tokens[who]),
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
  const json = <T>(res: LightMyRequestResponse): T => {
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<T>();
  };
  const repo = () => createPcgdRepo(env().deps.db);
  const receipt = (reportId: number) =>
    env().deps.db.tx((q) =>
      storeReceipt(
        q,
        reportId,
        { receiptId: `r-${reportId}`, receivedAt: clock.toISOString(), checksum: 'x', replayed: false },
        clock,
      ),
    );

  /** The unit's current version, approved now (computed, or reopened when locked, first). */
  async function approvedNow(code: string) {
    const current = await repo().current(code, YEAR);
    let row =
      current && ['approved', 'submitted', 'receipted'].includes(current.status)
        ? await reopenReport(deps, { reportId: current.id, actor: 'admin', reason: 'kiểm thử' })
        : current?.status === 'checked'
          ? current
          : await computeReport(deps, { unitCode: code, year: YEAR, actor: 'test' });
    row = await approveReport(deps, { reportId: row.id, actor: `officer-${code}` });
    expect(row.status).toBe('approved');
    return row;
  }

  it('item 4: approval, its signed package, submission and receipt are stamped by the injected clock', async () => {
    clock = SEPT_20;
    const row = await approvedNow(A);
    const view = json<{ approvedAt: string; computedAt: string }>(
      await call('officerA', 'GET', `/v1/pcgd/reports/${row.id}`),
    );
    expect(view.approvedAt).toBe(SEPT_20.toISOString());
    expect(view.computedAt).toBe(SEPT_20.toISOString());
    const pkg = readPackage((await repo().evidence(row.id))!.package);
    expect(pkg.report.approvedAt).toBe(SEPT_20.toISOString());
    expect((await repo().evidence(row.id))!.signed_at.toISOString()).toBe(SEPT_20.toISOString());
    const res = await call('officerA', 'POST', `/v1/pcgd/reports/${row.id}/submit`);
    expect(res.statusCode, res.body).toBe(202);
    await receipt(row.id);
    const sent = json<{ submittedAt: string; receiptedAt: string }>(
      await call('officerA', 'GET', `/v1/pcgd/reports/${row.id}`),
    );
    expect(sent.submittedAt).toBe(SEPT_20.toISOString());
    expect(sent.receiptedAt).toBe(SEPT_20.toISOString());
    // submitted on 20 September: on time, whatever day the test runs
    const deadlines = json<{ units: Array<{ unitCode: string; submittedLate: boolean; state: string }> }>(
      await call('officerA', 'GET', `/v1/pcgd/deadlines?year=${YEAR}`),
    );
    expect(deadlines.units.find((r) => r.unitCode === A)).toMatchObject({
      state: 'submitted',
      submittedLate: false,
    });
  });

  /** What the deadline view (the province's row) and the operations overview (province, commune A) say of `outdated`. */
  async function outdatedShown() {
    type Unit = { unitCode: string; outdated: boolean; outdatedCommunes?: string[] };
    const rows = json<{ units: Unit[] }>(
      await call('province', 'GET', `/v1/pcgd/deadlines?year=${YEAR}`),
    ).units;
    const row = rows.find((r) => r.unitCode === '79')!;
    const overview = json<{ pcgd: { units: Unit[] } }>(await call('admin', 'GET', '/v1/ops/overview')).pcgd
      .units;
    return {
      row: { outdated: row.outdated, outdatedCommunes: row.outdatedCommunes },
      overview: overview.find((u) => u.unitCode === '79')?.outdated,
      a: overview.find((u) => u.unitCode === A)?.outdated,
    };
  }

  interface ProvinceView {
    status: string;
    superseded: boolean;
    outdated: boolean;
    outdatedCommunes: string[];
    communes: Array<{
      communeCode: string;
      source: { reportId: number; status: string } | null;
      sourceReplaced: boolean;
      current: { reportId: number; version: number; status: string } | null;
    }>;
  }

  it('items 1 and 3: a province report receipted before a commune was reopened is shown outdated, the commune’s replaced version as replaced beside its current one, and its officer computes and submits it again', async () => {
    clock = SEPT_20;
    for (const code of [A, B, C]) await approvedNow(code);
    const province = await approvedNow('79');
    expect((await call('province', 'POST', `/v1/pcgd/reports/${province.id}/submit`)).statusCode).toBe(202);
    await receipt(province.id);
    const signedC = (await repo().current(C, YEAR))!;
    // The province officer reopens commune C: the version the receipted province report took is withdrawn.
    const res = await call('province', 'POST', `/v1/pcgd/reports/${signedC.id}/reopen`, {
      reason: 'sửa / fix',
    });
    expect(res.statusCode, res.body).toBe(202);
    const newC = res.json<{ reportId: number }>().reportId;
    await runCompute(deps, newC);
    const shown = json<ProvinceView>(await call('province', 'GET', `/v1/pcgd/reports/${province.id}`));
    expect(shown).toMatchObject({ status: 'receipted', outdated: true, outdatedCommunes: [C] });
    const byCode = new Map(shown.communes.map((c) => [c.communeCode, c]));
    expect(byCode.get(C)).toMatchObject({
      source: { reportId: signedC.id },
      sourceReplaced: true,
      current: { reportId: newC, status: 'checked' },
    });
    const a = byCode.get(A)!;
    expect(a).toMatchObject({ sourceReplaced: false, current: { reportId: a.source!.reportId } });
    // fix36a item 3: the province's deadline row and the operations overview say it too, a commune's does not
    expect(await outdatedShown()).toEqual({
      row: { outdated: true, outdatedCommunes: [C] },
      overview: true,
      a: false,
    });
    // C approved again; the province officer computes the province again (it was 409 ERR_PCGD_REPORT_LOCKED)
    await approveReport(deps, { reportId: newC, actor: `officer-${C}` });
    const again = await call('province', 'POST', '/v1/pcgd/reports', { unitCode: '79', year: YEAR });
    expect(again.statusCode, again.body).toBe(202);
    const next = await runCompute(deps, again.json<{ reportId: number }>().reportId);
    expect(next!.status).toBe('checked');
    const approved = await approveReport(deps, { reportId: next!.id, actor: 'officer-79' });
    expect((await call('province', 'POST', `/v1/pcgd/reports/${approved.id}/submit`)).statusCode).toBe(202);
    const fresh = json<ProvinceView>(await call('province', 'GET', `/v1/pcgd/reports/${approved.id}`));
    expect(fresh).toMatchObject({ status: 'submitted', outdated: false, outdatedCommunes: [] });
    expect(await outdatedShown()).toEqual({
      row: { outdated: false, outdatedCommunes: [] },
      overview: false,
      a: false,
    });
    expect(fresh.communes.find((c) => c.communeCode === C)).toMatchObject({
      source: { reportId: newC },
      sourceReplaced: false,
    });
    // the receipted version is kept, superseded, its reason the replaced commune
    const old = json<ProvinceView & { reopenReason: string }>(
      await call('province', 'GET', `/v1/pcgd/reports/${province.id}`),
    );
    expect(old).toMatchObject({ superseded: true, status: 'receipted' });
    expect(old.reopenReason).toContain(C);
  });

  interface DeadlineUnit {
    unitCode: string;
    state: string;
    submittedLate: boolean;
    correctionPending: boolean;
    firstSubmittedAt: string | null;
  }
  const deadlineOf = async (code: string) =>
    json<{ units: DeadlineUnit[] }>(
      await call('province', 'GET', `/v1/pcgd/deadlines?year=${YEAR}`),
    ).units.find((u) => u.unitCode === code)!;
  const overviewOf = async (code: string) =>
    json<{ pcgd: { units: Array<{ unitCode: string; state: string; late: boolean }> } }>(
      await call('admin', 'GET', '/v1/ops/overview'),
    ).pcgd.units.find((u) => u.unitCode === code)!;

  it('item 2: a commune submitted on time, reopened after its deadline, is not late: submitted, its correction pending', async () => {
    clock = SEPT_20;
    const first = await approvedNow(B);
    expect((await call('province', 'POST', `/v1/pcgd/reports/${first.id}/submit`)).statusCode).toBe(202);
    await receipt(first.id);
    clock = new Date(`${YEAR}-10-10T03:00:00Z`); // past the communes' 3 October
    const res = await call('province', 'POST', `/v1/pcgd/reports/${first.id}/reopen`, {
      reason: 'sửa / fix',
    });
    expect(res.statusCode, res.body).toBe(202);
    const correction = (await runCompute(deps, res.json<{ reportId: number }>().reportId))!;
    expect(await deadlineOf(B)).toMatchObject({
      state: 'submitted',
      submittedLate: false,
      correctionPending: true,
      firstSubmittedAt: SEPT_20.toISOString(),
    });
    expect(await overviewOf(B)).toMatchObject({ state: 'submitted', late: false });
    // the correction submitted after the deadline: still not late, nothing pending
    await approveReport(deps, { reportId: correction.id, actor: `officer-${B}` });
    expect((await call('province', 'POST', `/v1/pcgd/reports/${correction.id}/submit`)).statusCode).toBe(202);
    expect(await deadlineOf(B)).toMatchObject({
      state: 'submitted',
      submittedLate: false,
      correctionPending: false,
    });
  });

  it('item 5: a unit’s report versions, newest first, paged, each with its status; another unit’s refused', async () => {
    clock = SEPT_20;
    await approvedNow(A);
    await approvedNow(A); // at least two versions of A: the first one superseded
    const all = (
      await env().deps.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM truc.pcgd_reports WHERE unit_code = $1 AND year = $2',
        [A, YEAR],
      )
    ).rows[0]!.n;
    type Page = { total: number; items: Array<{ version: number; status: string; superseded: boolean }> };
    const first = json<Page>(
      await call('officerA', 'GET', `/v1/pcgd/reports?unit=${A}&year=${YEAR}&limit=1`),
    );
    expect(first.total).toBe(all);
    expect(first.items).toEqual([
      expect.objectContaining({ version: all, status: 'approved', superseded: false }),
    ]);
    const next = json<Page>(await call('officerA', 'GET', `/v1/pcgd/reports?unit=${A}&limit=1&offset=1`));
    expect(next.items).toEqual([expect.objectContaining({ version: all - 1, superseded: true })]);
    const refused = await call('officerA', 'GET', `/v1/pcgd/reports?unit=${B}&year=${YEAR}`);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json<{ code: string }>().code).toBe('ERR_FORBIDDEN_UNIT');
    const bad = await call('officerA', 'GET', `/v1/pcgd/reports?unit=x&limit=0`);
    expect(bad.json<{ code: string }>().code).toBe('ERR_VALIDATION');
  });
});
