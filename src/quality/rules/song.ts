/** Sống (live): records confirmed this school year, syncs fresh, statuses current, deadlines kept. */
import { deadlineOf } from '../config.js';
import type { BatchContext, Rec } from '../types.js';
import { ageOn, rule, strField, type Check } from './define.js';
import { ENROLLED_STATUSES, fieldSpecs, reportMissing } from './du.js';
import { WEBSITE_DOWN, WEBSITE_NO_RSS, websiteCheck } from './song-website.js';

export const NOT_CURRENT_YEAR = rule({
  code: 'SONG_NOT_CURRENT_YEAR',
  criterion: 'song',
  entities: ['students', 'classes'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Bản ghi của năm học cũ', en: 'Record of a past school year' },
  message: {
    vi: 'Bản ghi thuộc một năm học đã qua, chưa được xác nhận trong năm học hiện tại.',
    en: 'The record belongs to a past school year and is not confirmed in the current one.',
  },
  hint: {
    vi: 'Kết chuyển sang năm học hiện tại rồi gửi bản ghi của năm học này.',
    en: 'Roll the school over to the current year and send this year’s record.',
  },
  showsValue: true,
});

export const MASTER_DATA_LATE = rule({
  code: 'SONG_MASTER_DATA_LATE',
  criterion: 'song',
  entities: ['students', 'classes'],
  severity: 'warning',
  version: 2,
  scope: 'record',
  title: { vi: 'Dữ liệu đầu năm chưa đủ sau hạn', en: 'Start-of-year data incomplete after the deadline' },
  message: {
    vi: 'Đã quá hạn cập nhật dữ liệu đầu năm học mà trường này vẫn còn trống.',
    en: 'The start-of-year master-data deadline has passed and this field is still empty.',
  },
  hint: {
    vi: 'Bổ sung ngay; hạn do Sở quy định mỗi năm (cấu hình quality.deadlines.masterData).',
    en: 'Fill it in now; the city sets the deadline each year (configured as quality.deadlines.masterData).',
  },
  deadline: 'masterData',
  showsValue: false,
  readsToday: true,
});

export const STAFF_PAST_RETIREMENT = rule({
  code: 'SONG_STAFF_PAST_RETIREMENT',
  criterion: 'song',
  entities: ['staff'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Cán bộ quá tuổi nghỉ hưu vẫn đang làm việc', en: 'Staff past retirement age still active' },
  message: {
    vi: 'Cán bộ đã quá tuổi nghỉ hưu nhưng trạng thái vẫn đang làm việc.',
    en: 'The staff member is past retirement age but still marked as working.',
  },
  hint: {
    vi: 'Cập nhật trạng thái (nghỉ hưu) hoặc ngày sinh.',
    en: 'Update the status (retired) or the birth date.',
  },
  showsValue: false,
  readsToday: true,
});

export const STATUS_CONFLICT = rule({
  code: 'SONG_STATUS_CONFLICT',
  criterion: 'song',
  entities: ['students', 'staff'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Trạng thái khác CSDL ngành', en: 'Status differs from the city database' },
  message: {
    vi: 'Bản ghi còn đang học/đang làm việc nhưng CSDL ngành ghi đã chuyển đi, thôi học hoặc nghỉ.',
    en: 'The record is still active but the city database says transferred out, dropped out or left.',
  },
  hint: {
    vi: 'Cập nhật trạng thái theo quyết định chuyển đi/thôi học.',
    en: 'Update the status from the transfer or leaving decision.',
  },
  showsValue: true,
});

export const SYNC_STALE = rule({
  code: 'SONG_SYNC_STALE',
  criterion: 'song',
  entities: ['schools', 'classes', 'students', 'staff'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Lâu chưa đồng bộ', en: 'Sync out of date' },
  message: {
    vi: 'Lần đồng bộ thành công gần nhất của trường từ một hệ thống đã quá cũ.',
    en: 'The school’s last successful sync from a system is too old.',
  },
  hint: {
    vi: 'Kiểm tra kết nối của phần mềm quản lý trường; tuổi tối đa do Sở cấu hình.',
    en: 'Check the school-management software’s connection; the city sets the maximum age.',
  },
  showsValue: false,
  readsToday: true,
});

export const ROLLOVER_LATE = rule({
  code: 'SONG_ROLLOVER_LATE',
  criterion: 'song',
  entities: ['students'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Chưa kết chuyển năm học', en: 'School year not rolled over' },
  message: {
    vi: 'Đã quá hạn kết chuyển năm học mà trường chưa có học sinh nào của năm học hiện tại.',
    en: 'The rollover deadline has passed and the school has no pupil in the current school year.',
  },
  hint: {
    vi: 'Kết chuyển năm học trên phần mềm quản lý trường rồi đồng bộ; hạn do Sở quy định mỗi năm (cấu hình quality.deadlines.rollover).',
    en: 'Roll the year over in the school-management software and sync; the city sets the deadline each year (configured as quality.deadlines.rollover).',
  },
  deadline: 'rollover',
  showsValue: false,
  readsToday: true,
});

let lastCtx: BatchContext | undefined;
let lastPast = false;

/** True when the batch's today is past the master-data deadline (computed once per batch context). */
function isPastMasterData(ctx: BatchContext): boolean {
  if (ctx !== lastCtx) {
    lastPast = ctx.today > deadlineOf(ctx.schoolYear, 'masterData', ctx.config.deadlines);
    lastCtx = ctx;
  }
  return lastPast;
}

const notCurrentCheck: Check = {
  scope: 'record',
  rules: [NOT_CURRENT_YEAR],
  entities: ['students', 'classes'],
  check(rec, index, ctx, out) {
    const year = strField(rec['schoolYear']);
    if (year !== undefined && year < ctx.schoolYear)
      out.add(index, NOT_CURRENT_YEAR, '/schoolYear', { value: year });
  },
};

const masterDataCheck: Check = {
  scope: 'record',
  rules: [MASTER_DATA_LATE],
  entities: ['students', 'classes'],
  check(rec, index, ctx, out) {
    const fields = ctx.config.masterDataFields[ctx.entity];
    if (!fields || rec['schoolYear'] !== ctx.schoolYear || !isPastMasterData(ctx)) return;
    reportMissing(rec, fieldSpecs(fields), index, MASTER_DATA_LATE, out);
  },
};

const ACTIVE_STAFF: ReadonlySet<string> = new Set(['working', 'on_leave']);

const retirementCheck: Check = {
  scope: 'record',
  rules: [STAFF_PAST_RETIREMENT],
  entities: ['staff'],
  check(rec, index, ctx, out) {
    const status = strField(rec['status']);
    const birth = strField(rec['birthDate']);
    const sex = strField(rec['sex']);
    if (status === undefined || !ACTIVE_STAFF.has(status) || birth === undefined) return;
    if (sex !== 'male' && sex !== 'female') return;
    if (ageOn(birth, ctx.today) >= ctx.config.retirementAge[sex])
      out.add(index, STAFF_PAST_RETIREMENT, '/status');
  },
};

const LEFT: ReadonlySet<string> = new Set([
  'transferred_out',
  'dropped_out',
  'completed',
  'graduated',
  'deceased',
  'left',
  'retired',
]);

const statusConflictCheck: Check = {
  scope: 'store',
  rules: [STATUS_CONFLICT],
  entities: ['students', 'staff'],
  needs: ['authoritative'],
  check(recs, keys, ctx, facts, out) {
    if (!facts.authoritative) return;
    const active = ctx.entity === 'staff' ? ACTIVE_STAFF : ENROLLED_STATUSES;
    recs.forEach((rec, index) => {
      const ours = strField(rec['status']);
      const theirs = facts.authoritative!.get(keys[index]!)?.['status'];
      if (ours !== undefined && active.has(ours) && typeof theirs === 'string' && LEFT.has(theirs)) {
        out.add(index, STATUS_CONFLICT, '/status', { value: ours });
      }
    });
  },
};

const DAY_MS = 86_400_000;

const syncStaleCheck: Check = {
  scope: 'store',
  rules: [SYNC_STALE],
  entities: ['schools', 'classes', 'students', 'staff'],
  needs: ['lastSyncs'],
  check(_recs, _keys, ctx, facts, out) {
    if (ctx.schoolCode === undefined) return;
    const limit = Date.parse(`${ctx.today}T00:00:00+07:00`) - ctx.config.syncMaxAgeDays * DAY_MS;
    for (const sync of facts.lastSyncs?.get(ctx.schoolCode) ?? []) {
      if (Date.parse(sync.at) < limit) {
        out.add(-1, SYNC_STALE, '', {
          detail: { vi: `Hệ thống: ${sync.system}.`, en: `System: ${sync.system}.` },
        });
      }
    }
  },
};

/**
 * Whether a school's batch can be late to roll over: past the deadline, none of its records of the current
 * year. Only then do its stored records of the year count (issue 7: counted for every vendor batch, whose
 * records are of the current year: ~0.6 ms of PostgreSQL a 1000-student batch).
 */
const mayBeLate = (recs: readonly Rec[], ctx: BatchContext): boolean =>
  ctx.schoolCode !== undefined &&
  ctx.today > deadlineOf(ctx.schoolYear, 'rollover', ctx.config.deadlines) &&
  !recs.some((r) => r['schoolYear'] === ctx.schoolYear);

const rolloverCheck: Check = {
  scope: 'store',
  rules: [ROLLOVER_LATE],
  entities: ['students'],
  needs: ['currentYearCounts'],
  asks: mayBeLate,
  check(recs, _keys, ctx, facts, out) {
    if (ctx.schoolCode === undefined || !facts.currentYearCounts || !mayBeLate(recs, ctx)) return;
    if ((facts.currentYearCounts.get(ctx.schoolCode) ?? 0) > 0) return;
    out.add(-1, ROLLOVER_LATE, '');
  },
};

export const SONG_RULES = [
  NOT_CURRENT_YEAR,
  MASTER_DATA_LATE,
  STAFF_PAST_RETIREMENT,
  STATUS_CONFLICT,
  SYNC_STALE,
  ROLLOVER_LATE,
  WEBSITE_DOWN,
  WEBSITE_NO_RSS,
] as const;

export const SONG_CHECKS: readonly Check[] = [
  notCurrentCheck,
  masterDataCheck,
  retirementCheck,
  statusConflictCheck,
  syncStaleCheck,
  rolloverCheck,
  websiteCheck,
];
