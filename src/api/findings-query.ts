/** The query of a findings list (a batch's, a school's): a page and the filters by rule, criterion and severity. */
import { z } from 'zod';
import { both } from '../errors.js';
import { pageQuery } from './paging.js';

/** Filters and page of a findings list whose findings can be of these criteria (non-strict: extend, then `.strict()`). */
export function findingsQuery<const C extends readonly [string, ...string[]]>(criteria: C) {
  return z.object({
    ...pageQuery(1000, 100),
    rule: z
      .string()
      .regex(
        /^[A-Z][A-Z0-9_]{1,63}$/,
        both(
          'mã quy tắc, chữ in hoa (ví dụ DUNG_PERSONAL_ID_FORMAT)',
          'a rule code, in capitals (e.g. DUNG_PERSONAL_ID_FORMAT)',
        ),
      )
      .optional(),
    criterion: z.enum(criteria).optional(),
    severity: z.enum(['error', 'warning', 'info']).optional(),
  });
}
