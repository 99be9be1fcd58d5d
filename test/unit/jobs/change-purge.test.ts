/**
 * The change feed keeps the current school year and `keepSchoolYears` full ones before it (issue 9),
 * each from 1 September at midnight in Vietnam (UTC+7).
 */
import { describe, expect, it } from 'vitest';
import { changeFeedCutoff } from '../../../src/jobs/change-purge.js';

describe('changeFeedCutoff', () => {
  it('keeps the whole previous school year and the current one', () => {
    expect(changeFeedCutoff(new Date('2026-11-30T12:00:00Z'), 1).toISOString()).toBe(
      '2025-08-31T17:00:00.000Z',
    );
    expect(changeFeedCutoff(new Date('2026-11-30T12:00:00Z'), 3).toISOString()).toBe(
      '2023-08-31T17:00:00.000Z',
    );
  });

  it('turns at midnight of 1 September in Vietnam, not in UTC', () => {
    // 31 August, 23:59:59 in Vietnam: still school year 2025-2026, so 2024-2025 is kept whole.
    expect(changeFeedCutoff(new Date('2026-08-31T16:59:59Z'), 1).toISOString()).toBe(
      '2024-08-31T17:00:00.000Z',
    );
    // 1 September, 00:00 in Vietnam: 2026-2027 begins, 2025-2026 is the full year kept.
    expect(changeFeedCutoff(new Date('2026-08-31T17:00:00Z'), 1).toISOString()).toBe(
      '2025-08-31T17:00:00.000Z',
    );
  });

  it('never keeps less than one full school year', () => {
    expect(() => changeFeedCutoff(new Date(), 0)).toThrow(RangeError);
  });
});
