/**
 * Helpers of the SMAS mappings: the system-neutral ones live in `../school-system.ts` and are
 * re-exported here; the SMAS-specific ones (`dd/mm/yyyy` dates, sex) are here. Pure.
 */
import { SEX_CODE_LIST } from '../../canonical/codes/sex.js';
import type { Sex } from '../../canonical/enums.js';
import { dmyToIso } from '../common.js';
import { codeOf, dateOf } from '../school-system.js';
import type { MappingFinding } from '../types.js';
import { SMAS_SEX } from './codes.js';

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

/** A person's sex from SMAS's `GioiTinh` (its own label or a canonical one); required. */
export function sexOf(value: unknown, pointer: string, findings: MappingFinding[]): Sex | undefined {
  return codeOf(value, pointer, findings, {
    vendor: SMAS_SEX.toCode,
    canonical: SEX_CODE_LIST,
    required: true,
  });
}
