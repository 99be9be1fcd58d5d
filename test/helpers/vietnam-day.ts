/**
 * The date in Vietnam (Asia/Ho_Chi_Minh, UTC+7, no daylight saving) of an instant, `YYYY-MM-DD`: as an admin names a
 * day. Take it from the instant the thing asked about was made (before making it), not from a later "now": near
 * midnight in Vietnam (17:00 UTC) the two are different days.
 */
export const vietnamDay = (at: Date | number = Date.now()): string =>
  new Date(new Date(at).getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
