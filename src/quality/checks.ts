/**
 * The first record-level quality rules, run at ingest on every mapped record until the ingest runs
 * the catalogue's own checks (issue 8; the catalogue has rules of the same codes). Rule codes start
 * with their criterion (DUNG_ correct, DU_ complete, SACH_ clean, SONG_ live). They are warnings:
 * reported per record, never blocking.
 */
import { checkPersonalIdAgainst } from '../canonical/personal-id.js';
import { isCommuneCode } from '../canonical/codes/admin-units.js';
import type { MappingFinding } from '../mappings/types.js';
import { findingOf } from './findings.js';
import type { Finding } from './types.js';

type Rec = Record<string, unknown>;

const warn = (pointer: string, rule: string, vi: string, en: string): MappingFinding => ({
  pointer,
  rule,
  severity: 'warning',
  vi,
  en,
});

function personalIdChecks(r: Rec): MappingFinding[] {
  const id = r.personalId;
  if (typeof id !== 'string') {
    return [
      warn(
        '/personalId',
        'DU_PERSONAL_ID_MISSING',
        'Thiếu số định danh cá nhân.',
        'The personal ID number is missing.',
      ),
    ];
  }
  const birthYear = typeof r.birthDate === 'string' ? Number(r.birthDate.slice(0, 4)) : undefined;
  const sex = r.sex === 'male' || r.sex === 'female' ? r.sex : undefined;
  return checkPersonalIdAgainst(id, { sex, birthYear }).map((i) =>
    warn('/personalId', `DUNG_${i.rule}`, i.vi, i.en),
  );
}

function communeCheck(pointer: string, code: unknown): MappingFinding[] {
  if (typeof code !== 'string' || isCommuneCode(code)) return [];
  return [
    warn(
      pointer,
      'DUNG_COMMUNE_UNKNOWN',
      'Mã xã/phường không có trong danh mục từ 01/07/2025.',
      'The commune code is not in the list in force from 1 July 2025.',
    ),
  ];
}

/** Quality findings of one canonical record, record `index` of its batch. */
export function qualityChecks(entity: string, record: Rec, index: number): Finding[] {
  return recordChecks(entity, record).map((f) => findingOf(index, f));
}

function recordChecks(entity: string, record: Rec): MappingFinding[] {
  switch (entity) {
    case 'students':
      return [
        ...personalIdChecks(record),
        ...communeCheck('/residenceCommuneCode', record.residenceCommuneCode),
      ];
    case 'staff':
      return personalIdChecks(record);
    case 'persons':
      return [...personalIdChecks(record), ...communeCheck('/communeCode', record.communeCode)];
    case 'schools':
      return communeCheck('/communeCode', record.communeCode);
    default:
      return [];
  }
}
