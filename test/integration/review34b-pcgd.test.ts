/**
 * review34b: a PCGD-XMC officer's season (ward, then city) on PostgreSQL, on the hand-computed fixture
 * (test/fixtures/pcgd/communes.ts, seeded by test/helpers/pcgd-report-world.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  approveReport,
  computeReport,
  reopenReport,
  requestSubmit,
} from '../../src/reporting/pcgd/service.js';
import { A, B, C, YEAR } from '../fixtures/pcgd/communes.js';
import { usePcgdReportWorld } from '../helpers/pcgd-report-world.js';

describe('review34b: PCGD-XMC season on postgres', () => {
  const { w, reports } = usePcgdReportWorld('postgres');

  /** The unit's current version, approved (computed and approved here when it is not yet). */
  async function approved(code: string) {
    let row =
      (await reports().current(code, YEAR)) ??
      (await computeReport(w.deps, { unitCode: code, year: YEAR, actor: 'test' }));
    if (row.status === 'checked')
      row = await approveReport(w.deps, { reportId: row.id, actor: `officer-${code}` });
    expect(row.status).toBe('approved');
    return row;
  }

  it('F1: a province report made from a commune version reopened since is not approved; computed again it is', async () => {
    for (const code of [A, B, C]) await approved(code);
    const province = await computeReport(w.deps, { unitCode: '79', year: YEAR, actor: 'officer-79' });
    expect(province.status).toBe('checked');
    // The province reopens commune B for a correction: B's signed version is withdrawn.
    const signedB = (await reports().current(B, YEAR))!;
    const newB = await reopenReport(w.deps, {
      reportId: signedB.id,
      actor: 'officer-79',
      reason: 'sửa / fix',
    });
    expect(newB.id).not.toBe(signedB.id);
    // The province's figures still rest on B's withdrawn version: approving them is refused, and says why.
    const refused = approveReport(w.deps, { reportId: province.id, actor: 'officer-79' });
    await expect(refused).rejects.toMatchObject({ code: 'ERR_PCGD_INVALID_TRANSITION' });
    const err = (await refused.catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(B);
    expect(err.message).toMatch(/tính lại.*\/.*compute/);
    expect((await reports().get(province.id))!.status).toBe('checked');
    // B approved again, the province computed again from it, then approved.
    await approveReport(w.deps, { reportId: newB.id, actor: `officer-${B}` });
    const again = await computeReport(w.deps, { unitCode: '79', year: YEAR, actor: 'officer-79' });
    const ok = await approveReport(w.deps, { reportId: again.id, actor: 'officer-79' });
    expect(ok.status).toBe('approved');
  });

  it('F2: figures of a year counted from the survey persons of another working year say so; an earlier one blocks approval', async () => {
    // Commune A's persons were pulled on 1 March 2027: the Ministry's working year then is 2026 (it opens 1 September).
    await w.store.db.query(
      `INSERT INTO truc.sync_runs (system, entity, scope, status, requested_by, created_at, finished_at)
       VALUES ('moet-pcgd', 'persons', $1, 'done', 'test', '2027-03-01T02:00:00Z', '2027-03-01T02:05:00Z')`,
      [A],
    );
    const march2027 = { ...w.deps, now: () => new Date('2027-03-10T03:00:00Z') };
    // 2027's figures (the CLI's default year in March 2027) from 2026's survey: every age one year off the data.
    const next = await computeReport(march2027, { unitCode: A, year: 2027, actor: 'officer-27664' });
    const early = next.findings as Array<{
      rule: string;
      severity: string;
      communeCode?: string;
      vi: string;
      en: string;
    }>;
    const found = early.find((x) => x.rule === 'PCGD_PERSONS_EARLIER_YEAR');
    expect(found).toMatchObject({ severity: 'error', communeCode: A });
    expect(found!.en).toContain('working year 2026');
    expect(found!.vi).toContain('năm làm việc 2026');
    expect(next.status).toBe('computed');
    await expect(
      approveReport(march2027, { reportId: next.id, actor: 'officer-27664' }),
    ).rejects.toMatchObject({
      code: 'ERR_PCGD_CHECK_FAILED',
    });
    // the province's figures for 2027, its communes computed from their persons, say it too
    const province = await computeReport(march2027, { unitCode: '79', year: 2027, actor: 'officer-79' });
    expect(province.findings as Array<{ rule: string; communeCode?: string }>).toContainEqual(
      expect.objectContaining({ rule: 'PCGD_PERSONS_EARLIER_YEAR', communeCode: A }),
    );
    // 2025's figures from 2026's survey: a warning (truc holds only the newest survey)
    const past = await computeReport(march2027, { unitCode: A, year: 2025, actor: 'officer-27664' });
    expect(past.findings as Array<{ rule: string; severity: string }>).toContainEqual(
      expect.objectContaining({ rule: 'PCGD_PERSONS_LATER_YEAR', severity: 'warning' }),
    );
    // 2026's figures from 2026's survey: neither
    const same = (await reports().current(A, YEAR))!;
    expect((same.findings as Array<{ rule: string }>).map((x) => x.rule)).not.toContain(
      'PCGD_PERSONS_EARLIER_YEAR',
    );
  });

  // F3: a province report approved before one of its communes was reopened was still submitted as it was, nothing
  // saying it disagreed with the commune's correction; now refused, a city admin reopens the province.
  it('F3: a province approved before a commune was reopened is not submitted on the withdrawn figures', async () => {
    for (const code of [A, B, C]) await approved(code);
    const current = await reports().current('79', YEAR);
    const fresh =
      current && ['approved', 'submitted', 'receipted'].includes(current.status)
        ? await reopenReport(w.deps, { reportId: current.id, actor: 'admin', reason: 'test' })
        : await computeReport(w.deps, { unitCode: '79', year: YEAR, actor: 'officer-79' });
    const province = await approveReport(w.deps, { reportId: fresh.id, actor: 'officer-79' });
    const signedC = (await reports().current(C, YEAR))!;
    await reopenReport(w.deps, { reportId: signedC.id, actor: 'officer-79', reason: 'sửa / fix' });
    await expect(
      w.store.db.tx((q) => requestSubmit(q, { reportId: province.id, actor: 'officer-79', at: new Date() })),
    ).rejects.toMatchObject({ code: 'ERR_PCGD_INVALID_TRANSITION' });
  });
});
