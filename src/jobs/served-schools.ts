/**
 * Which system serves a school: a page pulled from a school-management system, or a vendor batch in its
 * format, shows which system serves the schools of its records — where the city's changes to them are
 * delivered (issue 7, item 5).
 */
import { SYSTEMS } from '../canonical/systems.js';
import type { Queryable } from '../store/db.js';
import { createSchoolSystemsRepo } from '../store/school-systems.js';

/** Each system's push scope, by format name (formats that are no system have none). */
const SYSTEM_PUSH_SCOPE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SYSTEMS).map(([name, caps]) => [name, caps.pushScope]),
);

/** Whether a batch in `format` shows which schools its system serves ({@link learnServedSchools} writes). */
export function learnsServedSchools(format: string): boolean {
  return SYSTEM_PUSH_SCOPE[format] === 'served-schools';
}

/** Notes that the system of `format` serves `schools` (only systems that take the changes of the schools they serve). */
export async function learnServedSchools(
  q: Queryable,
  format: string,
  schools: readonly string[],
  from: 'pull' | 'batch',
): Promise<void> {
  if (!learnsServedSchools(format)) return;
  await createSchoolSystemsRepo(q).learn(format, schools, from);
}
