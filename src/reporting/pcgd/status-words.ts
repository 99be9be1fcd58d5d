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
