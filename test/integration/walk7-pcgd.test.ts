/**
 * walk7 W7-4 (stop 63, the demo walked as a PCGD-XMC officer): submitting a report not yet approved said "báo cáo
 * đang checked, chưa được duyệt / report is checked, not approved", the status English in the Vietnamese and no step
 * to take; approving one approved already said only "report is approved". Each refusal now names the status in
 * Vietnamese and what to do (src/reporting/pcgd/status-words.ts reportStatusWords).
 */
import { describe, expect, it } from 'vitest';
import { approveReport, requestSubmit } from '../../src/reporting/pcgd/service.js';
import { A } from '../fixtures/pcgd/communes.js';
import { usePcgdReportWorld } from '../helpers/pcgd-report-world.js';

describe('W7-4: a PCGD-XMC step refused for the report status says what to do next', () => {
  const { w, computeFresh } = usePcgdReportWorld('postgres');

  it('submit of a checked report: approve it first, with the route; approve twice: submit it', async () => {
    const checked = await computeFresh(A);
    expect(checked.status).toBe('checked');
    await expect(
      requestSubmit(w.store.db, { reportId: checked.id, actor: 'officer', at: new Date() }),
    ).rejects.toMatchObject({
      code: 'ERR_PCGD_INVALID_TRANSITION',
      message:
        `báo cáo ${checked.id} đang ở trạng thái đã kiểm tra: duyệt trước (POST /v1/pcgd/reports/${checked.id}/approve) / ` +
        `report ${checked.id} is checked: approve it first (POST /v1/pcgd/reports/${checked.id}/approve)`,
    });
    await approveReport(w.deps, { reportId: checked.id, actor: 'officer' });
    await expect(approveReport(w.deps, { reportId: checked.id, actor: 'officer' })).rejects.toMatchObject({
      code: 'ERR_PCGD_INVALID_TRANSITION',
      message: expect.stringContaining(
        `report ${checked.id} is approved: approved already: submit it (POST /v1/pcgd/reports/${checked.id}/submit)`,
      ) as unknown,
    });
  });
});
