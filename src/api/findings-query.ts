/** The query of a findings list (a batch's, a school's): a page and the filters by rule, criterion and severity. */
import { z } from 'zod';

/** Filters and page of a findings list whose findings can be of these criteria (non-strict: extend, then `.strict()`). */
export function findingsQuery<const C extends readonly [string, ...string[]]>(criteria: C) {
  return z.object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
    rule: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{1,63}$/)
      .optional(),
    criterion: z.enum(criteria).optional(),
    severity: z.enum(['error', 'warning', 'info']).optional(),
  });
}
