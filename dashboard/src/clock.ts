/**
 * Vietnam's clock for the audit log (ui29): an entry's moment to the second as Asia/Ho_Chi_Minh reads it, whatever
 * the browser's zone, and the search's from / to typed and shown on that clock (they were read in the browser's zone
 * and shown back in UTC). Pure (no DOM): unit-tested in test/unit/dashboard.
 */
/** The page's language (i18n.ts Lang; not imported, as in figures.ts). */
type Lang = 'vi' | 'en';

/** Vietnam's clock is UTC+7 all year (no summer time). */
const VIETNAM_OFFSET_MS = 7 * 3600_000;

/**
 * A moment on Vietnam's clock, day first, the year in full: to the second for the audit log (16:21:16 05/12/2026 in
 * vi, 05/12/2026, 16:21:16 in en), to the minute everywhere else (`precision: 'minute'`: 16:21 05/12/2026). The one
 * clock of the page (fix30b: the other pages' times read `16:21 5/12/26`, the browser's short style, beside the
 * audit's); kit.ts `when` is this to the minute.
 */
export function stampText(iso: string, lang: Lang, precision: 'second' | 'minute' = 'second'): string {
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(precision === 'second' ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  }).format(new Date(iso));
}

/** An instant (ISO) as a datetime-local field shows it on Vietnam's clock ('2026-12-05T16:21'); '' when none. */
export function vietnamInput(iso: string | null): string {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms)
    ? (iso ?? '').slice(0, 16)
    : new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 16);
}

/** A datetime-local field's value ('2026-12-05T16:21'), read on Vietnam's clock, as the instant (ISO) the API takes. */
export function fromVietnamInput(value: string): string {
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(ms) ? value : new Date(ms - VIETNAM_OFFSET_MS).toISOString();
}

/**
 * A deadline given as the instant its exclusive day starts (the overview's `deadline`: 00:00 of `submitBefore` in
 * Vietnam) as the last day it allows (walk9 W9-5: '00:00 03/10/2026' read as due 3 October): 'hết ngày 02/10/2026' in
 * vi, 'end of 2 Oct 2026' in en. What is not a date is shown as it came.
 */
export function deadlineText(iso: string, lang: Lang): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const lastDay = new Date(ms - 1);
  const format = (opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
      timeZone: 'Asia/Ho_Chi_Minh',
      ...opts,
    }).format(lastDay);
  return lang === 'vi'
    ? `hết ngày ${format({ day: '2-digit', month: '2-digit', year: 'numeric' })}`
    : `end of ${format({ day: 'numeric', month: 'short', year: 'numeric' })}`;
}
