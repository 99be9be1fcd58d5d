/**
 * What a school code in a path or a query is (the canonical model's, src/canonical/primitives.ts opaqueCode(32)): its
 * longest length and the words of a code that is not one, for the routes' SchoolCode (below) and the
 * auth plugin's early tenancy check (./plugins/auth.ts), which refuses an ill-formed code 400 before a 403.
 */
import { z } from 'zod';

export const SCHOOL_CODE_MAX = 32;
export const SCHOOL_CODE_MESSAGE = 'mã trường không hợp lệ / invalid school code';

/** A school code in a route's path or query. */
export const SchoolCode = z
  .string()
  .regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${SCHOOL_CODE_MAX - 1}}$`), SCHOOL_CODE_MESSAGE)
  .meta({ description: 'Mã định danh của trường / the school identifier (mã định danh)' });
