/**
 * How the CLI words a mass-change guard hold, in Vietnamese and English (`truc sync run --follow` on a held
 * run, `truc holds`): where a reason applies, what kind of change it weighs, what a decision does.
 */
import {
  CITY_SCHOOLS,
  type GuardHold,
  type HoldKind,
  type HoldReason,
  type HoldStatus,
} from '../../store/guard-holds.js';
import { both, vnTime } from '../kit.js';
import { actorText } from './words.js';

/** A hold's status in Vietnamese (its English half keeps the key). */
export const HOLD_STATUS_VI: Readonly<Record<HoldStatus, string>> = {
  held: 'đang giữ chờ duyệt',
  approved: 'đã duyệt',
  rejected: 'đã từ chối',
  superseded: 'đã có lần kéo mới hơn, bỏ qua',
};

/** What a hold of each kind holds, in Vietnamese: a run's page, its reconciliation, a vendor's batch. */
export const HOLD_KIND_VI: Readonly<Record<HoldKind, string>> = {
  run: 'trang dữ liệu',
  reconcile: 'bước đối soát',
  batch: 'lô',
};

/** What approving and rejecting do, by the hold's kind; [vi, en] each. */
export const DECISIONS: Record<
  HoldKind,
  readonly [approve: readonly [string, string], reject: readonly [string, string]]
> = {
  run: [
    ['lượt đồng bộ tiếp tục từ trang bị giữ', 'the run goes on from the held page'],
    ['lượt đồng bộ thất bại, ERR_GUARD_REJECTED', 'the run fails, ERR_GUARD_REJECTED'],
  ],
  reconcile: [
    ['các bản ghi lượt đồng bộ không thấy bị xoá', 'the records the run did not see are deleted'],
    ['không xoá gì, lượt đồng bộ vẫn xong', 'nothing is deleted, the run stays done'],
  ],
  batch: [
    [
      'lô được áp dụng (lô toàn bộ, snapshot: các bản ghi nó bỏ sót được xếp hàng để xoá)',
      'the batch is applied (a snapshot: its deletions are queued)',
    ],
    [
      'không xoá gì (lô bị giữ nguyên lô thì thất bại, ERR_GUARD_REJECTED)',
      'nothing is deleted (a batch held whole fails, ERR_GUARD_REJECTED)',
    ],
  ],
};

/** A hold reason's kind in Vietnamese (`deleted` counts deletions and moves away). */
export const KIND_VI = { deleted: 'xoá hoặc chuyển đi', changed: 'thay đổi' } as const;

/** Where a reason or a school's diff applies: a school (of a school year), or the city's schools as one (`*`). */
export function whereOf(r: { school: string; schoolYear?: string | undefined }): { vi: string; en: string } {
  // A schools run weighs the city's schools as one (CITY_SCHOOLS, `*`: ../../jobs/run-guard.ts `runUnit`).
  return r.school === CITY_SCHOOLS
    ? { vi: 'các trường của thành phố', en: "the city's schools" }
    : {
        vi: `trường ${r.school}${r.schoolYear ? ` năm học ${r.schoolYear}` : ''}`,
        en: `school ${r.school}${r.schoolYear ? ` (${r.schoolYear})` : ''}`,
      };
}

const pct = (n: number) => `${Math.round(n * 100)} %`;

/**
 * One threshold a hold went over, on one line: `trường X: xoá … 40 trên 100 … / school X: deleted 40 of 100 …`
 * (`trường X khối 6 … / school X grade 6 …` for a grade's).
 */
export function reasonLine(r: HoldReason): string {
  const place = whereOf(r);
  // A student snapshot's reasons within one grade (../../jobs/grade-guard.ts) name it: the school's lines alike else.
  const where =
    r.grade === undefined ? place : { vi: `${place.vi} khối ${r.grade}`, en: `${place.en} grade ${r.grade}` };
  const what = kindWords(r);
  return both(
    `${where.vi}: ${what.vi} trên ${r.live} còn hiệu lực (${pct(r.ratio)}, ngưỡng ${pct(r.threshold)})`,
    `${where.en}: ${what.en} of ${r.live} live (${pct(r.ratio)}, threshold ${pct(r.threshold)})`,
  );
}

/**
 * A reason's kind and count in words: `khôi phục 39 / restored 39` when restores alone held it (restoreguard: a
 * restore is a change), `thay đổi 12 (5 khôi phục) / changed 12 (5 restored)` when some of its changes are restores.
 */
function kindWords(r: Pick<HoldReason, 'kind' | 'count' | 'restored'>): { vi: string; en: string } {
  const restored = r.restored ?? 0;
  if (restored > 0 && restored === r.count) return { vi: `khôi phục ${r.count}`, en: `restored ${r.count}` };
  const of =
    restored > 0 ? { vi: ` (${restored} khôi phục)`, en: ` (${restored} restored)` } : { vi: '', en: '' };
  return { vi: `${KIND_VI[r.kind]} ${r.count}${of.vi}`, en: `${r.kind} ${r.count}${of.en}` };
}

/** A hold named in a refusal's detail (a superseded one): `lệnh giữ 5 / guard hold 5`. */
export const holdWords = (id: number | string): string => both(`lệnh giữ ${id}`, `guard hold ${id}`);

/** An unknown hold's detail (ERR_NOT_FOUND). */
export const noHold = (id: number | string): string => both(`không có lệnh giữ ${id}`, `no guard hold ${id}`);

/** Who decided a hold, by name as the API's `decidedBy`, the client id beside it (./words.ts `actorText`). */
export const deciderText = (h: Pick<GuardHold, 'decidedBy' | 'decidedById'>): string =>
  actorText(h.decidedBy, h.decidedById);

/** A decided hold's line in `holds list`: who decided it, when; none while held. */
export function decidedListLine(
  h: Pick<GuardHold, 'status' | 'decidedBy' | 'decidedById' | 'decidedAt'>,
): string[] {
  if (h.decidedAt === null) return [];
  const who = deciderText(h);
  return [
    `    ${both(
      `${HOLD_STATUS_VI[h.status]} bởi ${who} lúc ${vnTime(h.decidedAt)}`,
      `${h.status} by ${who} at ${vnTime(h.decidedAt)}`,
    )}\n`,
  ];
}

/** `, N khôi phục` / `, N restored` after a hold's or a school's counts (restoreguard); nothing when none. */
export const restoredText = (n: number | undefined): { vi: string; en: string } =>
  n ? { vi: `, ${n} khôi phục`, en: `, ${n} restored` } : { vi: '', en: '' };
