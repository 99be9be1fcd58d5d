/**
 * What `truc holds show` prints of one hold (and `holds list` of each): its head line with the totals, its decision
 * (who, by name: fix35a), how far its weighing got, the thresholds it went over and each school's counts and codes,
 * the most telling first and {@link SHOWN} of each (fix35a: a held city-wide run's 2,500 schools and reasons were all
 * printed; `--all` prints them, `--json` holds them), what its run did not apply, and how to decide it.
 */
import { countEn, entityNounEn } from '../../config.js';
import type { GuardHold, GuardHoldSummary, HoldReason, SchoolDiff } from '../../store/guard-holds.js';
import type { NotApplied } from '../../store/run-except.js';
import { both, vnTime } from '../kit.js';
import { appliedLines } from './hold-kept.js';
import {
  deciderText,
  DECISIONS,
  HOLD_KIND_VI,
  HOLD_STATUS_VI,
  reasonLine,
  restoredText,
  whereOf,
} from './hold-words.js';
import { ENTITY_VI, viOf } from './words.js';

/** Reasons and schools `holds show` prints, the most telling first (all of them with --all). */
export const SHOWN = 20;

/** Codes shown per kind of change and school in `holds show` (all of them with --json). */
const KEYS_SHOWN = 20;

/** What the hold held: a run's page or its reconciliation (with the run), or a vendor's batch. */
export function subject(h: Pick<GuardHold, 'kind' | 'syncRunId' | 'batchId'>): { vi: string; en: string } {
  // The batch named once (fix30b: `batch, batch 42`, the kind and then the batch, as a run's page names its run)
  if (h.kind === 'batch') return { vi: `lô ${h.batchId ?? ''}`, en: `batch ${h.batchId ?? ''}` };
  return {
    vi: `${HOLD_KIND_VI[h.kind]}, lượt đồng bộ ${h.syncRunId ?? ''}`,
    en: `${h.kind}, sync run ${h.syncRunId ?? ''}`,
  };
}

/** A hold's head: `lệnh giữ 3 (…) đang giữ chờ duyệt, tạo …: <totals>` (`holds list`, `holds show`). */
export function headLine(h: GuardHoldSummary): string {
  const s = subject(h);
  const t = totalsText(h);
  return both(
    `lệnh giữ ${h.id} (${s.vi}) ${HOLD_STATUS_VI[h.status]}, tạo ${vnTime(h.createdAt)}: ${t.vi}`,
    `hold ${h.id} (${s.en}) ${h.status}, created ${vnTime(h.createdAt)}: ${t.en}`,
  );
}

/** Totals in words: `3 trường, 100 còn hiệu lực, 40 xoá, …`; a schools hold counts the city's schools as one. */
function totalsText(h: GuardHoldSummary): { vi: string; en: string } {
  const t = h.totals;
  const schools =
    h.entity === 'schools'
      ? { vi: '', en: '' }
      : { vi: `${h.schools} trường, `, en: `${countEn(h.schools, 'school')}, ` };
  return {
    vi: `${schools.vi}${t.live} ${viOf(ENTITY_VI, h.entity)} còn hiệu lực, ${t.deleted} xoá, ${t.moved} chuyển đi, ${t.changed} thay đổi${restoredText(t.restored).vi}`,
    en: `${schools.en}${t.live} live ${entityNounEn(t.live, h.entity)}, ${t.deleted} deleted, ${t.moved} moved, ${t.changed} changed${restoredText(t.restored).en}`,
  };
}

/** Totals of a full hold, as a list computes them in the database (guard-holds.ts SUMMARY). */
function summaryOf(h: GuardHold): GuardHoldSummary {
  const sum = (f: (d: SchoolDiff) => number) => h.diff.reduce((n, d) => n + f(d), 0);
  const { diff: _diff, ...rest } = h;
  return {
    ...rest,
    reasonsTotal: h.reasons.length,
    schools: h.diff.length,
    totals: {
      live: sum((d) => d.live),
      deleted: sum((d) => d.deleted),
      moved: sum((d) => d.moved),
      changed: sum((d) => d.changed),
      restored: sum((d) => d.restored ?? 0),
    },
  };
}

/**
 * `mã xoá: A, B, … và 12 mã nữa / deleted: A, B, … and 12 more`, or nothing for no codes. `total` is the kind's count:
 * a weighed hold keeps only some codes of a school (`keysTruncated`, guard.weighedKeys), so `--json` then holds
 * those, not all.
 */
function keysLine(
  kind: 'deleted' | 'moved' | 'changed' | 'restored',
  keys: readonly string[],
  total: number,
  truncated: boolean,
): string[] {
  if (keys.length === 0) return [];
  const vi = {
    deleted: 'mã bị xoá',
    moved: 'mã chuyển đi',
    changed: 'mã thay đổi',
    restored: 'mã khôi phục',
  }[kind];
  const shown = keys.slice(0, KEYS_SHOWN);
  const more = (truncated ? Math.max(total, keys.length) : keys.length) - shown.length;
  const where = truncated
    ? { vi: `--json: ${keys.length} mã lệnh giữ lưu`, en: `--json: the ${keys.length} the hold keeps` }
    : { vi: '--json: tất cả', en: '--json: all' };
  return [
    `    ${both(
      `${vi}: ${shown.join(', ')}${more > 0 ? ` và ${more} mã nữa (${where.vi})` : ''}`,
      `${kind}: ${shown.join(', ')}${more > 0 ? ` and ${more} more (${where.en})` : ''}`,
    )}`,
  ];
}

/** The schools an approval left out, and what the run did not apply of each. */
function exceptLines(h: GuardHold, notApplied: readonly NotApplied[]): string[] {
  if (h.exceptSchools.length === 0) return [];
  return [
    `  ${both(
      `duyệt trừ các trường (chưa áp dụng lần này, hỏi lại ở lần kéo sau): ${h.exceptSchools.join(', ')}`,
      `approved except these schools (not applied this run, asked again by the next run): ${h.exceptSchools.join(', ')}`,
    )}`,
    ...notApplied.map(
      (n) =>
        `  ${both(
          `trường ${n.school}: ${n.records} bản ghi không áp dụng, ${n.deletions} bản ghi đối soát không xoá`,
          `school ${n.school}: ${countEn(n.records, 'record')} not applied, ${countEn(n.deletions, 'reconciliation deletion')} left`,
        )}`,
    ),
  ];
}

/** What a held change's decisions do, as commands. */
function decideLines(h: GuardHold): string[] {
  if (h.status !== 'held') return [];
  const [approve, reject] = DECISIONS[h.kind];
  return [
    `  ${both(`duyệt: truc holds approve ${h.id} (${approve[0]})`, `approve: truc holds approve ${h.id} (${approve[1]})`)}`,
    ...(h.kind === 'batch'
      ? []
      : [
          `  ${both(
            `duyệt trừ vài trường: truc holds approve ${h.id} --except <mã,…> (chưa áp dụng lần này, hỏi lại ở lần kéo sau)`,
            `approve except schools: truc holds approve ${h.id} --except <code,…> (not applied this run, asked again by the next run)`,
          )}`,
        ]),
    `  ${both(`từ chối: truc holds reject ${h.id} (${reject[0]})`, `reject: truc holds reject ${h.id} (${reject[1]})`)}`,
  ];
}

const WEIGHING_WORDS: Record<NonNullable<GuardHold['weighing']>['state'], [string, string]> = {
  weighing: ['đang cân nhắc', 'under way'],
  interrupted: [
    'bị gián đoạn (worker dừng giữa chừng; sẽ cân nhắc tiếp khi một worker nhận lại): lệnh giữ chỉ có các trang đã cân nhắc',
    'interrupted (its worker stopped; it resumes once a worker takes it up): the hold shows only the pages weighed',
  ],
  whole: ['đủ: đã cân nhắc tới hết lần kéo', "whole: weighed to the run's end"],
  partial: ['chưa đủ: dừng trước khi hết lần kéo', "partial: stopped before the run's end"],
};

/** Why a weighing stopped early, in both languages (fix34e). */
const stoppedWords = (by: string | null): [string, string] =>
  by === null
    ? ['', '']
    : by === 'time-cap'
      ? [', vì quá guard.weighing.maxSeconds', ', at guard.weighing.maxSeconds']
      : by === 'decided'
        ? [', vì lệnh giữ đã được quyết định', ', as the hold was decided']
        : [`, vì lỗi ${by}`, `, on ${by}`];

/** How far a held run's weighing got (fix34e: whole, partial and why, interrupted), or none. */
function weighingLine(h: GuardHold): string | undefined {
  const w = h.weighing;
  if (!w) return undefined;
  const [vi, en] = WEIGHING_WORDS[w.state];
  const [whyVi, whyEn] = stoppedWords(w.stoppedBy);
  const span = `${w.heldPage + 1}–${w.throughPage + 1}`;
  return `  ${both(
    `cân nhắc các trang tiếp theo: ${vi}${whyVi}; ${w.pages} trang sau trang bị giữ (trang ${span})`,
    `weighing of the run's next pages: ${en}${whyEn}; ${w.pages} pages after the held page (pages ${span})`,
  )}`;
}

/** Whether the hold covers the deletions its full run's end would make, and how many per school (fix36e), or none. */
function deletionsLine(h: GuardHold): string | undefined {
  const w = h.weighing;
  if (!w || w.deletionsWeighed === null) return undefined;
  const d = w.deletionsWeighed ? w.deletions : undefined;
  if (!d)
    return `  ${both(
      'chưa cân trước phần đối soát cuối lần kéo: lệnh giữ không gồm các bản ghi nó sẽ xoá (vượt ngưỡng thì bị giữ lại ở cuối lần kéo)',
      "the run's end deletions are not weighed: the hold does not cover them (over a threshold they are held again at the run's end)",
    )}`;
  const per = d.bySchool.map((s) => `${s.school}${s.schoolYear ? `/${s.schoolYear}` : ''}: ${s.records}`);
  const list =
    per.length > 0
      ? ` (${per.slice(0, SHOWN).join(', ')}${per.length < d.schools || per.length > SHOWN ? ', …' : ''})`
      : '';
  return `  ${both(
    `đã cân trước phần đối soát cuối lần kéo, duyệt là duyệt cả nó: xoá ${d.records} bản ghi ở ${d.schools} trường${list}`,
    `the run's end deletions are weighed into the hold, an approval covers them: ${countEn(d.records, 'record')} at ${countEn(d.schools, 'school')}${list}`,
  )}`;
}

/** A reason's grade as a number when it is one (`6` before `10`), else null: rankedReasons' order (store/guard-holds.ts). */
const gradeNumber = (grade: string | null | undefined): number | null =>
  grade != null && /^[0-9]{1,4}$/.test(grade) ? Number(grade) : null;

/**
 * The API's order of a hold's reasons (store/guard-holds.ts rankedReasons, walk5 W5-6; walk6b: `holds show` still
 * sorted by ratio alone, reading grade 7, 8, 9, the school, grade 6): the school of the highest ratio first, each
 * school's together, by school year, the whole school first, then its grades in order, then kind.
 */
const byRatio = (reasons: readonly HoldReason[]): HoldReason[] => {
  const top = new Map<string, number>();
  for (const r of reasons) top.set(r.school, Math.max(top.get(r.school) ?? -Infinity, r.ratio));
  const ranked = reasons.map((r, n) => ({ r, n, top: top.get(r.school)!, g: gradeNumber(r.grade) }));
  ranked.sort(
    (a, b) =>
      b.top - a.top ||
      codeOrder(a.r.school, b.r.school) ||
      codeOrder(a.r.schoolYear ?? '', b.r.schoolYear ?? '') ||
      Number(a.r.grade != null) - Number(b.r.grade != null) ||
      (a.g ?? Infinity) - (b.g ?? Infinity) ||
      codeOrder(a.r.grade ?? '', b.r.grade ?? '') ||
      codeOrder(a.r.kind, b.r.kind) ||
      a.n - b.n,
  );
  return ranked.map((x) => x.r);
};

/** Most affected first (deleted + moved + changed + restored), then by school and school year: the API's order of a hold's schools. */
const affected = (d: SchoolDiff): number => d.deleted + d.moved + d.changed + (d.restored ?? 0);
const mostAffected = (diff: readonly SchoolDiff[]): SchoolDiff[] =>
  [...diff].sort(
    (a, b) =>
      affected(b) - affected(a) ||
      codeOrder(a.school, b.school) ||
      codeOrder(a.schoolYear ?? '', b.schoolYear ?? ''),
  );

const codeOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `… và 2480 trường nữa (--all: tất cả; --json) / … 2480 more schools (--all: every one; --json)`, or none. */
function moreLine(left: number, [vi, en]: readonly [string, string]): string[] {
  if (left <= 0) return [];
  return [
    `  ${both(`… và ${left} ${vi} nữa (--all: tất cả; --json)`, `… ${countEn(left, `more ${en}`, `more ${en}s`)} (--all: every one; --json)`)}`,
  ];
}

/**
 * `holds show`'s lines: the hold, its decision, the thresholds it went over and each school's counts and codes,
 * {@link SHOWN} of each, the most telling first (all with `all`).
 */
export function showLines(
  h: GuardHold,
  notApplied: readonly NotApplied[] = [],
  opts: { all?: boolean } = {},
): string[] {
  const lines = [headLine(summaryOf(h))];
  // A held run's next pages being weighed (review32 F3, jobs/run-weigh.ts): the hold is not whole yet.
  if (h.status === 'held' && h.weighingUntil)
    lines.push(
      `  ${both(
        `đang cân nhắc các trang tiếp theo của lần kéo, lệnh giữ chưa đủ: chưa quyết định được trước ${vnTime(h.weighingUntil)}`,
        `the run's next pages are being weighed, the hold is not whole yet: it cannot be decided before ${vnTime(h.weighingUntil)}`,
      )}`,
    );
  const weighed = weighingLine(h);
  if (weighed) lines.push(weighed);
  const deletions = deletionsLine(h);
  if (deletions) lines.push(deletions);
  if (h.decidedAt)
    lines.push(
      `  ${both(
        `quyết định: ${HOLD_STATUS_VI[h.status]} bởi ${deciderText(h)} lúc ${vnTime(h.decidedAt)}${h.decisionReason ? `, lý do: ${h.decisionReason}` : ''}`,
        `decided: ${h.status} by ${deciderText(h)} at ${vnTime(h.decidedAt)}${h.decisionReason ? `, reason: ${h.decisionReason}` : ''}`,
      )}`,
    );
  // Applied N of M, and each record a newer word kept, with why (walk5 W5-12).
  lines.push(...appliedLines(h, opts.all ? undefined : SHOWN));
  const reasons = opts.all ? byRatio(h.reasons) : byRatio(h.reasons).slice(0, SHOWN);
  for (const r of reasons) lines.push(`  ${reasonLine(r)}`);
  lines.push(...moreLine(h.reasons.length - reasons.length, ['lý do', 'reason']));
  const schools = opts.all ? mostAffected(h.diff) : mostAffected(h.diff).slice(0, SHOWN);
  for (const d of schools) {
    const w = whereOf(d);
    lines.push(
      `  ${both(
        `${w.vi}: ${d.live} còn hiệu lực, ${d.deleted} xoá${d.reconciled === undefined ? '' : ` (${d.reconciled} do đối soát)`}, ${d.moved} chuyển đi, ${d.changed} thay đổi${restoredText(d.restored).vi}`,
        `${w.en}: ${d.live} live, ${d.deleted} deleted${d.reconciled === undefined ? '' : ` (${d.reconciled} by the reconciliation)`}, ${d.moved} moved, ${d.changed} changed${restoredText(d.restored).en}`,
      )}`,
      ...keysLine('deleted', d.keys.deleted, d.deleted, d.keysTruncated === true),
      ...keysLine('moved', d.keys.moved, d.moved, d.keysTruncated === true),
      ...keysLine('changed', d.keys.changed, d.changed, d.keysTruncated === true),
      ...keysLine('restored', d.keys.restored ?? [], d.restored ?? 0, d.keysTruncated === true),
    );
  }
  lines.push(
    ...moreLine(h.diff.length - schools.length, ['trường', 'school']),
    ...exceptLines(h, notApplied),
    ...decideLines(h),
  );
  return lines.map((l) => `${l}\n`);
}
