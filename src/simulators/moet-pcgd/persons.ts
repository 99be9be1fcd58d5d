/**
 * Simulator side of the persons endpoint: the shared population's surveyed people of a commune,
 * written as moet-pcgd survey records (Vietnamese column names, `dd/mm/yyyy`, labels), and the
 * opaque paging cursor. The persons behind students are the same people hcm-csdl serves as students.
 */
import { MOET_PCGD_LABELS, gradeLabel, type PersonWire } from '../../adapters/moet-pcgd/schema.js';
import { entryOf } from '../../canonical/codes/code-list.js';
import { ETHNICITY_CODE_LIST } from '../../canonical/codes/ethnicity.js';
import type { ReadPerson as Person } from '../../canonical/person.js';
import type { Population } from '../population/index.js';

function dmy(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * Survey record of population person `index`. Deterministic variety of the real files: about one in
 * seven records gives the ethnicity as its code instead of its name (the canonical list's label).
 */
function personWireOf(index: number, p: Person): PersonWire {
  const c = p.completed;
  return {
    maDoiTuong: p.personRef,
    maXa: p.communeCode,
    soHo: p.householdNo,
    hoTen: p.fullName,
    ngaySinh: dmy(p.birthDate),
    gioiTinh: MOET_PCGD_LABELS.sex[p.sex],
    danToc:
      index % 7 === 3
        ? p.ethnicityCode
        : (entryOf(ETHNICITY_CODE_LIST, p.ethnicityCode)?.labelVi ?? p.ethnicityCode),
    soDinhDanh: p.personalId ?? null,
    hoTenCha: p.fatherName ?? null,
    hoTenMe: p.motherName ?? null,
    hoTenNguoiGiamHo: p.guardianName ?? null,
    loaiCuTru: MOET_PCGD_LABELS.residence[p.residenceType],
    lopDangHoc: p.currentGrade ? gradeLabel(p.currentGrade) : null,
    truongDangHoc: p.currentSchoolName ?? null,
    namTotNghiepMN: c.preschool ?? null,
    namTotNghiepTH: c.primary ?? null,
    namTotNghiepTHCS: c.lowerSecondary ?? null,
    namTotNghiepTHPT: c.upperSecondary ?? null,
    namTotNghiepNghe: c.vocational ?? null,
    boHoc: p.dropout ? { lop: gradeLabel(p.dropout.grade), nam: p.dropout.year } : null,
    bietChu: MOET_PCGD_LABELS.literacy[p.literacy],
    khuyetTat: p.disability ? MOET_PCGD_LABELS.disability[p.disability] : null,
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
