/** A school's stored finding of a deadline rule names the configured deadline of its year in its hint (W7-3). */
import { describe, expect, it } from 'vitest';
import { findingOut } from '../../../src/api/routes/quality/views.js';
import type { SchoolFindingRow } from '../../../src/store/quality.js';

const row: SchoolFindingRow = {
  entity: 'students',
  recordKey: '7900000101',
  accepted: true,
  checkedAt: new Date('2026-10-02T03:00:00Z'),
  rule: 'SONG_MASTER_DATA_LATE',
  criterion: 'song',
  severity: 'warning',
  pointer: '/personalId',
};

describe('findingOut', () => {
  it('cites the configured deadline of the school year the finding was made in, in both languages', () => {
    const deadlines = { rollover: '09-13', masterData: '09-27', byYear: {} };
    const out = findingOut(row, 'en', deadlines);
    expect(out.hint.vi).toContain('Hạn của năm học 2026-2027: 27/9/2026.');
    expect(out.fix).toContain('The 2026-2027 deadline: 27 September 2026.');
    expect(`${out.hint.vi} ${out.hint.en}`).not.toContain('2024');
  });
});
