/**
 * fix30b item 8: the dashboard's times on one clock (clock.ts stampText: Vietnam's, day first, the year in full; to
 * the minute outside the audit log, whose entries keep the second), and an audit entry's details as `key: value`
 * lines (audit-details.ts; was raw JSON cut at 160 characters).
 */
import { describe, expect, it } from 'vitest';
import { detailLines } from '../../../dashboard/src/audit-details.js';
import { stampText } from '../../../dashboard/src/clock.js';

describe("dashboard: one clock, Vietnam's", () => {
  it('to the minute outside the audit log, as the audit log reads it (day first, the year in full)', () => {
    expect(stampText('2026-12-05T17:01:02.000Z', 'vi', 'minute')).toBe('00:01 06/12/2026');
    expect(stampText('2026-12-05T17:01:02.000Z', 'en', 'minute')).toBe('06/12/2026, 00:01');
    expect(stampText('2026-12-05T17:01:02.000Z', 'vi')).toBe('00:01:02 06/12/2026');
  });
});

describe("dashboard: an audit entry's details", () => {
  it('one `key: value` a line: a list joined, an object inside by its keys', () => {
    expect(
      detailLines({
        count: 2,
        ids: ['4', '5'],
        mapping: 'current',
        counts: { accepted: 5, rejected: 1 },
        reason: null,
      }),
    ).toEqual([
      'count: 2',
      'ids: 4, 5',
      'mapping: current',
      'counts.accepted: 5',
      'counts.rejected: 1',
      'reason: —',
    ]);
  });

  it('a long list counted, a long text cut, many lines counted; nothing for none', () => {
    const ids = Array.from({ length: 25 }, (_, i) => String(i + 1));
    expect(detailLines({ ids })).toEqual(['ids: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 … +15']);
    expect(detailLines({ text: 'x'.repeat(300) })[0]).toBe(`text: ${'x'.repeat(120)}…`);
    const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, i]));
    expect(detailLines(many)).toHaveLength(13);
    expect(detailLines(many).at(-1)).toBe('… +3');
    expect(detailLines(null)).toEqual([]);
    expect(detailLines({})).toEqual([]);
  });
});
