/**
 * The one answer to a school code in a path that truc holds no record of (api27): 404 ERR_NOT_FOUND naming the code,
 * whether the route reads the school's own record, a list of its records or its findings (a list answered an empty
 * page). An ill-formed code is the route schema's 400 ERR_VALIDATION.
 */
import { AppError, both } from '../errors.js';
import type { createReadsRepo } from '../store/reads.js';

/** ERR_NOT_FOUND's detail for a school truc holds no record of. */
export const noSchoolHeld = (schoolCode: string): string =>
  both(`truc không có trường ${schoolCode}`, `truc holds no school ${schoolCode}`);

/** Throws 404 ERR_NOT_FOUND when truc holds no live record of school `schoolCode` (read through `reads`). */
export async function requireSchoolHeld(
  reads: Pick<ReturnType<typeof createReadsRepo>, 'record'>,
  schoolCode: string,
): Promise<void> {
  if (!(await reads.record('schools', schoolCode, schoolCode)))
    throw new AppError('ERR_NOT_FOUND', noSchoolHeld(schoolCode));
}
