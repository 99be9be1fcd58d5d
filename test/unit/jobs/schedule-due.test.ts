/**
 * The latest due time of a cron schedule (src/jobs/schedule-due.ts), what the scheduler makes up when Redis lost a
 * schedule's job scheduler (review27c F4): in the schedule's time zone, after a bound, at most now.
 */
import { describe, expect, it } from 'vitest';
import { latestDue } from '../../../src/jobs/schedule-due.js';

const HCM = 'Asia/Ho_Chi_Minh';
const at = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;

describe('latestDue', () => {
  it('a nightly 01:00 in Ho Chi Minh City is 18:00 UTC the day before', () => {
    const now = at('2026-12-05T10:00:00Z'); // 17:00 in Ho Chi Minh City
    expect(latestDue('0 1 * * *', HCM, now - DAY, now)).toBe(at('2026-12-04T18:00:00Z'));
    // Exactly at its time: due now.
    expect(latestDue('0 1 * * *', HCM, now - DAY, at('2026-12-04T18:00:00Z'))).toBe(
      at('2026-12-04T18:00:00Z'),
    );
  });

  it('none after the bound (exclusive): undefined', () => {
    const now = at('2026-12-05T10:00:00Z');
    expect(latestDue('0 1 * * *', HCM, at('2026-12-04T18:00:00Z'), now)).toBeUndefined();
    expect(latestDue('0 1 * * *', HCM, at('2026-12-04T17:59:59.999Z'), now)).toBe(at('2026-12-04T18:00:00Z'));
    expect(latestDue('0 1 * * *', HCM, now, now)).toBeUndefined();
  });

  it('the latest of many: every ten seconds, and a sparse weekly pattern over a week and more', () => {
    const now = at('2026-12-05T10:00:27.400Z');
    expect(latestDue('*/10 * * * * *', HCM, now - 3_600_000, now)).toBe(at('2026-12-05T10:00:20Z'));
    // Sundays 03:00 in Ho Chi Minh City: Saturday 20:00 UTC; 2026-12-05 is a Saturday.
    expect(latestDue('0 3 * * 0', HCM, now - 9 * DAY, now)).toBe(at('2026-11-28T20:00:00Z'));
    expect(latestDue('0 3 * * 0', HCM, now - 6 * DAY, now)).toBeUndefined();
  });

  it('every second for an hour of the day, looked at long after: the hour’s last second', () => {
    const now = at('2026-12-05T02:30:00Z');
    expect(latestDue('* * 1 * * *', 'UTC', now - DAY, now)).toBe(at('2026-12-05T01:59:59Z'));
  });

  it('a pattern cron refuses is due never', () => {
    const now = at('2026-12-05T10:00:00Z');
    expect(latestDue('0 0 30 2 *', HCM, now - DAY, now)).toBeUndefined();
  });
});
