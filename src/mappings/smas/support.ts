/**
 * Helpers of the SMAS mappings: the system-neutral ones live in `../school-system.ts` and are
 * re-exported here; the SMAS-specific one (`dd/mm/yyyy` dates) is here. Pure.
 */
import { dmyToIso } from '../common.js';
import { dateOf } from '../school-system.js';
import type { MappingFinding } from '../types.js';

export {
  codeOf,
  compact,
  labelOf,
  personalIdOf,
  requiredText,
  schoolOf,
  schoolYearOf,
  textOf,
  validated,
} from '../school-system.js';

/**
 * A SMAS date (`dd/mm/yyyy`, also `d/m/yyyy` with `/`, `-` or `.`) as ISO. Absent → undefined (an error
 * when required); not a real date → `MAP_BAD_DATE`, an error when required, a warning when optional.
 */
export function dmyDateOf(
  value: unknown,
  pointer: string,
  findings: MappingFinding[],
  required: boolean,
): string | undefined {
  return dateOf(value, pointer, findings, { required, parse: dmyToIso });
}
