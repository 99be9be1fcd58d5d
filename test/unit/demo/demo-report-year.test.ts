/**
 * pcgd12: the demo's PCGD-XMC year is the working year open on Vietnam's calendar, the one GET /v1/pcgd/deadlines shows
 * by default and the simulated Ministry opens: by the UTC month, from 17:00 UTC on 31 August (1 September in Vietnam)
 * it reported last year.
 */
import { describe, expect, it } from 'vitest';
import { demoReportYear } from '../../../src/demo/pcgd.js';
import { vietnamDay } from '../../helpers/vietnam-day.js';

/** An instant given on Vietnam's clock (UTC+7). */
const inVietnam = (day: string, time: string) => new Date(`${day}T${time}:00+07:00`);

describe("the demo's report year", () => {
  it('is the working year open in Vietnam, also on the evening of 31 August UTC', () => {
    const firstOfSeptember = inVietnam('2026-09-01', '00:30');
    expect(firstOfSeptember.toISOString()).toBe('2026-08-31T17:30:00.000Z');
    expect(vietnamDay(firstOfSeptember)).toBe('2026-09-01');
    expect(demoReportYear(firstOfSeptember, '09-01')).toBe(2026);
    expect(demoReportYear(inVietnam('2026-08-31', '23:30'), '09-01')).toBe(2025);
    expect(demoReportYear(inVietnam('2027-01-01', '00:30'), '09-01')).toBe(2026);
  });
});
