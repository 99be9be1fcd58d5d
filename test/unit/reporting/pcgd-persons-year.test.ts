/** review34b F2: the Ministry's working year a pull (and `truc pcgd compute`'s default) reads, on Vietnam's date. */
import { describe, expect, it } from 'vitest';
import { workingYearAt } from '../../../src/reporting/pcgd/persons-year.js';

describe('workingYearAt', () => {
  it('opens on 1 September in Vietnam (UTC+7) and runs a year', () => {
    expect(workingYearAt(new Date('2027-03-01T02:00:00Z'), '09-01')).toBe(2026);
    expect(workingYearAt(new Date('2026-08-31T16:59:59Z'), '09-01')).toBe(2025); // 31 August, 23:59:59 in Vietnam
    expect(workingYearAt(new Date('2026-08-31T17:00:00Z'), '09-01')).toBe(2026); // 1 September, 00:00 in Vietnam
    expect(workingYearAt(new Date('2026-12-31T18:00:00Z'), '09-01')).toBe(2026); // 1 January 2027 in Vietnam
    expect(workingYearAt(new Date('2026-12-06T00:00:00Z'), '10-01')).toBe(2026);
    expect(workingYearAt(new Date('2026-09-15T00:00:00Z'), '10-01')).toBe(2025);
  });
});
