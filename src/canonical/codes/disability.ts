/** Disability code list (Loại khuyết tật). */
import type { DisabilityCode } from '../enums.js';
import { defineCodeList } from './code-list.js';

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
  entries: [
    {
      code: 'none',
      labelVi: 'Không khuyết tật',
      labelEn: 'None',
      aliases: ['Không', 'Bình thường', 'no', 'KKT'],
    },
    {
      code: 'visual',
      labelVi: 'Khuyết tật nhìn',
      labelEn: 'Visual impairment',
      aliases: ['Khiếm thị', 'Khuyết tật thị giác', 'blind'],
    },
    {
      code: 'hearing',
      labelVi: 'Khuyết tật nghe',
      labelEn: 'Hearing impairment',
      aliases: ['Khiếm thính', 'Khuyết tật thính giác', 'deaf'],
    },
    {
      code: 'speech',
      labelVi: 'Khuyết tật nói',
      labelEn: 'Speech impairment',
      aliases: ['Khuyết tật ngôn ngữ', 'Khó khăn về ngôn ngữ'],
    },
    {
      code: 'physical',
      labelVi: 'Khuyết tật vận động',
      labelEn: 'Physical disability',
      aliases: ['Vận động', 'Khuyết tật thể chất', 'mobility'],
    },
    {
      code: 'intellectual',
      labelVi: 'Khuyết tật trí tuệ',
      labelEn: 'Intellectual disability',
      aliases: ['Trí tuệ', 'Chậm phát triển trí tuệ', 'Khiếm trí'],
    },
    {
      code: 'multiple',
      labelVi: 'Đa tật',
      labelEn: 'Multiple disabilities',
      aliases: ['Đa khuyết tật', 'Khuyết tật kết hợp', 'multiple'],
    },
    {
      code: 'other',
      labelVi: 'Khuyết tật khác',
      labelEn: 'Other disability',
      aliases: [
        'Khác',
        'Tự kỷ',
        'Rối loạn phổ tự kỷ',
        'Khuyết tật thần kinh, tâm thần',
        'Khuyết tật học tập',
      ],
    },
  ],
});
