/**
 * `truc pcgd submit --follow`: waits for the Ministry's receipt of each report submitted, and stops at once when a
 * delivery failed for good (fix30b: a refusal waited the whole `--timeout`, 600 s, then said only "timed out"): the
 * Ministry refused the figures (ERR_ADAPTER_REJECTED, its own code and field errors kept on the report's
 * `delivery.refusal`), the window closed past the deadline, or it ran out of attempts (reporting/pcgd/deadlines.ts
 * `deliveryFailed`, the rule the deadlines and the overview read too). Each failure is said in Vietnamese and English.
 */
import { deliveryFailed } from '../../reporting/pcgd/deadlines.js';
import type { PcgdDeps } from '../../reporting/pcgd/service.js';
import type { ReportRow } from '../../store/pcgd.js';
import { both, errorWords, startProgress, type CliOutput } from '../kit.js';
import { sleep } from '../../observability/deadline.js';

/** How often the reports are read again while waiting. */
const POLL_MS = 1000;

/** A report's delivery failed for good (no next attempt): {@link deliveryFailed} on the stored row. */
export const failedForGood = (r: ReportRow): boolean =>
  deliveryFailed({
    status: r.status,
    deliveryError: r.delivery_error,
    deliveryNotBefore: r.delivery_not_before,
  });

/**
 * What a report whose delivery failed for good says: the failure (the Ministry's code when it refused), what to do,
 * and each field error the Ministry named (`pointer: rule — message`; figures only, no personal data).
 */
export function failureLines(r: ReportRow): string[] {
  const code = r.delivery_error ?? 'ERR_INTERNAL';
  const words = errorWords(code);
  const refusal = r.delivery_refusal;
  if (code === 'ERR_ADAPTER_REJECTED' && refusal) {
    const theirs = refusal.code
      ? { vi: `, mã của Bộ ${refusal.code}`, en: `, the Ministry's code ${refusal.code}` }
      : { vi: '', en: '' };
    return [
      both(
        `báo cáo ${r.id}: Bộ từ chối số liệu (${code}${theirs.vi}); cấp trên mở lại báo cáo để xã sửa và nộp phiên bản mới`,
        `report ${r.id}: the Ministry refused the figures (${code}${theirs.en}); a higher level reopens it for the commune to correct and submit a new version`,
      ),
      ...refusal.errors.map(
        (e) =>
          `  ${both(
            `lỗi tại ${e.pointer || '/'}: ${e.rule} (${e.message})`,
            `error at ${e.pointer || '/'}: ${e.rule} (${e.message})`,
          )}`,
      ),
    ];
  }
  return [
    both(
      `báo cáo ${r.id}: gửi thất bại hẳn, không thử lại (${code}: ${words.vi}); nộp lại: truc pcgd submit ${r.id}`,
      `report ${r.id}: delivery failed for good, no further attempt (${code}: ${words.en}); submit it again: truc pcgd submit ${r.id}`,
    ),
  ];
}

/**
 * Waits until every report of `ids` is receipted by the Ministry (the worker role delivers them), one of them failed
 * for good, or `timeoutS` passes, showing how many are receipted (`startProgress`). Exit code: 0 when all are
 * receipted; 1 otherwise, the failures said on stderr.
 */
export async function followDelivery(
  deps: PcgdDeps,
  ids: readonly number[],
  timeoutS: number,
  out: CliOutput,
  pollMs = POLL_MS,
): Promise<number> {
  const { createPcgdRepo } = await import('../../store/pcgd.js');
  const repo = createPcgdRepo(deps.db);
  const progress = startProgress(
    out,
    { vi: 'gửi PCGD', en: 'pcgd delivery' },
    { unit: { vi: 'có biên nhận', en: 'receipted' }, total: ids.length },
  );
  const deadline = Date.now() + timeoutS * 1000;
  let receipted = 0;
  let failed: ReportRow[] = [];
  try {
    for (let i = 0; i < 1_000_000 && Date.now() < deadline; i++) {
      const rows = await Promise.all(ids.map((id) => repo.get(id)));
      receipted = rows.filter((r) => r?.status === 'receipted').length;
      failed = rows.filter((r): r is ReportRow => r !== null && r !== undefined && failedForGood(r));
      progress.update(receipted);
      if (receipted === ids.length || failed.length > 0) break;
      await sleep(pollMs);
    }
  } finally {
    progress.stop(
      receipted === ids.length
        ? undefined
        : failed.length > 0
          ? { vi: 'gửi thất bại', en: 'delivery failed' }
          : { vi: 'hết thời gian chờ', en: 'timed out' },
    );
  }
  for (const r of failed) for (const line of failureLines(r)) out.stderr(`${line}\n`);
  return receipted === ids.length ? 0 : 1;
}
