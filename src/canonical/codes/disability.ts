/** Disability code list (Loại khuyết tật). */
import type { DisabilityCode } from '../enums.js';
import { defineCodeList, entriesOf } from './code-list.js';

/**
 * Disability. Codes and aliases are truc's own: the CSDL ngành "Loại khuyết tật" values were not found
 * (DOMAIN.md §6.2). The combined label "Khuyết tật nghe, nói" is deliberately not an alias: it does
 * not say which of hearing or speech applies; map it explicitly in the mapping if a source uses it.
 */
export const DISABILITY_CODE_LIST = defineCodeList<DisabilityCode>({
  id: 'disability',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source: 'Codes and aliases: truc (no official code list found; DOMAIN.md §6.2 [NF]).',
  entries: entriesOf([
    ['none', 'Không khuyết tật', 'None', ['Không', 'Bình thường', 'no', 'KKT']],
    ['visual', 'Khuyết tật nhìn', 'Visual impairment', ['Khiếm thị', 'Khuyết tật thị giác', 'blind']],
    ['hearing', 'Khuyết tật nghe', 'Hearing impairment', ['Khiếm thính', 'Khuyết tật thính giác', 'deaf']],
    ['speech', 'Khuyết tật nói', 'Speech impairment', ['Khuyết tật ngôn ngữ', 'Khó khăn về ngôn ngữ']],
    [
      'physical',
      'Khuyết tật vận động',
      'Physical disability',
      ['Vận động', 'Khuyết tật thể chất', 'mobility'],
    ],
    [
      'intellectual',
      'Khuyết tật trí tuệ',
      'Intellectual disability',
      ['Trí tuệ', 'Chậm phát triển trí tuệ', 'Khiếm trí'],
    ],
    ['multiple', 'Đa tật', 'Multiple disabilities', ['Đa khuyết tật', 'Khuyết tật kết hợp', 'multiple']],
    [
      'other',
      'Khuyết tật khác',
      'Other disability',
      ['Khác', 'Tự kỷ', 'Rối loạn phổ tự kỷ', 'Khuyết tật thần kinh, tâm thần', 'Khuyết tật học tập'],
    ],
  ]),
});
