/**
 * A PCGD-XMC report's status in Vietnamese (src/store/pcgd.ts `ReportStatus`): a line's Vietnamese half reads
 * Vietnamese, its English half keeps the status as the API shows it (`truc pcgd`, src/cli/commands/words.ts; the
 * demo's summary). Imports nothing, so the CLI's `--help` loads nothing with it.
 */
export const REPORT_STATUS_VI: Readonly<Record<string, string>> = {
  pending: 'chờ tính',
  failed: 'tính thất bại',
  computed: 'đã tính',
  checked: 'đã kiểm tra',
  approved: 'đã duyệt',
  submitted: 'đã gửi',
  receipted: 'đã có biên nhận',
};

/**
 * What the officer does next with a report of each status, in both languages (walk7 W7-4: a submit of a checked
 * report said "báo cáo đang checked, chưa được duyệt / report is checked, not approved", the status English in the
 * Vietnamese, and no step to take).
 */
const NEXT_STEP: Readonly<Record<string, { vi: string; en: string }>> = {
  pending: {
    vi: 'chờ tính xong (GET /v1/pcgd/reports/{id})',
    en: 'wait until it is computed (GET /v1/pcgd/reports/{id})',
  },
  failed: { vi: 'tính lại (POST /v1/pcgd/reports)', en: 'compute it again (POST /v1/pcgd/reports)' },
  computed: {
    vi: 'sửa dữ liệu theo các lỗi trong findings rồi tính lại (POST /v1/pcgd/reports)',
    en: 'correct the data its error findings name, then compute again (POST /v1/pcgd/reports)',
  },
  checked: {
    vi: 'duyệt trước (POST /v1/pcgd/reports/{id}/approve)',
    en: 'approve it first (POST /v1/pcgd/reports/{id}/approve)',
  },
  approved: {
    vi: 'đã duyệt: gửi Bộ (POST /v1/pcgd/reports/{id}/submit)',
    en: 'approved already: submit it (POST /v1/pcgd/reports/{id}/submit)',
  },
  submitted: { vi: 'đã gửi Bộ, chờ biên nhận', en: 'submitted already, its receipt awaited' },
  receipted: { vi: 'đã có biên nhận của Bộ', en: 'receipted by the Ministry already' },
};

/** Why a step is refused for a report of `status`, and what to do instead: `[vi, en]`, the `{id}` filled in. */
export function reportStatusWords(id: number, status: string): [string, string] {
  const next = NEXT_STEP[status];
  const vi = `báo cáo ${id} đang ở trạng thái ${REPORT_STATUS_VI[status] ?? status}`;
  const en = `report ${id} is ${status}`;
  if (!next) return [vi, en];
  const fill = (s: string) => s.replace('{id}', String(id));
  return [`${vi}: ${fill(next.vi)}`, `${en}: ${fill(next.en)}`];
}
