import { describe, expect, it } from 'vitest';
import {
  SCHOOL_YEAR_START,
  SchoolYearCodeSchema,
  SchoolYearSchema,
  parseSchoolYear,
  schoolYearOf,
  schoolYearStartingIn,
  vietnamDateOf,
} from '../../../src/canonical/index.js';

describe('schoolYearOf', () => {
  it('starts the school year on 1 September (Công văn 4862/BGDĐT-KHTC)', () => {
    expect(SCHOOL_YEAR_START).toMatchObject({ month: 9, day: 1 });
    expect(SCHOOL_YEAR_START.source).toMatch(/4862/);
  });

  it.each([
    ['2025-08-31', '2024-2025'],
    ['2025-09-01', '2025-2026'],
    ['2025-09-02', '2025-2026'],
    ['2025-12-31', '2025-2026'],
    ['2026-01-01', '2025-2026'],
    ['2026-05-31', '2025-2026'],
    ['2026-08-31', '2025-2026'],
    ['2026-09-01', '2026-2027'],
    ['2024-02-29', '2023-2024'],
    ['2000-01-01', '1999-2000'],
  ])('%s → %s', (date, code) => {
    expect(schoolYearOf(date)).toBe(code);
  });

  it.each(['2025-02-30', '31/08/2025', '', '2025-9-1'])('throws on %j', (date) => {
    expect(() => schoolYearOf(date)).toThrow(RangeError);
  });
});

describe('parseSchoolYear', () => {
  it.each(['2025-2026', ' 2025 - 2026 ', '2025/2026', '2025–2026', '2025-26'])('parses %j', (raw) => {
    expect(parseSchoolYear(raw)).toEqual({
      code: '2025-2026',
      startDate: '2025-09-01',
      endDate: '2026-08-31',
    });
  });

  it('handles the century turn and leap years', () => {
    expect(parseSchoolYear('1999-00')?.code).toBe('1999-2000');
    expect(parseSchoolYear('2023-2024')?.endDate).toBe('2024-08-31');
  });

  it.each(['2025-2027', '2025-2025', '2026-2025', '2025-27', '2025', 'abc', '25-26', '2100-2101'])(
    'rejects %j',
    (raw) => {
      expect(parseSchoolYear(raw)).toBeUndefined();
    },
  );

  it('schoolYearStartingIn rejects out-of-range years', () => {
    expect(schoolYearStartingIn(2025).startDate).toBe('2025-09-01');
    expect(() => schoolYearStartingIn(1899)).toThrow(RangeError);
    expect(() => schoolYearStartingIn(2025.5)).toThrow(RangeError);
  });
});

describe('schemas', () => {
  it.each([
    ['2025-2026', true],
    ['1999-2000', true],
    ['2025-2027', false],
    ['2025/2026', false],
    ['2025-26', false],
    ['1899-1900', false],
  ])('code %j → %s', (code, ok) => {
    expect(SchoolYearCodeSchema.safeParse(code).success).toBe(ok);
  });

  it('accepts an actual calendar inside its years and rejects inverted or foreign ranges', () => {
    const ok = { code: '2025-2026', startDate: '2025-09-05', endDate: '2026-05-31' };
    expect(SchoolYearSchema.parse(ok)).toEqual(ok);
    expect(SchoolYearSchema.safeParse({ ...ok, startDate: '2026-09-05' }).success).toBe(false);
    expect(SchoolYearSchema.safeParse({ ...ok, endDate: '2027-05-31' }).success).toBe(false);
    expect(
      SchoolYearSchema.safeParse({ ...ok, endDate: '2025-09-01', startDate: '2025-09-05' }).success,
    ).toBe(false);
    expect(SchoolYearSchema.safeParse({ ...ok, extra: 1 }).success).toBe(false);
  });
});

describe('vietnamDateOf', () => {
  it('uses UTC+7: 17:00Z on 31 August is already 1 September in Vietnam', () => {
    expect(vietnamDateOf(new Date('2025-08-31T16:59:59Z'))).toBe('2025-08-31');
    expect(vietnamDateOf(new Date('2025-08-31T17:00:00Z'))).toBe('2025-09-01');
    expect(schoolYearOf(vietnamDateOf(new Date('2025-08-31T17:00:00Z')))).toBe('2025-2026');
  });
});
