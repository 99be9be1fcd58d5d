/**
 * The moet-pcgd wire vocabulary (modelled: openapi/external/moet-pcgd.yaml) ⇄ canonical codes: the
 * labels this system writes on the survey form columns. Shared lists (sex, ethnicity, grade,
 * disability) come from `src/canonical/codes`; the lists below exist only for this system's columns.
 */
import { defineCodeList } from '../../canonical/codes/code-list.js';
import type { DisabilityCode, Grade, Literacy, ResidenceType, Sex } from '../../canonical/enums.js';

/**
 * Residence type (loại cư trú) of the household form (DOMAIN §2.4). Numeric 1/2 follow the national
 * public-service portal forms (DOMAIN §3.4). "TT" is deliberately absent: it abbreviates both.
 */
export const RESIDENCE_TYPE_LIST = defineCodeList<ResidenceType>({
  id: 'moet-pcgd/residence-type',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source: 'PCGD-XMC household survey form (DOMAIN.md §2.4 [T]); numeric codes: portal forms (§3.4 [T]).',
  entries: [
    { code: 'permanent', labelVi: 'Thường trú', labelEn: 'Permanent', aliases: ['1', 'Thuong tru'] },
    {
      code: 'temporary',
      labelVi: 'Tạm trú',
      labelEn: 'Temporary',
      aliases: ['2', 'Tạm trú trên 6 tháng', 'Tạm trú ≥ 6 tháng'],
    },
  ],
});

/** Literacy (biết chữ) per Decree 20/2014 Đ19 (DOMAIN §1.1): not literate, level 1, level 2. */
export const LITERACY_LIST = defineCodeList<Literacy>({
  id: 'moet-pcgd/literacy',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source: 'Decree 20/2014/NĐ-CP Đ19 (DOMAIN.md §1.1 [V]); labels: survey form columns (§2.4 [T]).',
  entries: [
    { code: 'none', labelVi: 'Chưa biết chữ', labelEn: 'Not literate', aliases: ['Mù chữ', '0'] },
    { code: 'level1', labelVi: 'Mức 1', labelEn: 'Level 1', aliases: ['Biết chữ mức 1', 'Mức độ 1', 'M1'] },
    { code: 'level2', labelVi: 'Mức 2', labelEn: 'Level 2', aliases: ['Biết chữ mức 2', 'Mức độ 2', 'M2'] },
  ],
});

/** Canonical → wire labels, the spellings this system writes (each resolves back to its code). */
export const SEX_LABEL: Record<Sex, string> = { male: 'Nam', female: 'Nữ' };

export const RESIDENCE_LABEL: Record<ResidenceType, string> = {
  permanent: 'Thường trú',
  temporary: 'Tạm trú',
};

export const LITERACY_LABEL: Record<Literacy, string> = {
  none: 'Chưa biết chữ',
  level1: 'Mức 1',
  level2: 'Mức 2',
};

/** Class column: NT (nhà trẻ), MG3/MG4/MG5 (mẫu giáo by age), 1..12. */
export function gradeLabel(grade: Grade): string {
  const preschool: Partial<Record<Grade, string>> = { nursery: 'NT', kg3: 'MG3', kg4: 'MG4', kg5: 'MG5' };
  return preschool[grade] ?? grade;
}

export const DISABILITY_LABEL: Record<DisabilityCode, string> = {
  none: 'Không',
  visual: 'Khiếm thị',
  hearing: 'Khiếm thính',
  speech: 'Khuyết tật nói',
  physical: 'Khuyết tật vận động',
  intellectual: 'Khuyết tật trí tuệ',
  multiple: 'Đa tật',
  other: 'Khác',
};

/**
 * The class column's markers from the paper form (DOMAIN §2.4): "!" repeating the grade, "*" two
 * sessions a day. Returns the bare class and which markers were present.
 */
export function splitClassMarkers(raw: string): { klass: string; repeating: boolean; fullDay: boolean } {
  const repeating = raw.includes('!');
  const fullDay = raw.includes('*');
  return { klass: raw.replace(/[!*]/g, '').trim(), repeating, fullDay };
}
