/**
 * ui29 item 2: the audit log's times on Vietnam's clock (Asia/Ho_Chi_Minh) to the second, day first, whatever the
 * browser's zone; its search's from / to typed and shown back on that clock (they were read in the browser's zone
 * and shown back in UTC). dashboard/src/clock.ts.
 */
import { describe, expect, it } from 'vitest';
import { dateFieldText, deadlineText, readDateField, stampText } from '../../../dashboard/src/clock.js';

describe("dashboard: Vietnam's clock", () => {
  it('says a moment to the second in Vietnam, day first, the year in full', () => {
    expect(stampText('2026-12-05T09:21:16.000Z', 'vi')).toBe('16:21:16 05/12/2026');
    // past 17:00 UTC it is the next day in Vietnam
    expect(stampText('2026-12-05T17:01:02.000Z', 'vi')).toBe('00:01:02 06/12/2026');
    expect(stampText('2026-12-05T17:01:02.000Z', 'en')).toBe('06/12/2026, 00:01:02');
  });

  it("reads a form's date-time on Vietnam's clock and shows the instant back as it was typed", () => {
    expect(readDateField('2026-12-06T00:30')).toBe('2026-12-05T17:30:00.000Z');
    expect(readDateField('2026-12-05T17:30:15Z')).toBe('2026-12-05T17:30:15.000Z');
    expect(dateFieldText('2026-12-05T17:30:00.000Z', 'vi')).toBe('00:30 06/12/2026');
    expect(dateFieldText('2026-12-05T17:30:00.000Z', 'en')).toBe('06/12/2026, 00:30');
    expect(readDateField(dateFieldText(readDateField('01/01/2026 07:00')!, 'vi'))).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(dateFieldText(null, 'vi')).toBe('');
    expect(readDateField('  ')).toBeUndefined();
    // what the address holds that is not a time is shown as it came (the API says why it refuses it)
    expect(dateFieldText('yesterday', 'vi')).toBe('yesterday');
  });
});

describe('dashboard: a filter date typed day first, whatever the browser (dash14)', () => {
  it('reads dd/mm/yyyy as Vietnam does, with a time before or after it, as the page shows times', () => {
    // 5 December, not 12 May (an English browser's datetime field read mm/dd/yyyy)
    expect(readDateField('05/12/2026')).toBe('2026-12-04T17:00:00.000Z');
    expect(readDateField('5/12/2026')).toBe('2026-12-04T17:00:00.000Z');
    expect(readDateField('05/12/2026 22:30')).toBe('2026-12-05T15:30:00.000Z');
    expect(readDateField('22:30 05/12/2026')).toBe('2026-12-05T15:30:00.000Z');
    expect(readDateField('05/12/2026, 22:30')).toBe('2026-12-05T15:30:00.000Z');
    expect(readDateField('2026-12-05')).toBe('2026-12-04T17:00:00.000Z');
  });

  it('takes a day alone as a whole day in `to`, and shows that bound back as the same day', () => {
    expect(readDateField('07/12/2026', true)).toBe('2026-12-07T17:00:00.000Z');
    expect(dateFieldText('2026-12-07T17:00:00.000Z', 'vi', true)).toBe('07/12/2026');
    expect(dateFieldText('2026-12-07T17:00:00.000Z', 'vi')).toBe('08/12/2026');
    // with a time, `to` is before it
    expect(readDateField('07/12/2026 06:00', true)).toBe('2026-12-06T23:00:00.000Z');
  });

  it('refuses what is no day: mm/dd/yyyy past the 12th month, 31 February, 24:00, words', () => {
    for (const text of [
      '12/31/2026',
      '31/02/2026',
      '05/12/2026 24:00',
      '05/12/26',
      'yesterday',
      '2026-13-01',
    ])
      expect(readDateField(text), text).toBeNull();
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
