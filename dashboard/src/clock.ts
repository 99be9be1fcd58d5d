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

/** The day 'dd/mm/yyyy' of an instant on Vietnam's clock, `shift` days later (negative: earlier). */
function dayOf(ms: number, shift = 0): string {
  const v = new Date(ms + VIETNAM_OFFSET_MS + shift * 86_400_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(v.getUTCDate())}/${two(v.getUTCMonth() + 1)}/${v.getUTCFullYear()}`;
}

/**
 * A date field's from / to (an instant, ISO, of the address) as the field shows it on Vietnam's clock (dash14: the
 * fields were the browser's datetime-local, mm/dd/yyyy in an English browser): the day alone at 00:00 ('05/12/2026'),
 * else as the page shows a time, to the minute ('16:21 05/12/2026', '05/12/2026, 16:21'). `end`: the field of an
 * exclusive bound (`to`), whose 00:00 is shown as the day before it, the last day it takes (as readDateField reads a
 * day). What is not a time is shown as it came (the API says why it refuses it); '' when none.
 */
export function dateFieldText(iso: string | null, lang: Lang, end = false): string {
  const ms = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) return iso ?? '';
  if ((ms + VIETNAM_OFFSET_MS) % 86_400_000 === 0) return dayOf(ms, end ? -1 : 0);
  return stampText(iso!, lang, 'minute');
}

/** dd/mm/yyyy with an hh:mm before or after it (as the page shows times, vi and en), or ISO yyyy-mm-dd[Thh:mm]. */
const DAY_FIRST = /^(?:(\d{1,2}):(\d{2})\s+)?(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,?\s+(\d{1,2}):(\d{2}))?$/;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T\s](\d{2}):(\d{2}))?$/;
const ISO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** A calendar day and time on Vietnam's clock as its instant (ms); NaN when there is no such day or time. */
function vietnamMs(y: number, mo: number, d: number, hh: number, mm: number): number {
  const ms = Date.UTC(y, mo - 1, d, hh, mm);
  const v = new Date(ms);
  const real = v.getUTCDate() === d && v.getUTCMonth() === mo - 1 && hh < 24 && mm < 60;
  return real ? ms - VIETNAM_OFFSET_MS : NaN;
}

/**
 * What is typed in a date field, read on Vietnam's clock, as the instant (ISO) the API takes: a day dd/mm/yyyy (day
 * first, whatever the browser's language), with a time hh:mm before or after it, or ISO yyyy-mm-dd[Thh:mm]; an ISO
 * time with its offset as it says. `end`: a day without a time is the bound after it (the next day's 00:00: the API's
 * `to` is exclusive), so 'to 07/12/2026' takes the whole 7th. undefined when empty, null when not a day (31/02/2026,
 * 12/31/2026, 'yesterday').
 */
export function readDateField(text: string, end = false): string | null | undefined {
  const s = text.trim();
  if (!s) return undefined;
  if (ISO_OFFSET.test(s)) return new Date(s).toISOString();
  const dmy = DAY_FIRST.exec(s);
  const iso = dmy ? null : ISO_LOCAL.exec(s);
  const parts = dmy
    ? [dmy[5], dmy[4], dmy[3], dmy[1] ?? dmy[6], dmy[2] ?? dmy[7]]
    : iso
      ? [iso[1], iso[2], iso[3], iso[4], iso[5]]
      : null;
  if (!parts) return null;
  const [y, mo, d, hh, mm] = parts.map((p) => Number(p ?? 0)) as [number, number, number, number, number];
  const ms = vietnamMs(y, mo, d, hh, mm);
  if (Number.isNaN(ms)) return null;
  const dayOnly = parts[3] === undefined;
  return new Date(end && dayOnly ? ms + 86_400_000 : ms).toISOString();
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
