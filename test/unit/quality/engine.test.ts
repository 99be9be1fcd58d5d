import { describe, expect, it } from 'vitest';
import {
  BatchSink,
  catalogueProblems,
  checkStored,
  CHECKS,
  DEFAULT_QUALITY_CONFIG,
  INGEST_CHECKS,
  prejudge,
  RETIRED_CODES,
  RULES,
  ruleByCode,
  twinKey,
} from '../../../src/quality/index.js';
import { toVniMojibake } from '../../../src/canonical/legacy-encodings.js';
import { codes, ctxOf, rec, run } from './helpers.js';

describe('catalogue', () => {
  it('is sound: unique codes with their criterion’s prefix, each reported by a check, none retired', () => {
    expect(catalogueProblems()).toEqual([]);
    expect(RULES.length).toBeGreaterThanOrEqual(40);
  });

  it('names what is wrong with a broken catalogue', () => {
    const dup = RULES[0]!;
    const wrongPrefix = { ...RULES[1]!, code: 'SACH_X', criterion: 'dung' as const };
    const problems = catalogueProblems([dup, dup, wrongPrefix], CHECKS, [dup.code]);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${dup.code}: duplicate code`,
        `${dup.code}: retired code reused`,
        'SACH_X: prefix is not DUNG_',
      ]),
    );
  });

  it('keeps the codes the first engine used (stored findings carry them)', () => {
    for (const code of [
      'DU_PERSONAL_ID_MISSING',
      'DUNG_PERSONAL_ID_FORMAT',
      'DUNG_PERSONAL_ID_PROVINCE',
      'DUNG_PERSONAL_ID_SEX_MISMATCH',
      'DUNG_PERSONAL_ID_BIRTH_YEAR_MISMATCH',
      'DUNG_COMMUNE_UNKNOWN',
      'SACH_DUPLICATE_IN_BATCH',
    ]) {
      expect(ruleByCode(code) ?? RETIRED_CODES.includes(code), code).toBeTruthy();
    }
  });

  it('every rule speaks both languages and says how to fix it', () => {
    for (const r of RULES) {
      for (const t of [r.title, r.message, r.hint]) {
        expect(t.vi.length, r.code).toBeGreaterThan(3);
        expect(t.en.length, r.code).toBeGreaterThan(3);
        expect(t.vi).not.toBe(t.en);
      }
    }
  });
});

describe('engine', () => {
  it('the policy changes a rule’s severity per entity, or switches it off', async () => {
    const bad = rec('students', { personalId: '079219000001' }); // sex digit says male
    const strict = await run('students', [bad], {
      config: { policy: { students: { DUNG_PERSONAL_ID_SEX_MISMATCH: 'error' } } },
    });
    expect(strict.findings[0]).toMatchObject({ rule: 'DUNG_PERSONAL_ID_SEX_MISMATCH', severity: 'error' });
    expect(strict.rejected.has(0)).toBe(true);
    const off = await run('students', [bad], {
      config: { policy: { '*': { DUNG_PERSONAL_ID_SEX_MISMATCH: 'off' } } },
    });
    expect(codes(off)).toEqual([]);
    const staffOnly = await run('students', [bad], {
      config: { policy: { staff: { DUNG_PERSONAL_ID_SEX_MISMATCH: 'off' } } },
    });
    expect(codes(staffOnly)).toEqual(['DUNG_PERSONAL_ID_SEX_MISMATCH']);
  });

  it('makes a fixed number of lookups per batch, whatever its size', async () => {
    let calls = 0;
    const count =
      <T>(value: T) =>
      async () => {
        calls++;
        return value;
      };
    const lookups = {
      schools: count(new Map()),
      classes: count(new Set<string>()),
      activeHolders: count(new Map()),
      authoritative: count(new Map()),
      lastSyncs: count(new Map()),
      currentYearCounts: count(new Map()),
    };
    for (const size of [1, 10, 1000]) {
      calls = 0;
      // Of last year, after the rollover deadline: the year's count is asked too (see the next test).
      const records = Array.from({ length: size }, () => rec('students', { schoolYear: '2024-2025' }));
      const r = await run('students', records, { lookups, schoolCode: '79000001' });
      expect(calls).toBe(6);
      expect(r.lookups).toBe(6);
    }
  });

  it("asks a store check's lookups only when the store can change its verdict: a school's year count only when its batch may be late to roll over (issue 7)", async () => {
    const asked: number[] = [];
    const lookups = {
      currentYearCounts: async () => {
        asked.push(1);
        return new Map([['79000001', 0]]);
      },
    };
    const current = rec('students');
    const old = rec('students', { schoolYear: '2024-2025', grade: 'kg5' });
    // A record of the current year: never late, whatever the school holds; nothing asked.
    const mixed = await run('students', [current, old], { lookups, schoolCode: '79000001' });
    expect(asked).toEqual([]);
    expect(mixed.lookups).toBe(0);
    expect(codes(mixed, -1)).toEqual([]);
    // None of this year's: asked, and late when the school holds none of the year.
    const late = await run('students', [old], { lookups, schoolCode: '79000001' });
    expect(asked).toEqual([1]);
    expect(codes(late, -1)).toEqual(['SONG_ROLLOVER_LATE']);
    // Before the deadline: nothing asked, never late.
    const early = await run('students', [old], {
      lookups,
      schoolCode: '79000001',
      config: { deadlines: { ...DEFAULT_QUALITY_CONFIG.deadlines, rollover: '12-31' } },
    });
    expect(asked).toEqual([1]);
    expect(codes(early, -1)).toEqual([]);
  });

  it("asks each lookup about the batch's distinct values, in order of first occurrence, none empty", async () => {
    const asked: Record<string, unknown[]> = {};
    const note =
      <T>(name: string, value: T) =>
      async (...args: unknown[]) => {
        asked[name] = args;
        return value;
      };
    const lookups = {
      schools: note('schools', new Map()),
      classes: note('classes', new Set<string>()),
      activeHolders: note('activeHolders', new Map()),
      scopeHolders: note('scopeHolders', new Map()),
      bornOn: note('bornOn', new Map()),
    };
    const base = { schoolYear: '2025-2026', fullName: 'Trần Thị Lan' };
    const records = [
      rec('students', {
        ...base,
        schoolCode: '79000002',
        personalId: '079300000011',
        birthDate: '2015-02-01',
      }),
      rec('students', { ...base, schoolCode: '79000001', personalId: '', birthDate: '2015-01-01' }),
      rec('students', { ...base, schoolCode: '79000002', personalId: '079300000011', classCode: undefined }),
      rec('students', { ...base, schoolCode: '79000001', personalId: undefined, birthDate: '2015-02-01' }),
    ];
    await run('students', records, { lookups });
    const keys = records.map((r) => String(r['studentCode']));
    expect(asked['schools']).toEqual([['79000002', '79000001']]);
    expect(asked['classes']).toEqual([
      [
        ['79000002', '2025-2026'],
        ['79000001', '2025-2026'],
      ],
    ]);
    const askers = [
      { personalId: '079300000011', key: keys[0], schoolCode: '79000002', scope: '79000002' },
      { personalId: '079300000011', key: keys[2], schoolCode: '79000002', scope: '79000002' },
    ];
    expect(asked['activeHolders']).toEqual(['students', ['079300000011'], askers]);
    expect(asked['scopeHolders']).toEqual(['students', askers]);
    const twin = (birth: string) => `${birth}|trần thị lan`;
    const born = records.map((r) => String(r['birthDate']));
    expect(asked['bornOn']).toEqual([
      'students',
      [...new Set(born)],
      [...new Set(born.map(twin))],
      // The third record sends an empty personal ID (a value: holds one), the fourth none.
      born.map((b, i) => ({ twinKey: twin(b), key: keys[i], hasId: i !== 3 })),
    ]);
  });

  // perfwk: the pairs are made only when a record's differs from the one before it; each distinct pair still asked once.
  it('asks for the classes of every distinct (school, school year) pair, runs of one pair and returns to it too', async () => {
    let asked: unknown[] = [];
    const classes = async (...args: unknown[]) => {
      asked = args;
      return new Set<string>();
    };
    const at = (schoolCode: string, schoolYear: string) => rec('students', { schoolCode, schoolYear });
    const records = [
      at('79000001', '2025-2026'),
      at('79000001', '2025-2026'),
      at('79000001', '2024-2025'),
      at('79000002', '2025-2026'),
      at('79000001', '2025-2026'),
      at('79000001', '2024-2025'),
      at('79000002', '2024-2025'),
    ];
    await run('students', records, { lookups: { classes } });
    expect(asked).toEqual([
      [
        ['79000001', '2025-2026'],
        ['79000001', '2024-2025'],
        ['79000002', '2025-2026'],
        ['79000002', '2024-2025'],
      ],
    ]);
  });

  // Issue 7: a pulled page judged ahead has its twin keys worked out already; the lookups are asked with them.
  it('asks about the twin keys a prejudged batch carries, without working them out again', async () => {
    let asked: unknown[] = [];
    const bornOn = async (...args: unknown[]) => {
      asked = args;
      return new Map();
    };
    const ctx = ctxOf('students');
    const records = [rec('students'), rec('students', { birthDate: '2015-03-01' })];
    const keys = records.map((r) => String(r['studentCode']));
    const prejudged = prejudge(ctx, new BatchSink(ctx, records), INGEST_CHECKS);
    await checkStored(ctx, { ...prejudged, twinKeys: ['T1', 'T2'] }, { bornOn });
    expect(asked.slice(2)).toEqual([
      ['T1', 'T2'],
      [
        { twinKey: 'T1', key: keys[0], hasId: true },
        { twinKey: 'T2', key: keys[1], hasId: true },
      ],
    ]);
    // Without them, worked out from the records.
    await checkStored(ctx, prejudged, { bornOn });
    expect(asked[2]).toEqual(records.map((r) => twinKey(r)));
  });

  it('skips a lookup whose rules are all off', async () => {
    let calls = 0;
    const r = await run('students', [rec('students')], {
      config: { policy: { '*': { SACH_ACTIVE_AT_TWO_SCHOOLS: 'off' } } },
      lookups: {
        activeHolders: async () => {
          calls++;
          return new Map();
        },
      },
    });
    expect(calls).toBe(0);
    expect(r.lookups).toBe(0);
  });

  it('repairs copy-on-write: the input records are not changed', async () => {
    const input = rec('students', { fullName: 'NGUYỄN THỊ HỒNG' });
    const clean = rec('students');
    const r = await run('students', [input, clean]);
    expect(input['fullName']).toBe('NGUYỄN THỊ HỒNG');
    expect(r.records[0]?.['fullName']).toBe('Nguyễn Thị Hồng');
    expect(r.records[1]).toBe(clean);
  });

  it('later checks read a record as an earlier check repaired it', async () => {
    // The text check repairs the VNI name; the batch's duplicate check then compares the repaired
    // names (a stale copy of the record would hold the mojibake and find no twin).
    const twin = { personalId: undefined, birthDate: '2019-05-05', fatherName: 'Trần Văn Ba' };
    const r = await run('students', [
      rec('students', { ...twin, fullName: 'Trần Văn An' }),
      rec('students', { ...twin, fullName: toVniMojibake('Trần Văn An') }),
    ]);
    expect(codes(r, 1)).toEqual(
      expect.arrayContaining(['SACH_MOJIBAKE_REPAIRED', 'SACH_PROBABLE_DUPLICATE']),
    );
    expect(r.records[1]?.['fullName']).toBe('Trần Văn An');
  });

  it('never puts personal data in a finding', async () => {
    const r = await run('students', [
      rec('students', { personalId: '079219000001', fullName: 'PHẠM THỊ XUYẾN', birthDate: '2027-01-01' }),
    ]);
    expect(r.findings.length).toBeGreaterThanOrEqual(3);
    const text = JSON.stringify(r.findings);
    for (const secret of ['079219000001', 'XUYẾN', 'Xuyến', '2027-01-01']) expect(text).not.toContain(secret);
  });
});
