/**
 * What `truc holds show` prints of an approved snapshot hold once applied (walk5 W5-12, guard6): "applied N of M",
 * and each held record the application left alone, with why — what the newer word did, by which batch (sync run) or
 * system, and when. Codes and ids only, never personal data.
 */
import { countEn } from '../../config.js';
import type { GuardHold, KeptRecord } from '../../store/guard-holds.js';
import { both, vnTime } from '../kit.js';

const WHY: Record<KeptRecord['why'], [string, string]> = {
  written: ['được ghi lại sau snapshot', 'written after the snapshot'],
  carried: ['được gửi lại không đổi sau snapshot', 'carried unchanged after the snapshot'],
  deleted: ['đã bị xoá sau snapshot', 'deleted after the snapshot'],
  moved: ['đã chuyển sang trường khác sau snapshot', 'moved to another school after the snapshot'],
  unknown: ['không rõ: truc không còn dòng nào của bản ghi này', 'unknown: truc holds no row of this record'],
};

/** `bởi lô X (lượt đồng bộ R) / by batch X (sync run R)`, `bởi smas / by smas`, or nothing. */
function byWords(k: KeptRecord): [string, string] {
  if (k.batchId && k.syncRunId !== undefined)
    return [
      ` bởi lượt đồng bộ ${k.syncRunId} (lô ${k.batchId})`,
      ` by sync run ${k.syncRunId} (batch ${k.batchId})`,
    ];
  if (k.batchId) return [` bởi lô ${k.batchId}`, ` by batch ${k.batchId}`];
  return k.system ? [` bởi ${k.system}`, ` by ${k.system}`] : ['', ''];
}

/** One kept record: `GA15: được ghi lại sau snapshot bởi lô X lúc T / GA15: written after the snapshot by batch X at T`. */
export function keptLine(k: KeptRecord): string {
  const [whyVi, whyEn] = WHY[k.why];
  const [byVi, byEn] = byWords(k);
  const at = k.at ? { vi: ` lúc ${vnTime(k.at)}`, en: ` at ${vnTime(k.at)}` } : { vi: '', en: '' };
  return both(`${k.key}: ${whyVi}${byVi}${at.vi}`, `${k.key}: ${whyEn}${byEn}${at.en}`);
}

/**
 * An applied hold's lines: when, how many of how many held (once kept: migration 1438), and the first `shown` kept
 * records (all with `shown` undefined), with how many more.
 */
export function appliedLines(h: GuardHold, shown?: number): string[] {
  if (!h.appliedAt) return [];
  const n = h.applied ?? 0;
  const of = h.appliedOf;
  const head =
    of === null
      ? both(
          `đã áp dụng lúc ${vnTime(h.appliedAt)}: xoá ${n} bản ghi`,
          `applied at ${vnTime(h.appliedAt)}: ${countEn(n, 'record')} deleted`,
        )
      : both(
          `đã áp dụng lúc ${vnTime(h.appliedAt)}: xoá ${n} trên ${of} bản ghi bị giữ, để nguyên ${of - n} (có thông tin mới hơn snapshot)`,
          `applied at ${vnTime(h.appliedAt)}: ${n} of ${countEn(of, 'held deletion')} applied, ${of - n} kept (a word newer than the snapshot's)`,
        );
  const kept = h.kept ?? [];
  const lines = kept.slice(0, shown ?? kept.length).map((k) => `    ${keptLine(k)}`);
  const more = kept.length - lines.length;
  if (more > 0)
    lines.push(
      `    ${both(`… và ${more} bản ghi nữa (--all: tất cả; --json)`, `… ${countEn(more, 'more record')} (--all: every one; --json)`)}`,
    );
  return [`  ${head}`, ...lines];
}
