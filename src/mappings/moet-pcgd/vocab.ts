/**
 * The moet-pcgd wire vocabulary (modelled: openapi/external/moet-pcgd.yaml) ⇄ canonical codes. Reading:
 * shared lists (sex, ethnicity, grade, disability) come from `src/canonical/codes`; the lists below exist
 * only for this system's columns. Writing: the labels of `adapters/moet-pcgd/schema.ts`.
 */
import { defineCodeList } from '../../canonical/codes/code-list.js';
import type { MOET_PCGD_LABELS } from '../../adapters/moet-pcgd/schema.js';
import type { Expect } from '../../adapters/types.js';
import type { DisabilityCode, Literacy, ResidenceType, Sex } from '../../canonical/enums.js';

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

/**
 * The labels this system writes (canonical code → label) live with the wire schema
 * (`adapters/moet-pcgd/schema.ts`); they must cover every canonical code, or this fails to compile.
 */
type Covers<Table, Code extends string> = [Code] extends [keyof Table] ? true : false;
export type _checkVocabulary = [
  Expect<Covers<typeof MOET_PCGD_LABELS.sex, Sex>>,
  Expect<Covers<typeof MOET_PCGD_LABELS.residence, ResidenceType>>,
  Expect<Covers<typeof MOET_PCGD_LABELS.literacy, Literacy>>,
  Expect<Covers<typeof MOET_PCGD_LABELS.disability, DisabilityCode>>,
];

/**
 * The class column's markers from the paper form (DOMAIN §2.4): "!" repeating the grade, "*" two
 * sessions a day. Returns the bare class and which markers were present.
 */
export function splitClassMarkers(raw: string): { klass: string; repeating: boolean; fullDay: boolean } {
  const repeating = raw.includes('!');
  const fullDay = raw.includes('*');
  return { klass: raw.replace(/[!*]/g, '').trim(), repeating, fullDay };
}
