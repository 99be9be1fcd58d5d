/** Shared by the quality unit tests: a valid record per entity and a runner. */
import type { EntityName } from '../../../src/canonical/entities.js';
import {
  BatchSink,
  DEFAULT_QUALITY_CONFIG,
  checkBatch,
  prepareCanonicalBatch,
  type BatchContext,
  type QualityConfig,
  type QualityLookups,
  type QualityResult,
  type Rec,
} from '../../../src/quality/index.js';

export const TODAY = '2025-10-01';
export const YEAR = '2025-2026';

/** A clean record of each entity that no rule flags. */
export const CLEAN: Readonly<Record<EntityName, Rec>> = {
  schools: {
    schoolCode: '79000001',
    name: 'Trường Tiểu học Kim Đồng',
    level: 'primary',
    provinceCode: '79',
    communeCode: '25747',
    address: '12 Đường Trần Hưng Đạo',
    phone: '02838123456',
    status: 'active',
  },
  classes: {
    classCode: '79000001-2526-1-1',
    schoolCode: '79000001',
    schoolYear: YEAR,
    grade: '1',
    name: '1A1',
    homeroomStaffCode: 'GV001',
  },
  students: {
    studentCode: '7900000101',
    schoolCode: '79000001',
    classCode: '79000001-2526-1-1',
    schoolYear: YEAR,
    grade: '1',
    personalId: '079319012345',
    fullName: 'Nguyễn Thị Hồng',
    birthDate: '2019-03-04',
    sex: 'female',
    ethnicityCode: '01',
    status: 'studying',
    residenceCommuneCode: '25747',
  },
  staff: {
    staffCode: 'GV001',
    schoolCode: '79000001',
    personalId: '079085012345',
    fullName: 'Trần Văn Bình',
    birthDate: '1985-06-07',
    sex: 'male',
    position: 'teacher',
    status: 'working',
    email: 'binh.tv@hcm.edu.vn',
    phone: '0912345678',
  },
  persons: {
    personRef: 'P-1',
    communeCode: '25747',
    householdNo: '12',
    personalId: '079319012345',
    fullName: 'Nguyễn Thị Hồng',
    birthDate: '2019-03-04',
    sex: 'female',
    ethnicityCode: '01',
    residenceType: 'permanent',
    completed: {},
    literacy: 'none',
  },
};

/** Optional canonical fields the clean records carry (parents and their phone; a school's official contacts). */
export const EXTRA: Readonly<Partial<Record<EntityName, Rec>>> = {
  students: { fatherName: 'Nguyễn Văn Nam', phone: '0912345678' },
  schools: { officialEmail: 'thkimdong@hcm.edu.vn', website: 'https://thkimdong.hcm.edu.vn' },
};

export function ctxOf(
  entity: EntityName,
  config: Partial<QualityConfig> = {},
  schoolCode?: string,
): BatchContext {
  return {
    entity,
    today: TODAY,
    schoolYear: YEAR,
    schoolCode,
    config: { ...DEFAULT_QUALITY_CONFIG, ...config },
  };
}

/** Runs the engine on canonical records (no input step), with the extra fields. */
export function run(
  entity: EntityName,
  records: readonly Rec[],
  opts: { config?: Partial<QualityConfig>; lookups?: QualityLookups; schoolCode?: string } = {},
): Promise<QualityResult> {
  const ctx = ctxOf(entity, opts.config, opts.schoolCode);
  return checkBatch(ctx, records, opts.lookups ?? {}, new BatchSink(ctx, records));
}

/** Runs the input step and the engine on raw canonical-format records (no configured required fields unless given). */
export function runInput(
  entity: EntityName,
  raws: readonly unknown[],
  config: Partial<QualityConfig> = { requiredFields: {} },
) {
  const ctx = ctxOf(entity, config);
  const sink = prepareCanonicalBatch(ctx, raws);
  return checkBatch(ctx, sink.records, {}, sink);
}

const KEY_FIELD: Readonly<Record<EntityName, string>> = {
  schools: 'schoolCode',
  classes: 'classCode',
  students: 'studentCode',
  staff: 'staffCode',
  persons: 'personRef',
};
let serial = 0;

/**
 * A clean record of `entity` with the extra fields and `changes` applied (undefined deletes). Each
 * call gets its own natural key and personal ID unless `changes` sets them.
 */
export function rec(entity: EntityName, changes: Record<string, unknown> = {}): Rec {
  const key = KEY_FIELD[entity];
  const n = ++serial;
  const own: Record<string, unknown> = { [key]: `${String(CLEAN[entity][key])}-${n}` };
  const id = CLEAN[entity]['personalId'];
  if (typeof id === 'string') own['personalId'] = id.slice(0, 6) + String(n).padStart(6, '0');
  const out: Record<string, unknown> = { ...CLEAN[entity], ...EXTRA[entity], ...own, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete out[k];
  return out;
}

/** The rule codes found on record `index` (all when undefined). */
export function codes(result: QualityResult, index?: number): string[] {
  return result.findings.filter((f) => index === undefined || f.index === index).map((f) => f.rule);
}
