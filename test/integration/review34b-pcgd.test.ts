/**
 * review34b: a PCGD-XMC officer's season (ward, then city) on PostgreSQL, on the hand-computed fixture
 * (test/fixtures/pcgd/communes.ts, seeded by test/helpers/pcgd-report-world.ts).
 */
import { describe, expect, it } from 'vitest';
import { approveReport, computeReport, reopenReport } from '../../src/reporting/pcgd/service.js';
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
});
