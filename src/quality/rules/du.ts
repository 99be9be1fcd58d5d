/** Đủ (complete): required fields present, every pupil in a class, every class with a teacher, every school reachable. */
import type { FindingSink, Rec, RuleInfo } from '../types.js';
import { rule, strField, type Check } from './define.js';

export const PERSONAL_ID_MISSING = rule({
  code: 'DU_PERSONAL_ID_MISSING',
  criterion: 'du',
  entities: ['students', 'staff', 'persons'],
  severity: 'warning',
  version: 3,
  scope: 'record',
  title: { vi: 'Thiếu số định danh cá nhân', en: 'Personal ID missing' },
  message: { vi: 'Thiếu số định danh cá nhân.', en: 'The personal ID number is missing.' },
  hint: {
    vi: 'Bổ sung số định danh 12 chữ số (trẻ em: theo giấy khai sinh hoặc VNeID của cha mẹ).',
    en: 'Add the 12-digit personal ID (children: from the birth certificate or the parents’ VNeID).',
  },
  showsValue: false,
});

export const REQUIRED_MISSING = rule({
  code: 'DU_REQUIRED_MISSING',
  criterion: 'du',
  entities: ['schools', 'classes', 'students', 'staff', 'persons'],
  severity: 'error',
  version: 1,
  scope: 'input',
  title: { vi: 'Thiếu trường bắt buộc', en: 'Required field missing' },
  message: {
    vi: 'Thiếu trường bắt buộc của mô hình dữ liệu chuẩn.',
    en: 'A field the canonical model requires is missing or empty.',
  },
  hint: { vi: 'Bổ sung trường này rồi gửi lại.', en: 'Fill in the field and send the record again.' },
  showsValue: false,
});

export const FIELD_MISSING = rule({
  code: 'DU_FIELD_MISSING',
  criterion: 'du',
  entities: ['schools', 'classes', 'students', 'staff', 'persons'],
  severity: 'warning',
  version: 3,
  scope: 'record',
  title: { vi: 'Thiếu trường Sở yêu cầu', en: 'Field the city requires is missing' },
  message: {
    vi: 'Thiếu trường mà Sở yêu cầu (danh mục trường bắt buộc trong cấu hình).',
    en: 'A field the city requires (the configured catalogue of required fields) is missing.',
  },
  hint: { vi: 'Bổ sung thông tin này.', en: 'Fill in this information.' },
  showsValue: false,
});

export const STUDENT_WITHOUT_CLASS = rule({
  code: 'DU_STUDENT_WITHOUT_CLASS',
  criterion: 'du',
  entities: ['students'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Học sinh đang học chưa xếp lớp', en: 'Enrolled pupil without a class' },
  message: {
    vi: 'Học sinh đang học nhưng chưa được xếp lớp.',
    en: 'The pupil is enrolled but in no class.',
  },
  hint: { vi: 'Xếp lớp cho học sinh.', en: 'Put the pupil in a class.' },
  showsValue: false,
});

export const CLASS_WITHOUT_HOMEROOM = rule({
  code: 'DU_CLASS_WITHOUT_HOMEROOM',
  criterion: 'du',
  entities: ['classes'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Lớp chưa có giáo viên chủ nhiệm', en: 'Class without a homeroom teacher' },
  message: { vi: 'Lớp chưa có giáo viên chủ nhiệm.', en: 'The class has no homeroom teacher.' },
  hint: { vi: 'Phân công giáo viên chủ nhiệm.', en: 'Assign a homeroom teacher.' },
  showsValue: false,
});

export const SCHOOL_CONTACT_MISSING = rule({
  code: 'DU_SCHOOL_CONTACT_MISSING',
  criterion: 'du',
  entities: ['schools'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Trường thiếu thông tin liên hệ', en: 'School contact field missing' },
  message: {
    vi: 'Trường thiếu thông tin liên hệ (địa chỉ, điện thoại, email chính thức hoặc website).',
    en: 'The school lacks a contact field (address, phone, official e-mail or website).',
  },
  hint: {
    vi: 'Sở yêu cầu mọi trường có website (kèm RSS) và email chính thức cập nhật trong CSDL.',
    en: 'The city requires every school to keep a website (with RSS) and an official e-mail in the database.',
  },
  showsValue: false,
});

/** Statuses of a pupil who should sit in a class. */
export const ENROLLED_STATUSES: ReadonlySet<string> = new Set([
  'studying',
  'transferred_in',
  'returned',
  'repeating',
]);

/** A configured field requirement: 'a' or 'a|b|c' (at least one), split once, with its pointer. */
export interface FieldSpec {
  readonly fields: readonly string[];
  /** The pointer of the spec's first field ('/fatherName' for 'fatherName|motherName'). */
  readonly pointer: string;
}

/** A list of specs with a compiled test: bit i of `missing(rec)` is set when `rec` has none of spec i's fields. */
export interface FieldSpecs extends ReadonlyArray<FieldSpec> {
  readonly missing: (rec: Rec) => number;
}

const compiled = new WeakMap<readonly string[], FieldSpecs>();

/** True when `v` counts as a value (not absent, null or empty text). */
function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The test of `specs` as one function reading every field with a constant property name (a read with
 * a varying name turns megamorphic); generic when a name is not a plain identifier or there are more
 * than 30 specs.
 */
function compileMissing(specs: readonly FieldSpec[]): (rec: Rec) => number {
  if (specs.length > 30 || specs.some((s) => s.fields.some((f) => !FIELD_NAME.test(f)))) {
    return (rec) => {
      let m = 0;
      specs.forEach((spec, i) => {
        if (!spec.fields.some((f) => present(rec[f]))) m |= 1 << i;
      });
      return m;
    };
  }
  const lines = specs.map(
    (spec, i) => `if (!(${spec.fields.map((f) => `p(r.${f})`).join(' || ')})) m |= ${1 << i};`,
  );
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- field names checked to be identifiers above
  const make = new Function(
    'p',
    `return function missing(r) {\nlet m = 0;\n${lines.join('\n')}\nreturn m;\n};`,
  ) as (p: (v: unknown) => boolean) => (rec: Rec) => number;
  return make(present);
}

// The last two lists asked for (the required-fields and master-data checks alternate record by record).
let lastSpecs: [readonly string[] | undefined, readonly string[] | undefined] = [undefined, undefined];
let lastCompiled: [FieldSpecs | undefined, FieldSpecs | undefined] = [undefined, undefined];

/** The configured specs, split and compiled once per list (the configuration's arrays are the keys). */
export function fieldSpecs(specs: readonly string[]): FieldSpecs {
  if (specs === lastSpecs[0]) return lastCompiled[0]!;
  if (specs === lastSpecs[1]) return lastCompiled[1]!;
  let out = compiled.get(specs);
  if (out === undefined) {
    const list = specs.map((spec) => {
      const fields = spec.split('|');
      return { fields, pointer: `/${fields[0]!}` };
    });
    out = Object.assign(list, { missing: compileMissing(list) });
    compiled.set(specs, out);
  }
  lastSpecs = [specs, lastSpecs[0]];
  lastCompiled = [out, lastCompiled[0]];
  return out;
}

/** Reports `rule` at the pointer of every spec `rec` misses. */
export function reportMissing(
  rec: Rec,
  specs: FieldSpecs,
  index: number,
  rule: RuleInfo,
  out: FindingSink,
): void {
  const m = specs.missing(rec);
  if (m === 0) return;
  for (let i = 0; i < specs.length; i++) if ((m & (1 << i)) !== 0) out.add(index, rule, specs[i]!.pointer);
}

const requiredCheck: Check = {
  scope: 'record',
  rules: [FIELD_MISSING, PERSONAL_ID_MISSING],
  entities: ['schools', 'classes', 'students', 'staff', 'persons'],
  check(rec, index, ctx, out) {
    if (ctx.entity !== 'schools' && ctx.entity !== 'classes' && rec['personalId'] === undefined) {
      out.add(index, PERSONAL_ID_MISSING, '/personalId');
    }
    const fields = ctx.config.requiredFields[ctx.entity];
    if (!fields) return;
    reportMissing(rec, fieldSpecs(fields), index, FIELD_MISSING, out);
  },
};

const classOfPupilCheck: Check = {
  scope: 'record',
  rules: [STUDENT_WITHOUT_CLASS],
  entities: ['students'],
  check(rec, index, _ctx, out) {
    const status = strField(rec['status']);
    if (status !== undefined && ENROLLED_STATUSES.has(status) && rec['classCode'] === undefined) {
      out.add(index, STUDENT_WITHOUT_CLASS, '/classCode');
    }
  },
};

const homeroomCheck: Check = {
  scope: 'record',
  rules: [CLASS_WITHOUT_HOMEROOM],
  entities: ['classes'],
  check(rec, index, _ctx, out) {
    if (rec['homeroomStaffCode'] === undefined) out.add(index, CLASS_WITHOUT_HOMEROOM, '/homeroomStaffCode');
  },
};

const SCHOOL_CONTACTS = fieldSpecs(['address', 'phone', 'officialEmail', 'website']);

const schoolContactsCheck: Check = {
  scope: 'record',
  rules: [SCHOOL_CONTACT_MISSING],
  entities: ['schools'],
  check(rec, index, _ctx, out) {
    reportMissing(rec, SCHOOL_CONTACTS, index, SCHOOL_CONTACT_MISSING, out);
  },
};

export const DU_RULES = [
  PERSONAL_ID_MISSING,
  REQUIRED_MISSING,
  FIELD_MISSING,
  STUDENT_WITHOUT_CLASS,
  CLASS_WITHOUT_HOMEROOM,
  SCHOOL_CONTACT_MISSING,
] as const;

export const DU_CHECKS: readonly Check[] = [
  requiredCheck,
  classOfPupilCheck,
  homeroomCheck,
  schoolContactsCheck,
];
