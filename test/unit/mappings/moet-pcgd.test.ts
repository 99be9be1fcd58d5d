import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  personSchema,
  type FiguresSubmission,
  type PersonWire,
} from '../../../src/adapters/moet-pcgd/schema.js';
import { AppError } from '../../../src/errors.js';
import { rateOf as reportRate } from '../../../src/canonical/pcgd-figures.js';
import type { MappingFinding } from '../../../src/mappings/types.js';
import {
  FIGURE_INDICATORS,
  figuresFromCanonical,
  figuresToCanonical,
  figuresToWire,
  moetPcgdFiguresMapping,
  moetPcgdPersonsMapping,
  type CanonicalFigures,
} from '../../../src/mappings/moet-pcgd/index.js';

const ctx = { now: () => new Date('2025-09-15T00:00:00Z') };
const load = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/moet-pcgd/${name}`, import.meta.url), 'utf8'));
const person = (name: string): PersonWire => personSchema.parse(load(name));
const toCanonical = (wire: PersonWire) => moetPcgdPersonsMapping.toCanonical(wire, ctx);
const pointers = (findings: readonly MappingFinding[]) =>
  findings.map((f) => `${f.pointer} ${f.rule}`).sort();

describe('moet-pcgd persons → canonical', () => {
  it.each([
    ['person-student.json', 'person-student.canonical.json'],
    ['person-dropout.json', 'person-dropout.canonical.json'],
  ])('maps %s exactly, without findings', (wireFile, canonicalFile) => {
    const out = toCanonical(person(wireFile));
    expect(out).toStrictEqual({ ok: true, value: load(canonicalFile), findings: [] });
  });

  it('reads dd/mm/yyyy including a real 29 February', () => {
    const out = toCanonical(person('person-dropout.json'));
    expect(out.ok && out.value.birthDate).toBe('2008-02-29');
  });

  it('normalises NFD text to NFC and resolves aliases, case and class markers', () => {
    const out = toCanonical(person('person-nfd-aliases.json'));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.findings).toStrictEqual([]);
    expect(out.value).toStrictEqual({
      personRef: '26740-000789',
      communeCode: '26740',
      householdNo: '0042',
      fullName: 'Lý Thị Ánh Tuyết',
      birthDate: '2020-03-07',
      sex: 'female',
      ethnicityCode: '05',
      residenceType: 'temporary',
      currentGrade: 'kg5',
      currentSchoolName: 'Trường Mầm non Hoa Sen',
      completed: {},
      literacy: 'level1',
      disability: 'hearing',
    });
    expect(out.value.fullName).toBe(out.value.fullName.normalize('NFC'));
    expect(out.value.fullName).not.toBe(person('person-nfd-aliases.json').hoTen);
  });

  it('accepts ethnicity given as a code or as a name', () => {
    const base = person('person-student.json');
    for (const [danToc, code] of [
      ['05', '05'],
      ['Khmer', '05'],
      ["H'Mông", '08'],
      ['Mông', '08'],
      ['hoa', '04'],
    ] as const) {
      const out = toCanonical({ ...base, danToc });
      expect(out.ok && out.value.ethnicityCode, danToc).toBe(code);
    }
  });

  it('leaves missing optionals out and reads a blank ethnicity as Kinh with a warning', () => {
    const out = toCanonical(person('person-minimal.json'));
    expect(out).toStrictEqual({
      ok: true,
      value: {
        personRef: '26740-000999',
        communeCode: '26740',
        householdNo: '0200',
        fullName: 'Trần Văn Bình',
        birthDate: '1990-08-15',
        sex: 'male',
        ethnicityCode: '01',
        residenceType: 'permanent',
        completed: {},
        literacy: 'level2',
      },
      findings: [expect.objectContaining({ pointer: '/danToc', rule: 'MAP_DEFAULTED', severity: 'warning' })],
    });
  });

  it('treats null columns (empty Excel cells) like absent ones', () => {
    const withNulls = {
      ...person('person-minimal.json'),
      danToc: 'Kinh',
      lopDangHoc: null,
      boHoc: null,
      daChet: null,
    };
    const out = toCanonical(withNulls);
    expect(out.ok).toBe(true);
    if (out.ok) expect(Object.keys(out.value).sort()).not.toContain('deceased');
    if (out.ok) expect(out.value.currentGrade).toBeUndefined();
  });

  it('keeps a person born 30/02 or on an ISO date, without the birth date (unread), MAP_BAD_DATE on /ngaySinh', () => {
    for (const ngaySinh of ['30/02/2019', '2019-03-07', '']) {
      const out = toCanonical({ ...person('person-student.json'), ngaySinh });
      expect(out.ok, ngaySinh).toBe(true);
      if (out.ok) expect(out.value.birthDate).toBeUndefined();
      if (out.ok) expect(out.value.unread).toStrictEqual(['birthDate']);
      const rule = ngaySinh === '' ? 'MAP_MISSING_FIELD' : 'MAP_BAD_DATE';
      expect(pointers(out.findings)).toStrictEqual([`/ngaySinh ${rule}`]);
      expect(out.findings.map((x) => x.severity)).toStrictEqual(['warning']);
    }
  });

  it('keeps a person whose year of completion is out of range, without it (unread)', () => {
    const out = toCanonical({ ...person('person-student.json'), namTotNghiepTH: 3000 });
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.value.completed.primary).toBeUndefined();
    if (out.ok) expect(out.value.unread).toStrictEqual(['completed.primary']);
    expect(pointers(out.findings)).toStrictEqual(['/namTotNghiepTH MAP_INVALID_VALUE']);
  });

  it('still rejects a record without its key, commune, household or name', () => {
    for (const over of [{ maDoiTuong: '' }, { maXa: '' }, { soHo: '' }, { hoTen: '' }]) {
      const out = toCanonical({ ...person('person-unknown-codes.json'), ...over });
      expect(out.ok, JSON.stringify(over)).toBe(false);
    }
  });

  it('reports every unknown code at its column, in Vietnamese and English, and keeps the person (unread)', () => {
    const out = toCanonical(person('person-unknown-codes.json'));
    expect(out.ok).toBe(true);
    if (out.ok)
      expect(out.value.unread).toStrictEqual([
        'birthDate',
        'sex',
        'ethnicityCode',
        'residenceType',
        'currentGrade',
        'dropout',
        'literacy',
        'disability',
      ]);
    if (out.ok)
      for (const field of [
        'birthDate',
        'sex',
        'ethnicityCode',
        'residenceType',
        'currentGrade',
        'literacy',
        'disability',
      ])
        expect(out.value, field).not.toHaveProperty(field);
    expect(pointers(out.findings)).toStrictEqual([
      '/bietChu MAP_UNKNOWN_CODE',
      '/boHoc/lop MAP_UNKNOWN_CODE',
      '/danToc MAP_UNKNOWN_CODE',
      '/gioiTinh MAP_UNKNOWN_CODE',
      '/khuyetTat MAP_UNKNOWN_CODE',
      '/loaiCuTru MAP_UNKNOWN_CODE',
      '/lopDangHoc MAP_UNKNOWN_CODE',
      '/ngaySinh MAP_BAD_DATE',
      '/soDinhDanh MAP_BAD_PERSONAL_ID',
    ]);
    for (const f of out.findings) {
      expect(f.vi.length).toBeGreaterThan(0);
      expect(f.en.length).toBeGreaterThan(0);
      expect(f.vi).not.toBe(f.en);
    }
  });

  it('keeps a person whose personal ID is malformed, without the ID', () => {
    const out = toCanonical({ ...person('person-student.json'), soDinhDanh: '07931900000' });
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.value.personalId).toBeUndefined();
    expect(pointers(out.findings)).toStrictEqual(['/soDinhDanh MAP_BAD_PERSONAL_ID']);
  });

  it('turns canonical schema failures into findings on the wire column', () => {
    const out = toCanonical({ ...person('person-dropout.json'), namTotNghiepTH: 1800, hoTen: 'Nguyễn 123' });
    expect(out.ok).toBe(false);
    expect(pointers(out.findings)).toStrictEqual([
      '/hoTen MAP_INVALID_VALUE',
      '/namTotNghiepTH MAP_INVALID_VALUE',
    ]);
  });
});

describe('moet-pcgd persons ⇄ canonical round trip', () => {
  it.each(['person-student.json', 'person-dropout.json'])(
    'wire → canonical → wire is the identity for %s',
    (file) => {
      const wire = person(file);
      const out = toCanonical(wire);
      expect(out.ok).toBe(true);
      if (out.ok) expect(moetPcgdPersonsMapping.fromCanonical!(out.value, ctx)).toStrictEqual(load(file));
    },
  );

  it('writes the labels this system uses (dd/mm/yyyy, Nam/Nữ, ethnicity name, NT/MG)', () => {
    const out = toCanonical(person('person-nfd-aliases.json'));
    if (!out.ok) throw new Error('fixture must map');
    const wire = moetPcgdPersonsMapping.fromCanonical!(out.value, ctx);
    expect(wire).toMatchObject({
      ngaySinh: '07/03/2020',
      gioiTinh: 'Nữ',
      danToc: 'Khơ-me',
      loaiCuTru: 'Tạm trú',
      lopDangHoc: 'MG5',
      bietChu: 'Mức 1',
      khuyetTat: 'Khiếm thính',
    });
    expect(personSchema.safeParse(wire).success).toBe(true);
  });
});

describe('moet-pcgd figures', () => {
  const canonical = load('figures-commune.canonical.json') as CanonicalFigures;
  const wire = load('figures-commune.wire.json') as FiguresSubmission;

  it('maps canonical figures to indicator rows with rates (null when the denominator is 0)', () => {
    expect(figuresToWire(canonical)).toStrictEqual({ ok: true, value: wire, findings: [] });
    expect(moetPcgdFiguresMapping.fromCanonical!(canonical, ctx)).toStrictEqual(wire);
  });

  it('sends the rate the signed report shows, rounded half up exactly (pcgd12: 57 of 800 went as 7.12, the report said 7.13)', () => {
    const figures: CanonicalFigures = {
      unitCode: '26995',
      unitLevel: 'commune',
      year: 2026,
      indicators: [
        { code: 'preschool5_attending', numerator: 57, denominator: 800 },
        { code: 'preschool5_completed', numerator: 113, denominator: 800 },
        { code: 'primary_grade1_entry_age6', numerator: 2, denominator: 3 },
      ],
    };
    const out = figuresToWire(figures);
    expect(out.ok && out.value.body.indicators.map((r) => r.rate)).toEqual([7.13, 14.13, 66.67]);
    // the same numbers as the report's own rates, one function (canonical/pcgd-figures.ts)
    expect(figures.indicators.map((x) => reportRate(x.numerator, x.denominator))).toEqual([
      7.13, 14.13, 66.67,
    ]);
  });

  it('round-trips wire → canonical → wire', () => {
    const out = figuresToCanonical(wire);
    expect(out).toStrictEqual({ ok: true, value: canonical, findings: [] });
    if (out.ok) expect(figuresFromCanonical(out.value)).toStrictEqual(wire);
  });

  it('gives every canonical code a distinct wire indicator and age group', () => {
    const keys = Object.values(FIGURE_INDICATORS).map(
      (w) => `${w.indicator}|${'ageGroup' in w ? w.ageGroup : ''}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('reports unknown codes, bad counts, province-only indicators and level mismatches', () => {
    const bad = {
      unitCode: '267',
      unitLevel: 'commune',
      year: 2025,
      indicators: [
        { code: 'made_up', numerator: 1, denominator: 2 },
        { code: 'preschool5_attending', numerator: 5, denominator: 4 },
        { code: 'preschool5_attending', numerator: -1, denominator: 4 },
        { code: 'communes_meeting_preschool5', numerator: 1, denominator: 2 },
      ],
    } as unknown as CanonicalFigures;
    const out = figuresToWire(bad);
    expect(out.ok).toBe(false);
    expect(pointers(out.findings)).toStrictEqual([
      '/indicators/0/code MAP_UNKNOWN_CODE',
      '/indicators/1/numerator MAP_INVALID_VALUE',
      '/indicators/2/code MAP_DUPLICATE',
      '/indicators/2/numerator MAP_INVALID_VALUE',
      '/indicators/3/code MAP_INVALID_VALUE',
      '/unitCode MAP_INVALID_VALUE',
    ]);
    expect(() => figuresFromCanonical(bad)).toThrow(AppError);
    try {
      figuresFromCanonical(bad);
    } catch (err) {
      expect((err as AppError).code).toBe('ERR_MAPPING_INVALID');
    }
  });

  it('accepts province-only indicators for a province', () => {
    const out = figuresToWire({
      unitCode: '79',
      unitLevel: 'province',
      year: 2025,
      indicators: [{ code: 'communes_meeting_primary_level3', numerator: 150, denominator: 168 }],
    });
    expect(out).toStrictEqual({
      ok: true,
      value: {
        unitCode: '79',
        year: 2025,
        body: {
          indicators: [{ indicator: 'XA_DAT_PCTH_MUC_3', numerator: 150, denominator: 168, rate: 89.29 }],
        },
      },
      findings: [],
    });
  });

  it('reads back unknown indicator/age pairs and wrong rates as findings', () => {
    const out = figuresToCanonical({
      unitCode: '26740',
      year: 2025,
      body: {
        indicators: [
          { indicator: 'PCTH_HOAN_THANH', ageGroup: '12', numerator: 1, denominator: 2, rate: 50 },
          { indicator: 'PCMN5_DI_HOC', ageGroup: '5', numerator: 1, denominator: 2, rate: 40 },
        ],
      },
    });
    expect(pointers(out.findings)).toStrictEqual([
      '/body/indicators/0/indicator MAP_UNKNOWN_CODE',
      '/body/indicators/1/rate MAP_RATE_MISMATCH',
    ]);
  });
});
