/**
 * The PCGD API on PostgreSQL + Redis with the worker role running (BullMQ, outbox relay) and the
 * moet-pcgd simulator as the Ministry: compute (queued), read with findings and unverified settings,
 * the persons behind a figure (paged, role-checked, audited), enrolment mismatches per commune,
 * approval by an officer of the unit, the signed package and the forms, submission with the receipt
 * stored, reopening by a higher level (new version, old kept), the deadline view, and clear bilingual
 * problems for bad input and refused access that change nothing.
 */
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/chain.js';
import { LOCKED_STATUSES } from '../../src/reporting/pcgd/compute.js';
import { readPackage } from '../../src/reporting/pcgd/package.js';
import { workingYearAt } from '../../src/reporting/pcgd/persons-year.js';
import { verifyDetached } from '../../src/reporting/pcgd/signing.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { A, B, YEAR } from '../fixtures/pcgd/communes.js';
import { expectProblem } from '../helpers/api.js';
import { countRows, waitFor } from '../helpers/env.js';
import { usePcgdStack } from '../helpers/pcgd-stack.js';

interface ReportBody {
  reportId: number;
  status: string;
  version: number;
  superseded: boolean;
  indicators: Array<{ code: string; numerator: number; denominator: number }>;
  levels: Array<{ level: string; met: boolean; shortfall: unknown[] }>;
  ruleSet: { version: string; unverified: Array<{ setting: string }> };
  findings: Array<{ rule: string; severity: string }>;
  receipt: { receiptId: string } | null;
}

describe('PCGD API on postgres+redis with the worker role and the moet-pcgd simulator', () => {
  const w = usePcgdStack({
    officerA: { role: 'pcgd-officer', units: [A] },
    officerB: { role: 'pcgd-officer', units: [B] },
    province: { role: 'pcgd-officer', units: ['79'] },
    admin: { role: 'city-admin' },
    vendor: { role: 'vendor', schools: ['79000001'] },
  });
  const { call } = w;
  const report = async (id: number) =>
    (await call('officerA', 'GET', `/v1/pcgd/reports/${id}`)).json<ReportBody>();
  const waitStatus = (id: number, statuses: string[], who: keyof typeof w.tokens = 'officerA') =>
    waitFor(
      async () => {
        const r = (await call(who, 'GET', `/v1/pcgd/reports/${id}`)).json<ReportBody>();
        return statuses.includes(r.status) ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `report ${id} to be ${statuses.join('|')}` },
    );

  // Commune A's report goes computed → approved → submitted → reopened across the tests below. Each
  // test gets the state it needs from these helpers (through the API, as an officer would), so any one
  // runs alone and in any order (`--sequence.shuffle`); in file order they find it ready.
  const currentA = () => createPcgdRepo(w.env.deps.db).current(A, YEAR);
  const isLocked = (status: string) => (LOCKED_STATUSES as readonly string[]).includes(status);
  /** A's current version, computed and checked: requested here (a locked one reopened) when it is not. */
  async function checkedA(): Promise<ReportBody> {
    const current = await currentA();
    if (current && !isLocked(current.status) && current.status !== 'failed')
      return waitStatus(current.id, ['checked']);
    const res = current
      ? await call('province', 'POST', `/v1/pcgd/reports/${current.id}/reopen`, { reason: 'kiểm thử' })
      : await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR });
    expect(res.statusCode, res.body).toBe(202);
    return waitStatus(res.json<{ reportId: number }>().reportId, ['checked']);
  }
  /** A's current version, approved (checked and approved here when it is not yet). */
  async function approvedA(): Promise<ReportBody> {
    const current = await currentA();
    if (current?.status === 'approved') return report(current.id);
    const { reportId } = await checkedA();
    const res = await call('officerA', 'POST', `/v1/pcgd/reports/${reportId}/approve`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ReportBody>();
  }
  /** A's current version, receipted by the Ministry (approved and submitted here when it is not yet). */
  async function receiptedA(): Promise<ReportBody> {
    const current = await currentA();
    if (current?.status === 'receipted' || current?.status === 'submitted')
      return waitStatus(current.id, ['receipted']);
    const { reportId } = await approvedA();
    expect((await call('officerA', 'POST', `/v1/pcgd/reports/${reportId}/submit`)).statusCode).toBe(202);
    return waitStatus(reportId, ['receipted']);
  }

  it('bad input and refused access get bilingual problems and change nothing', async () => {
    const before = await countRows(w.env.deps.db, 'truc.pcgd_reports');
    expectProblem(
      await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: '1234', year: YEAR }),
      400,
      'ERR_VALIDATION',
    );
    expectProblem(
      await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: 'x' }),
      400,
      'ERR_VALIDATION',
    );
    // review26a N12: a year not begun in Vietnam (2099 for 2029) has no figures to compute.
    const future = Number(new Date().toISOString().slice(0, 4)) + 2;
    const notBegun = await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: future });
    expectProblem(notBegun, 400, 'ERR_VALIDATION');
    expect(notBegun.json<{ detail: string }>().detail).toContain(`report year ${future} has not begun`);
    expectProblem(
      await call('admin', 'POST', '/v1/pcgd/reports', { unitCode: '99999', year: YEAR }),
      422,
      'ERR_PCGD_UNKNOWN_UNIT',
    );
    // pcgd14 left: the refusal says where the persons are pulled, in both languages
    const noPersons = expectProblem(
      await call('admin', 'POST', '/v1/pcgd/reports', { unitCode: '25747', year: YEAR }),
      422,
      'ERR_PCGD_NO_PERSONS',
    );
    expect(noPersons.detail).toMatch(
      /^chưa có người nào của xã 25747: kéo .*POST \/v1\/pcgd\/communes\/25747\/persons-pull.* \/ no stored persons for commune 25747: pull .*POST \/v1\/pcgd\/communes\/25747\/persons-pull/,
    );
    expectProblem(
      await call('officerB', 'POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR }),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    expectProblem(
      await call('vendor', 'POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR }),
      403,
      'ERR_FORBIDDEN_SCOPE',
    );
    expectProblem(
      await w.app.inject({ method: 'POST', url: '/v1/pcgd/reports', payload: { unitCode: A, year: YEAR } }),
      401,
      'ERR_UNAUTHENTICATED',
    );
    expectProblem(await call('officerA', 'GET', '/v1/pcgd/reports/999999'), 404, 'ERR_NOT_FOUND');
    expect(await countRows(w.env.deps.db, 'truc.pcgd_reports')).toBe(before);
  });

  it('compute is queued; the report carries figures, levels, findings and unverified settings', async () => {
    const current = await currentA();
    if (current && isLocked(current.status)) await checkedA(); // approved by an earlier test: reopened
    const res = await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json<{ reportId: number; statusUrl: string; status: string }>();
    expect(body.status).toBe('pending');
    expect(body.statusUrl).toBe(`/v1/pcgd/reports/${body.reportId}`);
    const { reportId } = body;
    const r = await waitStatus(reportId, ['checked', 'computed', 'failed']);
    expect(r.status).toBe('checked');
    expect(r.indicators).toHaveLength(11);
    expect(r.levels.map((l) => l.level)).toContain('preschool5');
    expect(r.ruleSet.version).toBe('pcgd-2014.1');
    expect(r.ruleSet.unverified.length).toBeGreaterThan(0);
    expect(r.findings.length).toBeGreaterThan(0);
    // Another commune's report is answered as an unknown id (review32b F3): pcgd-report-ids.test.ts.
    expectProblem(await call('officerB', 'GET', `/v1/pcgd/reports/${reportId}`), 404, 'ERR_NOT_FOUND');
    const checked = await call('officerA', 'POST', `/v1/pcgd/reports/${reportId}/check`);
    expect(checked.statusCode).toBe(200);
  });

  it('the persons behind a figure: paged, for the unit’s officers only, and the read is audited', async () => {
    const r = await checkedA();
    const { reportId } = r;
    const fig = r.indicators.find((i) => i.code === 'primary_grade1_entry_age6')!;
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const q: string = after ? `?limit=3&after=${after}` : '?limit=3';
      const res = await call(
        'province',
        'GET',
        `/v1/pcgd/reports/${reportId}/figures/primary_grade1_entry_age6/records${q}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const b = res.json<{
        items: Array<{ personRef: string; inNumerator: boolean }>;
        next: string | null;
      }>();
      seen.push(...b.items.filter((i) => i.inNumerator).map((i) => i.personRef));
      if (b.items.length === 0 || !b.next) break;
      after = b.next;
    }
    expect(seen).toHaveLength(fig.numerator);
    expectProblem(
      await call('officerB', 'GET', `/v1/pcgd/reports/${reportId}/figures/primary_grade1_entry_age6/records`),
      404,
      'ERR_NOT_FOUND',
    );
    expectProblem(
      await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/figures/nope/records`),
      404,
      'ERR_NOT_FOUND',
    );
    expect(await countRows(w.env.deps.db, 'truc.audit_log', `action = 'pcgd.records-read'`)).toBeGreaterThan(
      0,
    );
    const mm = await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/enrolment-mismatches`);
    expect(mm.statusCode, mm.body).toBe(200);
    const communes = mm.json<{ communes: Array<{ communeCode: string; inClassNotEnrolled: number }> }>()
      .communes;
    expect(communes.map((c) => c.communeCode)).toEqual([A]);
    // walk8 W8-8: each kind's own URL on this commune report (was one template), and it answers.
    const urls = mm.json<{ communes: Array<{ recordsUrls: Record<string, string> }> }>().communes[0]!
      .recordsUrls;
    const kinds = ['inClassNotEnrolled', 'enrolledNotInClass', 'unmatchable', 'matchedByName'];
    expect(urls).toEqual(
      Object.fromEntries(kinds.map((k) => [k, `/v1/pcgd/reports/${reportId}/figures/${k}/records`])),
    );
    for (const url of Object.values(urls)) expect((await call('officerA', 'GET', url)).statusCode).toBe(200);
  });

  it('approval: by an officer of the unit, not the province; the package verifies; forms download', async () => {
    const { reportId } = await checkedA();
    expectProblem(
      await call('province', 'POST', `/v1/pcgd/reports/${reportId}/approve`),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    expectProblem(
      await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/package`),
      409,
      'ERR_PCGD_INVALID_TRANSITION',
    );
    const res = await call('officerA', 'POST', `/v1/pcgd/reports/${reportId}/approve`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<ReportBody>().status).toBe('approved');
    // fix33c: who approved by name, as the signed package and its forms name them; the client's id beside it
    const { id } = (
      await w.env.deps.db.query<{ id: string }>(`SELECT id FROM truc.api_clients WHERE name = 'officerA'`)
    ).rows[0]!;
    const approver = { approvedBy: 'officerA', approvedById: id };
    expect(res.json()).toMatchObject(approver);
    expect(await report(reportId)).toMatchObject(approver);
    const pkg = await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/package`);
    const sig = await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/package.p7s`);
    const cert = await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/certificate.pem`);
    expect(pkg.headers['content-type']).toMatch(/application\/json/);
    expect(sig.headers['content-type']).toMatch(/application\/pkcs7-signature/);
    const check = await verifyDetached(pkg.rawPayload, sig.rawPayload, { trusted: [cert.body] });
    expect(check).toMatchObject({ ok: true, trusted: true });
    expect(readPackage(pkg.rawPayload).indicators).toEqual((await report(reportId)).indicators);
    const xlsx = await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/forms.xlsx`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const pdf = await call('officerA', 'GET', `/v1/pcgd/reports/${reportId}/forms.pdf`);
    expect(pdf.rawPayload.subarray(0, 4).toString()).toBe('%PDF');
    // approved figures are locked: no recomputation without a reopen; pcgd14: the refusal names the version and
    // who reopens it, how (it said only "a higher level must reopen them")
    const { version } = await report(reportId);
    const locked = expectProblem(
      await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: YEAR }),
      409,
      'ERR_PCGD_REPORT_LOCKED',
    );
    expect(locked.detail).toContain(
      `báo cáo ${reportId} (phiên bản ${version}) của đơn vị ${A} năm ${YEAR} ` +
        'đang ở trạng thái đã duyệt: cán bộ PCGD của tỉnh hoặc quản trị thành phố mở lại',
    );
    expect(locked.detail).toContain(
      `/ report ${reportId} (version ${version}) of unit ${A}, year ${YEAR}, is approved: ` +
        `the province's PCGD officer or a city admin reopens it for a correction (POST /v1/pcgd/reports/${reportId}/reopen with a reason)`,
    );
  });

  it('submit: delivered once by the worker, the receipt stored; asking again sends nothing more', async () => {
    const { reportId } = await approvedA();
    const delivered = () => w.sim.figures.all().filter((f) => f.unitCode === A).length;
    const deliveredBefore = delivered();
    const res = await call('officerA', 'POST', `/v1/pcgd/reports/${reportId}/submit`);
    expect(res.statusCode, res.body).toBe(202);
    const r = await waitStatus(reportId, ['receipted']);
    expect(r.receipt?.receiptId).toMatch(/^PCGD-2026-27664-/);
    expect((await call('officerA', 'POST', `/v1/pcgd/reports/${reportId}/submit`)).statusCode).toBe(202);
    await waitFor(
      async () =>
        (await countRows(w.env.deps.db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL')) === 0,
      {
        timeoutMs: 20_000,
        what: 'outbox drained',
      },
    );
    expect(delivered()).toBe(deliveredBefore + 1);
  });

  it('reopen: only a higher level; a new version is computed, the old one kept', async () => {
    const { reportId, version } = await receiptedA();
    expectProblem(
      await call('officerA', 'POST', `/v1/pcgd/reports/${reportId}/reopen`, { reason: 'sửa số liệu' }),
      403,
      'ERR_FORBIDDEN_UNIT',
    );
    expectProblem(
      await call('province', 'POST', `/v1/pcgd/reports/${reportId}/reopen`, {}),
      400,
      'ERR_VALIDATION',
    );
    const res = await call('province', 'POST', `/v1/pcgd/reports/${reportId}/reopen`, {
      reason: 'sửa số liệu',
    });
    expect(res.statusCode, res.body).toBe(202);
    const v2 = res.json<{ reportId: number; version: number }>();
    expect(v2.version).toBe(version + 1);
    const newer = await waitStatus(v2.reportId, ['checked', 'computed']);
    expect(newer.status).toBe('checked');
    const old = await report(reportId);
    expect(old).toMatchObject({ status: 'receipted', superseded: true });
  });

  it('deadlines: every unit of the province with its state, as far as the caller may see', async () => {
    await checkedA();
    const res = await call('province', 'GET', `/v1/pcgd/deadlines?year=${YEAR}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      units: Array<{ unitCode: string; state: string; status: string; submitBefore: string }>;
      counts: Record<string, number>;
    }>();
    expect(body.units).toHaveLength(169);
    const a = body.units.find((u) => u.unitCode === A)!;
    expect(a).toMatchObject({ status: 'checked', submitBefore: '2026-10-03' });
    expect(body.units.at(-1)).toMatchObject({ unitCode: '79', submitBefore: '2026-10-10' });
    const own = (await call('officerA', 'GET', `/v1/pcgd/deadlines?year=${YEAR}`)).json<{
      units: unknown[];
    }>();
    expect(own.units).toHaveLength(1);
    // fix32a: a year truc cannot have (?year=2099 answered 200) is refused as a computation's year is: the same
    // code, the range said in both languages, the field's pointer; deadlines from 2014 to next year.
    const thisYear = Number(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 4));
    const yearRefusal = (res: Awaited<ReturnType<typeof call>>) => {
      const p = expectProblem(res, 400, 'ERR_VALIDATION') as { detail?: string; errors?: unknown[] };
      return { detail: p.detail, errors: p.errors };
    };
    for (const year of [1900, 2013, thisYear + 2, 2099]) {
      const r = yearRefusal(await call('officerA', 'GET', `/v1/pcgd/deadlines?year=${year}`));
      expect(r.detail).toContain(`a report year is 2014–${thisYear + 1}`);
      expect(r.detail).toContain(`năm báo cáo từ 2014 đến ${thisYear + 1}`);
      expect(r.errors).toStrictEqual([
        { pointer: '/querystring/year', rule: 'report_year', message: r.detail },
      ]);
    }
    const next = await call('officerA', 'GET', `/v1/pcgd/deadlines?year=${thisYear + 1}`);
    expect(next.statusCode, next.body).toBe(200);
    // walk6b W6b-2: no year was a 400 (required); it is the working year open today (1 September to 31 August).
    const open = await call('officerA', 'GET', '/v1/pcgd/deadlines');
    expect(open.statusCode, open.body).toBe(200);
    expect(open.json<{ year: number }>().year).toBe(workingYearAt(new Date(), '09-01'));
    const early = yearRefusal(
      await call('officerA', 'POST', '/v1/pcgd/reports', { unitCode: A, year: 2013 }),
    );
    expect(early.detail).toContain(`a report year is 2014–${thisYear}`);
    expect(early.errors).toStrictEqual([
      { pointer: '/body/year', rule: 'report_year', message: early.detail },
    ]);
    expect((await verifyAudit(w.env.deps.db)).ok).toBe(true);
  });
});
