/**
 * Scorecard arithmetic: pass ratios per criterion and overall (records without an error or warning of
 * the criterion), colour bands at their boundaries, sums (not averages) up to commune and province,
 * top failing rules, deadline progress.
 */
import { describe, expect, it } from 'vitest';
import {
  bandOf,
  DEFAULT_QUALITY_CONFIG,
  ratioOf,
  scorecards,
  type SchoolCounts,
} from '../../../src/quality/index.js';

const bands = DEFAULT_QUALITY_CONFIG.colourBands;

function school(code: string, commune: string, over: Partial<SchoolCounts> = {}): SchoolCounts {
  return {
    schoolCode: code,
    communeCode: commune,
    provinceCode: '79',
    records: 100,
    failed: { dung: 0, du: 0, sach: 0, song: 0, overall: 0 },
    rules: [],
    currentYearStudents: 80,
    masterDataComplete: 80,
    ...over,
  };
}

describe('bands', () => {
  it('≥ 90 green, 75 to under 90 yellow, below 75 red (configurable)', () => {
    expect(bandOf(90, bands)).toBe('green');
    expect(bandOf(89.99, bands)).toBe('yellow');
    expect(bandOf(75, bands)).toBe('yellow');
    expect(bandOf(74.99, bands)).toBe('red');
    expect(bandOf(100, bands)).toBe('green');
    expect(bandOf(80, { green: 80, yellow: 50 })).toBe('green');
  });

  it('ratios are percentages rounded to two decimals; nothing judged is 100 %', () => {
    expect(ratioOf(2, 3, bands)).toEqual({ passed: 2, total: 3, percent: 66.67, band: 'red' });
    expect(ratioOf(0, 0, bands).percent).toBe(100);
    // 8999/10000 = 89.99 %: yellow, not rounded up into green.
    expect(ratioOf(8999, 10_000, bands)).toMatchObject({ percent: 89.99, band: 'yellow' });
  });
});

describe('scorecards', () => {
  const ctx = { today: '2025-09-25', schoolYear: '2025-2026', config: DEFAULT_QUALITY_CONFIG };

  it('per school: each criterion and overall; top failing rules, most first', () => {
    const [card] = scorecards(
      [
        school('S1', '26734', {
          records: 200,
          failed: { dung: 10, du: 40, sach: 0, song: 2, overall: 50 },
          rules: [
            { rule: 'DUNG_PHONE_FORMAT', criterion: 'dung', records: 10 },
            { rule: 'DU_FIELD_MISSING', criterion: 'du', records: 40 },
            { rule: 'SONG_NOT_CURRENT_YEAR', criterion: 'song', records: 2 },
          ],
        }),
      ],
      ctx,
    );
    expect(card).toMatchObject({ level: 'school', code: 'S1', parentCode: '26734', records: 200 });
    expect(card!.criteria.dung).toEqual({ passed: 190, total: 200, percent: 95, band: 'green' });
    expect(card!.criteria.du).toEqual({ passed: 160, total: 200, percent: 80, band: 'yellow' });
    expect(card!.criteria.sach.percent).toBe(100);
    expect(card!.overall).toEqual({ passed: 150, total: 200, percent: 75, band: 'yellow' });
    expect(card!.topRules.map((r) => r.rule)).toEqual([
      'DU_FIELD_MISSING',
      'DUNG_PHONE_FORMAT',
      'SONG_NOT_CURRENT_YEAR',
    ]);
  });

  it('a commune and its province sum their schools’ records (a big school weighs its size)', () => {
    const cards = scorecards(
      [
        school('BIG', '26734', { records: 900, failed: { dung: 0, du: 0, sach: 0, song: 0, overall: 0 } }),
        school('SMALL', '26734', {
          records: 100,
          failed: { dung: 100, du: 0, sach: 0, song: 0, overall: 100 },
        }),
        school('OTHER', '26737', {
          records: 100,
          failed: { dung: 50, du: 0, sach: 0, song: 0, overall: 50 },
        }),
        school('UNKNOWN', '', { records: 10 }),
      ],
      ctx,
    );
    const commune = cards.find((c) => c.level === 'commune' && c.code === '26734')!;
    // (900 + 0) / 1000 = 90 %, not the mean of 100 % and 0 %.
    expect(commune.overall).toMatchObject({ passed: 900, total: 1000, percent: 90, band: 'green' });
    expect(commune).toMatchObject({ parentCode: '79', schools: 2 });
    const province = cards.find((c) => c.level === 'province')!;
    expect(province).toMatchObject({ code: '79', schools: 3, records: 1100 });
    expect(province.overall.passed).toBe(950);
    // A school the hub does not hold (no commune) has its own card but is in no commune.
    expect(
      cards
        .filter((c) => c.level === 'commune')
        .map((c) => c.code)
        .sort(),
    ).toEqual(['26734', '26737']);
    expect(cards.find((c) => c.code === 'UNKNOWN')?.level).toBe('school');
  });

  it('deadlines: rollover done when the school has current-year pupils; master data when all have their fields', () => {
    const cards = scorecards(
      [
        school('DONE', '26734'),
        school('NOROLL', '26734', { currentYearStudents: 0, masterDataComplete: 0 }),
        school('PARTIAL', '26734', { masterDataComplete: 79 }),
      ],
      ctx,
    );
    const byCode = new Map(cards.map((c) => [`${c.level}:${c.code}`, c]));
    // 2025: rollover by 13 September (passed on 25 September), master data by 20 September (passed).
    expect(byCode.get('school:DONE')!.deadlines.rollover).toEqual({
      date: '2025-09-13',
      passed: true,
      done: 1,
      schools: 1,
      status: 'done',
    });
    expect(byCode.get('school:NOROLL')!.deadlines.rollover.status).toBe('late');
    expect(byCode.get('school:PARTIAL')!.deadlines.masterData).toMatchObject({
      date: '2025-09-20',
      status: 'late',
    });
    expect(byCode.get('commune:26734')!.deadlines.masterData).toMatchObject({
      done: 1,
      schools: 3,
      status: 'late',
    });
    // Before the deadline, not yet done is open; a pinned date for the year wins.
    const early = scorecards([school('NOROLL', '26734', { currentYearStudents: 0 })], {
      ...ctx,
      today: '2025-09-10',
      config: {
        ...DEFAULT_QUALITY_CONFIG,
        deadlines: {
          ...DEFAULT_QUALITY_CONFIG.deadlines,
          byYear: { '2025-2026': { rollover: '2025-09-30' } },
        },
      },
    });
    expect(early[0]!.deadlines.rollover).toMatchObject({ date: '2025-09-30', passed: false, status: 'open' });
  });
});
