/**
 * The one answer to a school code in a path that truc holds no record of (api27): 404 ERR_NOT_FOUND naming the code,
 * whether the route reads the school's own record, a list of its records or its findings (a list answered an empty
 * page). A list or the findings of a school truc holds records of (its own, or its classes', students' or staff's,
 * review30 F4) answer an empty page; only the school's own record is 404 while truc has not pulled it. An ill-formed code is the route schema's 400 ERR_VALIDATION.
 */
import { AppError, both } from '../errors.js';
import type { createReadsRepo } from '../store/reads.js';

/** ERR_NOT_FOUND's detail for a school truc holds no record of. */
export const noSchoolHeld = (schoolCode: string): string =>
  both(`truc không có trường ${schoolCode}`, `truc holds no school ${schoolCode}`);

/**
 * Throws 404 ERR_NOT_FOUND when truc holds nothing of school `schoolCode` (read through `reads`): neither its own live
 * record nor any record of its classes, students or staff (review30 F4: a school whose pupils a vendor pushed before
 * the city's `schools` pull brought the school answered its list 200 with them, and 404 on its next empty page).
 */
export async function requireSchoolHeld(
  reads: Pick<ReturnType<typeof createReadsRepo>, 'schoolHeld'>,
  schoolCode: string,
): Promise<void> {
  if (!(await reads.schoolHeld(schoolCode))) throw new AppError('ERR_NOT_FOUND', noSchoolHeld(schoolCode));
}
