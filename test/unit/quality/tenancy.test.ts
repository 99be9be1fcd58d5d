/**
 * The tenancy gate as quality rules: a vendor batch writes only its own school's records, never takes
 * a code another school holds, and no policy softens either rule. Codes outside the catalogue (the
 * mappings' own) are filed under the category their prefix names.
 */
import { describe, expect, it } from 'vitest';
import {
  BatchSink,
  DEFAULT_QUALITY_CONFIG,
  INGEST_CHECKS,
  catalogueProblems,
  categoryOf,
  checkBatch,
  findingOf,
  type BatchContext,
  type QualityConfig,
  type Rec,
} from '../../../src/quality/index.js';
import { CLEAN, TODAY, YEAR } from './helpers.js';

const SCHOOL = String(CLEAN.students['schoolCode']);

async function gate(
  records: Rec[],
  opts: {
    schoolCode?: string;
    owners?: Map<string, string>;
    fromSchoolSystem?: boolean;
    config?: QualityConfig;
  },
) {
  const ctx: BatchContext = {
    entity: 'students',
    today: TODAY,
    schoolYear: YEAR,
    schoolCode: opts.schoolCode,
    fromSchoolSystem: opts.fromSchoolSystem,
    config: opts.config ?? DEFAULT_QUALITY_CONFIG,
  };
  const lookups = opts.owners ? { owners: async () => opts.owners! } : {};
  const result = await checkBatch(ctx, records, lookups, new BatchSink(ctx, records), INGEST_CHECKS);
  return result;
}

const tenancy = (r: Awaited<ReturnType<typeof gate>>) =>
  r.findings.filter((f) => f.criterion === 'tenancy').map((f) => [f.index, f.rule, f.severity]);

describe('tenancy gate', () => {
  const own = CLEAN.students;
  const foreign = { ...CLEAN.students, studentCode: '7900000202', schoolCode: '79000002' };

  it('rejects a record of another school in a vendor batch; a pulled batch (no batch school) passes', async () => {
    const vendor = await gate([own, foreign], { schoolCode: SCHOOL });
    expect(tenancy(vendor)).toEqual([[1, 'TENANCY_OTHER_SCHOOL', 'error']]);
    expect([...vendor.rejected]).toEqual([1]);
    expect(tenancy(await gate([own, foreign], {}))).toEqual([]);
  });

  it('rejects a key another school holds in the store, with one lookup', async () => {
    const owners = new Map([[String(own['studentCode']), '79000009']]);
    const result = await gate([own], { schoolCode: SCHOOL, owners });
    expect(tenancy(result)).toEqual([[0, 'TENANCY_OWNED_ELSEWHERE', 'error']]);
    expect(result.lookups).toBe(1);
    const mine = new Map([[String(own['studentCode']), SCHOOL]]);
    expect(tenancy(await gate([own], { schoolCode: SCHOOL, owners: mine }))).toEqual([]);
  });

  it("a school system's pulled record does not move a student truc holds at another school", async () => {
    const key = String(own['studentCode']);
    // The city moved the student to 79000009 (and that school's system may have edited it since); the
    // old school's system still lists it at SCHOOL.
    const elsewhere = new Map([[key, '79000009']]);
    const pulled = await gate([own], { fromSchoolSystem: true, owners: elsewhere });
    expect(tenancy(pulled)).toEqual([[0, 'TENANCY_OWNED_ELSEWHERE', 'error']]);
    expect([...pulled.rejected]).toEqual([0]);
    // Held at the same school, or not held: it passes.
    const same = new Map([[key, SCHOOL]]);
    expect(tenancy(await gate([own], { fromSchoolSystem: true, owners: same }))).toEqual([]);
    expect(tenancy(await gate([own], { fromSchoolSystem: true, owners: new Map() }))).toEqual([]);
    // The city database's own pull moves it (a transfer is the city's).
    expect(tenancy(await gate([own], { owners: elsewhere }))).toEqual([]);
  });

  it('no policy switches tenancy off or softens it', async () => {
    const config = {
      ...DEFAULT_QUALITY_CONFIG,
      policy: {
        '*': { TENANCY_OTHER_SCHOOL: 'off' as const },
        students: { TENANCY_OTHER_SCHOOL: 'info' as const },
      },
    };
    const result = await gate([foreign], { schoolCode: SCHOOL, config });
    expect(tenancy(result)).toEqual([[0, 'TENANCY_OTHER_SCHOOL', 'error']]);
  });

  it('the catalogue with the gate is sound', () => {
    expect(catalogueProblems()).toEqual([]);
  });
});

describe('findings from outside the catalogue', () => {
  it('are filed by their code: catalogued rules by their criterion, mappings by prefix', () => {
    expect(categoryOf('SACH_DUPLICATE_IN_BATCH')).toBe('sach');
    expect(categoryOf('TENANCY_OWNED_ELSEWHERE')).toBe('tenancy');
    expect(categoryOf('SCHEMA_CUSTOM')).toBe('schema');
    expect(categoryOf('WIRE_INVALID_TYPE')).toBe('schema');
    expect(categoryOf('MAP_UNKNOWN_CODE')).toBe('mapping');
    expect(categoryOf('constructor')).toBe('mapping');
  });

  it('take the catalogue’s hint when their code is catalogued', () => {
    const f = findingOf(3, {
      pointer: '/personalId',
      rule: 'DU_PERSONAL_ID_MISSING',
      severity: 'warning',
      vi: 'a',
      en: 'b',
    });
    expect(f).toMatchObject({ index: 3, criterion: 'du', severity: 'warning', pointer: '/personalId' });
    expect(f.hintEn.length).toBeGreaterThan(3);
    expect(
      findingOf(0, { pointer: '', rule: 'MAP_BAD_DATE', severity: 'error', vi: 'a', en: 'b' }).hintEn,
    ).toBe('');
  });
});
