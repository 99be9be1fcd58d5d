/**
 * ui29 item 2: the audit log's times on Vietnam's clock (Asia/Ho_Chi_Minh) to the second, day first, whatever the
 * browser's zone; its search's from / to typed and shown back on that clock (they were read in the browser's zone
 * and shown back in UTC). dashboard/src/clock.ts.
 */
import { describe, expect, it } from 'vitest';
import { deadlineText, fromVietnamInput, stampText, vietnamInput } from '../../../dashboard/src/clock.js';

describe("dashboard: Vietnam's clock", () => {
  it('says a moment to the second in Vietnam, day first, the year in full', () => {
    expect(stampText('2026-12-05T09:21:16.000Z', 'vi')).toBe('16:21:16 05/12/2026');
    // past 17:00 UTC it is the next day in Vietnam
    expect(stampText('2026-12-05T17:01:02.000Z', 'vi')).toBe('00:01:02 06/12/2026');
    expect(stampText('2026-12-05T17:01:02.000Z', 'en')).toBe('06/12/2026, 00:01:02');
  });

  it("reads a form's date-time on Vietnam's clock and shows the instant back as it was typed", () => {
    expect(fromVietnamInput('2026-12-06T00:30')).toBe('2026-12-05T17:30:00.000Z');
    expect(fromVietnamInput('2026-12-06T00:30:15')).toBe('2026-12-05T17:30:15.000Z');
    expect(vietnamInput('2026-12-05T17:30:00.000Z')).toBe('2026-12-06T00:30');
    expect(vietnamInput(fromVietnamInput('2026-01-01T07:00'))).toBe('2026-01-01T07:00');
    expect(vietnamInput(null)).toBe('');
    // what is not a date is left as typed (the API says why it refuses it)
    expect(fromVietnamInput('yesterday')).toBe('yesterday');
    expect(vietnamInput('yesterday')).toBe('yesterday');
  });
});

describe('dashboard: a PCGD deadline (walk9 W9-5)', () => {
  it('says the last day it allows, not the midnight after it', () => {
    // submitBefore 2026-10-03: the deadline is the end of 2 October in Vietnam
    const deadline = new Date('2026-10-03T00:00:00+07:00').toISOString();
    expect(deadlineText(deadline, 'vi')).toBe('hết ngày 02/10/2026');
    expect(deadlineText(deadline, 'en')).toBe('end of 2 Oct 2026');
    expect(deadlineText('soon', 'en')).toBe('soon');
  });
});
