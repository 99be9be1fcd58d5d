/** The units a PCGD report is made for: a current commune (5 digits) or province (2 digits). */
import { getCommune, getProvince } from '../../canonical/codes/admin-units.js';
import { formerUnitWords } from '../../canonical/codes/former-units.js';
import { AppError, both } from '../../errors.js';
import type { UnitLevel } from '../../config.js';

export type { UnitLevel };

/**
 * Unit level of a current unit code, or ERR_PCGD_UNKNOWN_UNIT; for an old code (a province merged, a district
 * abolished, a commune merged in the 2025 reform) its detail says what the code became (pcgd13: `?province=72`
 * answered an empty success, an old commune code a bare "not current").
 */
export function unitOf(unitCode: string): { level: UnitLevel; name: string; provinceCode: string } {
  if (/^\d{5}$/.test(unitCode)) {
    const c = getCommune(unitCode);
    if (c) return { level: 'commune', name: c.name, provinceCode: c.provinceCode };
  } else if (/^\d{2}$/.test(unitCode)) {
    const p = getProvince(unitCode);
    if (p) return { level: 'province', name: p.name, provinceCode: p.code };
  }
  const former = formerUnitWords(unitCode);
  if (former) throw new AppError('ERR_PCGD_UNKNOWN_UNIT', both(former.vi, former.en));
  throw new AppError(
    'ERR_PCGD_UNKNOWN_UNIT',
    both(
      `đơn vị ${unitCode.slice(0, 12)} không phải một xã hay tỉnh hiện hành`,
      `unit ${unitCode.slice(0, 12)} is not a current commune or province`,
    ),
  );
}
