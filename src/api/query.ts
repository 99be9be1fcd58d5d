/**
 * Fields read from a URL's text (query and path): integers written in decimal digits, and a time range
 * whose `from` is not after its `to`. Every route parses them through here, so they answer alike.
 */
import { z } from 'zod';
import { both } from '../errors.js';

const DIGITS = /^[0-9]+$/;

/**
 * `n` read from text written in decimal digits only (`16`, `016`); `0x10`, `1e1`, ` 16`, `+16`, `16.0`
 * and the empty text are refused (`z.coerce` took them all as numbers). A number (a JSON body's) is
 * checked as it is. The schema documents itself as `n` (an integer in OpenAPI). Give a default with
 * `.prefault(d)`: zod leaves a `.default` out of the OpenAPI input schema of a field that transforms.
 */
export function decimal<T extends z.ZodNumber>(n: T) {
  return z.preprocess((v) => (typeof v === 'string' && DIGITS.test(v) ? Number(v) : v), n);
}

/** A day, `2026-12-04`: what a city admin types for "the runs of that night". */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What a time a query cannot read is told (walk2: zod's own "Invalid ISO datetime" for `updatedSince=2026-12-06 10:00`
 * named neither the offset it lacks nor the day it may be instead).
 */
const TIME_FORM_REFUSED = both(
  'không phải giờ ISO 8601 có múi giờ (2026-12-04T08:00:00+07:00) hay một ngày YYYY-MM-DD',
  'not an ISO 8601 time with its offset (2026-12-04T08:00:00+07:00) nor a day YYYY-MM-DD',
);

/**
 * An ISO 8601 time with its offset, read from a query; a day alone (`2026-12-04`) is that day's start in
 * Vietnam (`2026-12-04T00:00:00+07:00`), so `from=2026-12-04&to=2026-12-05` is the 4th, Vietnam time. Every
 * time a query takes is read so (`from`, `to`, the record lists' `updatedSince`: review34a N3).
 */
export const isoTime = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && DAY.test(v) ? `${v}T00:00:00+07:00` : v),
    z.iso.datetime({ offset: true, error: TIME_FORM_REFUSED }),
  );

/** The `from` (at or after) and `to` (before) fields of a list filtered by time; check them with {@link fromNotAfterTo}. */
export function timeRangeQuery(
  describe: { from: string; to: string } = { from: 'từ / at or after', to: 'trước / before' },
) {
  const form =
    'giờ ISO 8601 có múi giờ, hoặc một ngày YYYY-MM-DD (00:00 giờ Việt Nam) / ' +
    'an ISO 8601 time with its offset, or a day YYYY-MM-DD (its 00:00 in Vietnam, +07:00)';
  return {
    from: isoTime()
      .optional()
      .meta({ description: `${describe.from}: ${form}` }),
    to: isoTime()
      .optional()
      .meta({ description: `${describe.to}: ${form}` }),
  };
}

/** A list's `from` and `to` as the store reads them: instants, undefined where not given. */
export function timeRangeOf(q: { from?: string | undefined; to?: string | undefined }): {
  from: Date | undefined;
  to: Date | undefined;
} {
  return { from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined };
}

/**
 * Refuses a range whose `from` is not before its `to` (it could only ever answer an empty page): `to` is exclusive,
 * so one day D is `from=D&to=D+1`; `from=D&to=D` was answered "nothing matches", read as "nothing ran" (review33a F7).
 */
export function fromNotAfterTo(
  q: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (q.from === undefined || q.to === undefined) return;
  if (Date.parse(q.from) >= Date.parse(q.to))
    ctx.addIssue({
      code: 'custom',
      path: ['from'],
      message: both(
        '`from` không trước `to` (`to` không tính: một ngày D là from=D&to=D+1)',
        '`from` is not before `to` (`to` is exclusive: one day D is from=D&to=D+1)',
      ),
      input: q.from,
    });
}

/** The query of a list that takes none: any key is refused (400), as every other list refuses keys it does not know. */
export const NoQuery = z.object({}).strict();
