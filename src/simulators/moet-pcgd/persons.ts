/**
 * Simulator side of the persons endpoint: the shared population's surveyed people of a commune,
 * written as moet-pcgd survey records (Vietnamese column names, `dd/mm/yyyy`, labels), and the
 * opaque paging cursor. The persons behind students are the same people hcm-csdl serves as students.
 */
import type { Population, PopPerson, Grade, DisabilityCode } from '../population/index.js';
import type { PersonWire } from '../../adapters/moet-pcgd/schema.js';

/** Names of the ethnicity codes the population draws (DOMAIN §3.4 portal spellings); others go as codes. */
const ETHNICITY_NAME: Record<string, string> = {
  '01': 'Kinh',
  '02': 'Tày',
  '03': 'Thái',
  '04': 'Hoa',
  '05': 'Khơ-me',
  '06': 'Mường',
  '07': 'Nùng',
  '09': 'Dao',
  '17': 'Chăm',
  '55': 'Người nước ngoài',
};

const DISABILITY_LABEL: Record<DisabilityCode, string> = {
  none: 'Không',
  visual: 'Khiếm thị',
  hearing: 'Khiếm thính',
  speech: 'Khuyết tật nói',
  physical: 'Khuyết tật vận động',
  intellectual: 'Khuyết tật trí tuệ',
  multiple: 'Đa tật',
  other: 'Khác',
};

const LITERACY_LABEL = { none: 'Chưa biết chữ', level1: 'Mức 1', level2: 'Mức 2' } as const;

function gradeLabel(grade: Grade): string {
  const preschool: Partial<Record<Grade, string>> = { nursery: 'NT', kg3: 'MG3', kg4: 'MG4', kg5: 'MG5' };
  return preschool[grade] ?? grade;
}

function dmy(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * Survey record of population person `index`. Deterministic variety of the real files: about one in
 * seven records gives the ethnicity as its code instead of its name.
 */
export function personWireOf(index: number, p: PopPerson): PersonWire {
  const c = p.completed;
  return {
    maDoiTuong: p.personRef,
    maXa: p.communeCode,
    soHo: p.householdNo,
    hoTen: p.fullName,
    ngaySinh: dmy(p.birthDate),
    gioiTinh: p.sex === 'male' ? 'Nam' : 'Nữ',
    danToc: index % 7 === 3 ? p.ethnicityCode : (ETHNICITY_NAME[p.ethnicityCode] ?? p.ethnicityCode),
    soDinhDanh: p.personalId ?? null,
    loaiCuTru: p.residenceType === 'permanent' ? 'Thường trú' : 'Tạm trú',
    lopDangHoc: p.currentGrade ? gradeLabel(p.currentGrade) : null,
    truongDangHoc: p.currentSchoolName ?? null,
    namTotNghiepMN: c.preschool ?? null,
    namTotNghiepTH: c.primary ?? null,
    namTotNghiepTHCS: c.lowerSecondary ?? null,
    namTotNghiepTHPT: c.upperSecondary ?? null,
    namTotNghiepNghe: c.vocational ?? null,
    boHoc: p.dropout ? { lop: gradeLabel(p.dropout.grade), nam: p.dropout.year } : null,
    bietChu: LITERACY_LABEL[p.literacy],
    khuyetTat: p.disability ? DISABILITY_LABEL[p.disability] : null,
    chuyenDi: p.movedAway ?? false,
    daChet: p.deceased ?? false,
  };
}

/** Position in a commune's listing: population index of the last record served, and how many were. */
export interface PersonCursor {
  after: number;
  served: number;
}

/** Opaque cursor (base64url JSON). */
export function encodePersonCursor(pos: PersonCursor): string {
  return Buffer.from(JSON.stringify({ a: pos.after, n: pos.served })).toString('base64url');
}

/** The position to resume at, or undefined when the cursor is not one of ours. */
export function decodePersonCursor(cursor: string): PersonCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      a?: unknown;
      n?: unknown;
    } | null;
    const ok = (v: unknown, min: number): v is number =>
      typeof v === 'number' && Number.isInteger(v) && v >= min;
    return value && ok(value.a, -1) && ok(value.n, 0) ? { after: value.a, served: value.n } : undefined;
  } catch {
    return undefined;
  }
}

/** One page of a commune's persons after population index `after`, capped at `perCommune` in total. */
export function personPage(
  population: Population,
  communeCode: string,
  opts: PersonCursor & { limit: number; perCommune: number },
): { items: PersonWire[]; last: number; more: boolean } {
  const items: PersonWire[] = [];
  let last = opts.after;
  const room = Math.max(0, Math.min(opts.limit, opts.perCommune - opts.served));
  const people = population.personsOfCommune(communeCode, opts.after);
  for (let next = people.next(); !next.done; next = people.next()) {
    if (items.length === room) return { items, last, more: opts.served + items.length < opts.perCommune };
    items.push(personWireOf(next.value.index, next.value.person));
    last = next.value.index;
  }
  return { items, last, more: false };
}
