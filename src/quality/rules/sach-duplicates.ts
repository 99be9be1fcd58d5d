/**
 * Sạch (clean), duplicates: a key or a personal ID twice in a batch, a personal ID another stored record
 * of the school holds, a probable duplicate without an
 * ID (same normalised name, birth date and a parent's name) in the batch or in the store, a pupil
 * active at two schools at once.
 */
import { scopeOf } from '../../canonical/entities.js';
import { isProvisionalStudentCode, PROVISIONAL_STUDENT_CODE_PREFIX } from '../../canonical/student.js';
import type { Rec } from '../types.js';
import { rule, strField, type Check, type StoredRecord } from './define.js';
import { ENROLLED_STATUSES } from './du.js';
import { TEXT_ENTITIES } from './sach-text.js';
import { parentsOf, twinIndex, twinKeyOf, type TwinIndex, type TwinSide } from './sach-twins.js';

export const DUPLICATE_IN_BATCH = rule({
  code: 'SACH_DUPLICATE_IN_BATCH',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'error',
  version: 1,
  scope: 'batch',
  title: { vi: 'Mã lặp trong lô', en: 'Key repeated in the batch' },
  message: {
    vi: 'Mã bị lặp lại trong cùng lô; chỉ bản ghi đầu tiên được nhận.',
    en: 'The key repeats within the batch; only the first record is taken.',
  },
  hint: { vi: 'Gửi mỗi bản ghi một lần.', en: 'Send each record once.' },
  showsValue: false,
});

export const DUPLICATE_PERSONAL_ID = rule({
  code: 'SACH_DUPLICATE_PERSONAL_ID',
  criterion: 'sach',
  entities: ['students', 'staff', 'persons'],
  severity: 'error',
  version: 1,
  scope: 'batch',
  title: { vi: 'Số định danh lặp trong lô', en: 'Personal ID repeated in the batch' },
  message: {
    vi: 'Số định danh này đã có ở một bản ghi khác trong cùng lô; chỉ bản ghi đầu tiên được nhận.',
    en: 'This personal ID is on another record of the same batch; only the first is taken.',
  },
  hint: {
    vi: 'Một người chỉ có một hồ sơ: gộp hai hồ sơ hoặc sửa số định danh.',
    en: 'One person has one record: merge the two or fix the ID.',
  },
  showsValue: false,
});

export const DUPLICATE_PERSONAL_ID_STORED = rule({
  code: 'SACH_DUPLICATE_PERSONAL_ID_STORED',
  criterion: 'sach',
  entities: ['students', 'staff', 'persons'],
  severity: 'error',
  version: 2,
  scope: 'store',
  title: {
    vi: 'Số định danh đã có ở hồ sơ khác của trường',
    en: 'Personal ID held by another record of the school',
  },
  message: {
    vi: 'Một hồ sơ đang lưu khác của cùng trường (với người dân: cùng xã) đã có số định danh này; bản ghi không được nhận.',
    en: 'Another stored, live record of the same school (a person: the same commune) holds this personal ID; the record is not taken.',
  },
  hint: {
    vi: 'Một người chỉ có một hồ sơ ở một trường: sửa số định danh, hoặc xóa hồ sơ thừa rồi gửi lại (hồ sơ mã tạm TAM-<số định danh> của học sinh được mã mới thay tự động).',
    en: 'One person has one record at a school: fix the ID, or remove the extra record and send again (a pupil’s provisional record TAM-<personal ID> is taken over by its new code on its own).',
  },
  showsValue: false,
});

export const PROBABLE_DUPLICATE = rule({
  code: 'SACH_PROBABLE_DUPLICATE',
  criterion: 'sach',
  entities: ['students', 'persons'],
  severity: 'warning',
  version: 1,
  scope: 'batch',
  title: { vi: 'Có thể trùng hồ sơ', en: 'Probable duplicate' },
  message: {
    vi: 'Một bản ghi khác trong lô có cùng họ tên, ngày sinh và tên cha/mẹ/người giám hộ, và một trong hai thiếu số định danh.',
    en: 'Another record of the batch has the same name, birth date and a parent’s name, and one of them has no personal ID.',
  },
  hint: {
    vi: 'Bổ sung số định danh, hoặc gộp hai hồ sơ nếu là một người.',
    en: 'Add the personal ID, or merge the two records if they are one person.',
  },
  showsValue: false,
});

export const PROBABLE_DUPLICATE_STORED = rule({
  code: 'SACH_PROBABLE_DUPLICATE_STORED',
  criterion: 'sach',
  entities: ['students'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Có thể trùng hồ sơ đã lưu', en: 'Probable duplicate of a stored record' },
  message: {
    vi: 'Một hồ sơ đã lưu (ở trường này hoặc trường khác) có cùng họ tên, ngày sinh và tên cha/mẹ/người giám hộ, và một trong hai thiếu số định danh.',
    en: 'A stored record (of this or another school) has the same name, birth date and a parent’s name, and one of them has no personal ID.',
  },
  hint: {
    vi: 'Bổ sung số định danh; nếu là một người, làm thủ tục chuyển trường hoặc xóa hồ sơ thừa.',
    en: 'Add the personal ID; if they are one person, use the transfer procedure or remove the extra record.',
  },
  showsValue: false,
});

export const ACTIVE_AT_TWO_SCHOOLS = rule({
  code: 'SACH_ACTIVE_AT_TWO_SCHOOLS',
  criterion: 'sach',
  entities: ['students'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Đang học ở hai trường', en: 'Active at two schools' },
  message: {
    vi: 'Học sinh có cùng số định danh đang học ở một trường khác.',
    en: 'A pupil with the same personal ID is enrolled at another school.',
  },
  hint: {
    vi: 'Hoàn tất thủ tục chuyển đi/chuyển đến ở một trong hai trường.',
    en: 'Complete the transfer out or in at one of the two schools.',
  },
  showsValue: false,
});

/** Each key → the index of its first record. */
function firstIndexes(keys: readonly string[]): Map<string, number> {
  const firsts = new Map<string, number>();
  keys.forEach((key, index) => {
    if (!firsts.has(key)) firsts.set(key, index);
  });
  return firsts;
}

/**
 * Each personal ID → the index of the first record holding it, among the records that repeat no earlier key (as
 * `duplicateKeyCheck` meets them: a repeated key's record is told that, not its ID).
 */
function firstIdIndexes(recs: readonly Rec[], keys: readonly string[]): Map<string, number> {
  const seenKeys = new Set<string>();
  const firsts = new Map<string, number>();
  for (let index = 0; index < recs.length; index++) {
    const before = seenKeys.size;
    seenKeys.add(keys[index]!);
    if (seenKeys.size === before) continue;
    const id = recs[index]!['personalId'];
    if (typeof id === 'string' && !firsts.has(id)) firsts.set(id, index);
  }
  return firsts;
}

export const duplicateKeyCheck: Check = {
  scope: 'batch',
  rules: [DUPLICATE_IN_BATCH, DUPLICATE_PERSONAL_ID],
  entities: TEXT_ENTITIES,
  check(recs, keys, _ctx, out) {
    // One hash operation per set and record: a repeat leaves the set's size unchanged.
    const seenKeys = new Set<string>();
    const seenIds = new Set<string>();
    let firsts: Map<string, number> | undefined;
    let idFirsts: Map<string, number> | undefined;
    for (let index = 0; index < recs.length; index++) {
      const before = seenKeys.size;
      seenKeys.add(keys[index]!);
      if (seenKeys.size === before) {
        // A repeat points at the first record of its key (W9-9); repeats are rare, so the firsts are found only then.
        firsts ??= firstIndexes(keys);
        out.add(index, DUPLICATE_IN_BATCH, '', { repeats: firsts.get(keys[index]!)! });
        continue;
      }
      const id = recs[index]!['personalId'];
      if (typeof id !== 'string') continue;
      const known = seenIds.size;
      seenIds.add(id);
      if (seenIds.size === known) {
        // It names the first record holding the ID, never the ID (walk13); found only when a batch has a repeat.
        idFirsts ??= firstIdIndexes(recs, keys);
        out.add(index, DUPLICATE_PERSONAL_ID, '/personalId', { sameIdAs: idFirsts.get(id)! });
      }
    }
  },
};

/**
 * A personal ID that another live record of the same school (a person: commune) holds in the store
 * refuses the record, as a repeat within the batch does. It sees what the batch does not carry: a record
 * sent in an earlier batch, or one a pulled page skipped as unchanged at the source (issue 7: the first
 * of two records of one ID, skipped on the second night, left the second to be judged alone). A stored
 * holder the batch itself carries is judged as the batch has it (by the in-batch rule), not as stored. A student's
 * provisional record `TAM-<that ID>` is no second record of a student under a sector code: the record takes it over
 * (version 2, review30 F3: ../../jobs/rekey.ts); a holder under another code still refuses it.
 */
export const storedPersonalIdCheck: Check = {
  scope: 'store',
  rules: [DUPLICATE_PERSONAL_ID_STORED],
  entities: ['students', 'staff', 'persons'],
  needs: ['scopeHolders'],
  check(recs, keys, ctx, facts, out) {
    const holders = facts.scopeHolders;
    if (!holders || holders.size === 0) return;
    const inBatch = new Set(keys);
    recs.forEach((rec, index) => {
      const id = strField(rec['personalId']);
      if (id === undefined) return;
      const scope = scopeOf(ctx.entity, rec);
      const held = holders.get(id);
      // A student under a sector code takes over its provisional record TAM-<that ID> (../../jobs/rekey.ts).
      const rekeys = ctx.entity === 'students' && !isProvisionalStudentCode(keys[index]!);
      const takenOver = rekeys ? `${PROVISIONAL_STUDENT_CODE_PREFIX}${id}` : undefined;
      if (held?.some((h) => h.schoolCode === scope && !inBatch.has(h.key) && h.key !== takenOver)) {
        out.add(index, DUPLICATE_PERSONAL_ID_STORED, '/personalId');
      }
    });
  },
};

/**
 * The twin key of a record: its birth date and name key. Two records can only be probable duplicates
 * when their twin keys are equal, so the store keeps it beside each student and the stored-duplicate
 * lookup reads only the stored records of the batch's twin keys (not every student born on the
 * batch's days: that grew with the city, issue 7). Undefined without a birth date or a name.
 */
export function twinKey(rec: Rec): string | undefined {
  const birth = rec['birthDate'];
  const full = rec['fullName'];
  return typeof birth === 'string' && typeof full === 'string' ? twinKeyOf(birth, full) : undefined;
}

/** A record as twins are matched ({@link TwinSide}). */
const sideOf = (rec: Rec, key: string): TwinSide => ({
  key,
  school: strField(rec['schoolCode']),
  hasId: rec['personalId'] !== undefined,
  parents: parentsOf(rec),
});

export const probableDuplicateCheck: Check = {
  scope: 'batch',
  rules: [PROBABLE_DUPLICATE],
  entities: ['students', 'persons'],
  check(recs, keys, _ctx, out) {
    // Only a pair where one side has no personal ID is a probable duplicate: index the birth dates of
    // the records without one, then look only at the records born on those days.
    const days = new Set<string>();
    for (const rec of recs) {
      const birth = rec['birthDate'];
      if (rec['personalId'] === undefined && typeof birth === 'string') days.add(birth);
    }
    if (days.size === 0) return;
    // Each record meets the earlier records of its twin key sharing a parent (./sach-twins.ts), then joins them.
    const seen = twinIndex();
    recs.forEach((rec, index) => {
      const birth = rec['birthDate'];
      const full = rec['fullName'];
      if (typeof birth !== 'string' || typeof full !== 'string' || !days.has(birth)) return;
      const twin = twinKeyOf(birth, full);
      const me = sideOf(rec, keys[index]!);
      if (seen.find(twin, me)) out.add(index, PROBABLE_DUPLICATE, '');
      seen.add(twin, me);
    });
  },
};

/** The stored records born on the batch's days ({@link StoreFacts} `bornOn`), indexed once per batch. */
function storedTwins(bornOn: ReadonlyMap<string, readonly StoredRecord[]>): TwinIndex {
  const index = twinIndex();
  for (const [day, stored] of bornOn) {
    for (const s of stored) {
      const full = s.rec['fullName'];
      if (typeof full === 'string') index.add(twinKeyOf(day, full), sideOf(s.rec, s.key));
    }
  }
  return index;
}

export const storedDuplicateCheck: Check = {
  scope: 'store',
  rules: [PROBABLE_DUPLICATE_STORED],
  entities: ['students'],
  needs: ['bornOn'],
  check(recs, keys, _ctx, facts, out) {
    const bornOn = facts.bornOn;
    if (!bornOn || bornOn.size === 0) return;
    const stored = storedTwins(bornOn);
    recs.forEach((rec, index) => {
      const birth = rec['birthDate'];
      const full = rec['fullName'];
      if (typeof birth !== 'string' || typeof full !== 'string') return;
      // Most records have no stored twin: their side (parents' name keys) is not built (issue 7).
      const twin = twinKeyOf(birth, full);
      if (!stored.holds(twin)) return;
      const twins = stored.find(twin, sideOf(rec, keys[index]!));
      if (twins === undefined) return;
      // A twin at the record's own school is the sender's to know; one only at other schools is the city's.
      out.add(index, PROBABLE_DUPLICATE_STORED, '', { elsewhere: !twins.atSchool });
    });
  },
};

export const twoSchoolsCheck: Check = {
  scope: 'store',
  rules: [ACTIVE_AT_TWO_SCHOOLS],
  entities: ['students'],
  needs: ['activeHolders'],
  check(recs, keys, _ctx, facts, out) {
    if (!facts.activeHolders) return;
    recs.forEach((rec, index) => {
      const id = strField(rec['personalId']);
      const status = strField(rec['status']);
      if (id === undefined || status === undefined || !ENROLLED_STATUSES.has(status)) return;
      const school = strField(rec['schoolCode']);
      const holders = facts.activeHolders!.get(id) ?? [];
      if (holders.some((h) => h.schoolCode !== school && h.key !== keys[index])) {
        out.add(index, ACTIVE_AT_TWO_SCHOOLS, '/personalId', { elsewhere: true });
      }
    });
  },
};
