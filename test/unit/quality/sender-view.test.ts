/**
 * priv28: what a school's sender (a vendor) is told of findings resting on another school's records
 * (src/quality/sender-view.ts): they refuse none of its records whatever the city's policy, and its school's
 * scorecard and its history are counted without them; the city's figures keep them.
 */
import { describe, expect, it } from 'vitest';
import { cardOut } from '../../../src/api/routes/quality/views.js';
import { DEFAULT_QUALITY_CONFIG, scorecards, type SchoolCounts } from '../../../src/quality/index.js';
import { refuses } from '../../../src/quality/sender-view.js';
import type { ScoreRow } from '../../../src/store/scorecards.js';

describe('refuses', () => {
  it('an error refuses; one resting elsewhere only in the city database’s pulls', () => {
    const vendor = { schoolCode: '79000001' };
    const schoolSystem = { fromSchoolSystem: true };
    const city = {};
    for (const ctx of [vendor, schoolSystem, city]) {
      expect(refuses('error', false, ctx)).toBe(true);
      expect(refuses('warning', true, ctx)).toBe(false);
      expect(refuses('info', false, ctx)).toBe(false);
    }
    expect(refuses('error', true, vendor)).toBe(false);
    expect(refuses('error', true, schoolSystem)).toBe(false);
    expect(refuses('error', true, city)).toBe(true);
  });
});

const ctx = { today: '2025-09-25', schoolYear: '2025-2026', config: DEFAULT_QUALITY_CONFIG };

/** 10 records: 3 fail sạch, 2 of them only by findings resting elsewhere (SACH_ACTIVE_AT_TWO_SCHOOLS). */
const counts: SchoolCounts = {
  schoolCode: 'S1',
  communeCode: '26734',
  provinceCode: '79',
  records: 10,
  failed: { dung: 0, du: 0, sach: 3, song: 0, overall: 3 },
  rules: [
    { rule: 'SACH_ACTIVE_AT_TWO_SCHOOLS', criterion: 'sach', records: 2 },
    { rule: 'SACH_DUPLICATE_PERSONAL_ID', criterion: 'sach', records: 1 },
  ],
  currentYearStudents: 10,
  masterDataComplete: 10,
  told: {
    failed: { dung: 0, du: 0, sach: 1, song: 0, overall: 1 },
    rules: [{ rule: 'SACH_DUPLICATE_PERSONAL_ID', criterion: 'sach', records: 1 }],
  },
};

describe('scorecards as the sender is told them', () => {
  it('a school’s card holds the figures without them; the commune’s are the city’s', () => {
    const cards = scorecards([counts], ctx);
    const school = cards.find((c) => c.level === 'school')!;
    expect(school.overall).toMatchObject({ passed: 7, total: 10 });
    expect(school.told!.overall).toMatchObject({ passed: 9, total: 10 });
    expect(school.told!.criteria.sach).toMatchObject({ passed: 9 });
    expect(school.told!.topRules.map((r) => r.rule)).toEqual(['SACH_DUPLICATE_PERSONAL_ID']);
    expect(cards.find((c) => c.level === 'commune')!).toMatchObject({ overall: { passed: 7 } });
    expect(cards.find((c) => c.level === 'commune')!.told).toBeUndefined();
    const { told: _told, ...same } = counts;
    expect(scorecards([same], ctx)[0]!.told).toBeUndefined();
  });

  it('a vendor reads them, with its history; the city reads its own', () => {
    const card = scorecards([counts], ctx).find((c) => c.level === 'school')!;
    const row: ScoreRow = {
      runId: 2,
      computedAt: new Date('2025-09-24T20:00:05Z'),
      requestedBy: 'So GDDT',
      requestedById: 'city-admin-1',
      asOf: '2025-09-25',
      level: 'school',
      code: 'S1',
      parentCode: '26734',
      records: 10,
      overall: card.overall.percent,
      band: card.overall.band,
      card,
    };
    const bands = DEFAULT_QUALITY_CONFIG.colourBands;
    const told = cardOut(row, [row], 'en', bands, true);
    expect(told.overall).toEqual(card.told!.overall);
    expect(told.criteria).toEqual(card.told!.criteria);
    expect(told.topRules.map((r) => r.rule)).toEqual(['SACH_DUPLICATE_PERSONAL_ID']);
    expect(told.history).toEqual([{ runId: 2, asOf: '2025-09-25', overall: 90, band: 'green' }]);
    const city = cardOut(row, [row], 'en', bands);
    expect(city.overall).toEqual(card.overall);
    expect(city.history).toEqual([{ runId: 2, asOf: '2025-09-25', overall: 70, band: 'red' }]);
  });

  // fix35d: the read says when its run computed it and who asked; a vendor reads that the city asked, not which client.
  it('says when the run computed it and who asked for it', () => {
    const card = scorecards([counts], ctx).find((c) => c.level === 'school')!;
    const row: ScoreRow = {
      runId: 3,
      computedAt: new Date('2025-09-24T20:00:05Z'),
      requestedBy: 'So GDDT',
      requestedById: 'city-admin-1',
      asOf: '2025-09-25',
      level: 'school',
      code: 'S1',
      parentCode: '26734',
      records: 10,
      overall: card.overall.percent,
      band: card.overall.band,
      card,
    };
    const bands = DEFAULT_QUALITY_CONFIG.colourBands;
    const read = (r: ScoreRow, asSender: boolean) => cardOut(r, [r], 'en', bands, asSender);
    expect(read(row, true)).toMatchObject({
      runId: 3,
      computedAt: '2025-09-24T20:00:05.000Z',
      requestedBy: 'city',
      requestedById: 'city',
    });
    // fix37a: the city reads who asked by name as it was then, and the id
    expect(read(row, false)).toMatchObject({ requestedBy: 'So GDDT', requestedById: 'city-admin-1' });
    const nightly = {
      ...row,
      requestedBy: 'schedule:quality-nightly',
      requestedById: 'schedule:quality-nightly',
    };
    expect(read(nightly, true)).toMatchObject({
      requestedBy: 'schedule:quality-nightly',
      requestedById: 'schedule:quality-nightly',
    });
  });
});
