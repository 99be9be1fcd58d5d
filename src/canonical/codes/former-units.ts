/**
 * What a pre-reform code that names no unit of the 2025 list became (QĐ 19/2025/QĐ-TTg, from 1 July 2025): a province
 * merged into another, a district abolished (its communes now in the province's new communes), a commune merged or
 * split. From the old list and the crosswalk (./admin-units.ts); a code of the 2025 list is current and has no former
 * unit here, even where the same code named another unit before (the 2025 list reuses old codes: 80 was Long An and is
 * Tây Ninh since). The words a refusal says to someone who typed an old code (pcgd13: `?province=72` answered an empty
 * success).
 */
import {
  ADMIN_UNITS_2025_EFFECTIVE_FROM,
  communesSucceeding,
  getCommune,
  getProvince,
  legacyCommune,
  legacyCommunes,
  legacyDistrict,
  legacyProvinces,
} from './admin-units.js';

/** A pre-reform unit that is no unit of the 2025 list, and the 2025 units its area went to. */
export interface FormerUnit {
  kind: 'province' | 'district' | 'commune';
  code: string;
  name: string;
  /** 2025 codes: provinces for a province, communes for a district or a commune; sorted. */
  successors: readonly string[];
}

const sorted = (codes: Iterable<string>): string[] => [...new Set(codes)].sort();

/** The 2025 communes the pre-reform communes matching `where` went to. */
function communesAfter(where: (c: { provinceCode: string; districtCode: string }) => boolean): string[] {
  const out: string[] = [];
  for (const c of legacyCommunes()) if (where(c)) out.push(...communesSucceeding(c.code));
  return sorted(out);
}

/** The former unit of a 2-, 3- or 5-digit code that names no unit of the 2025 list, else undefined. */
export function formerUnitOf(code: string): FormerUnit | undefined {
  if (/^\d{2}$/.test(code) && !getProvince(code)) {
    const p = legacyProvinces().find((x) => x.code === code);
    if (!p) return undefined;
    const communes = communesAfter((c) => c.provinceCode === code);
    const successors = sorted(communes.map((c) => getCommune(c)?.provinceCode ?? '').filter(Boolean));
    return { kind: 'province', code, name: p.name, successors };
  }
  if (/^\d{3}$/.test(code)) {
    const d = legacyDistrict(code);
    if (!d) return undefined;
    return {
      kind: 'district',
      code,
      name: d.name,
      successors: communesAfter((c) => c.districtCode === code),
    };
  }
  if (/^\d{5}$/.test(code) && !getCommune(code)) {
    const c = legacyCommune(code);
    if (!c) return undefined;
    return { kind: 'commune', code, name: c.name, successors: sorted(communesSucceeding(code)) };
  }
  return undefined;
}

/** At most this many successors are named; the rest are counted. */
const NAMED = 6;

const dayVi = (iso: string) => `${Number(iso.slice(8, 10))}/${Number(iso.slice(5, 7))}/${iso.slice(0, 4)}`;

/** `80 Tỉnh Tây Ninh, 26734 Phường Sài Gòn` (and how many more) in each language. */
function successorWords(codes: readonly string[]): { vi: string; en: string } {
  const named = codes
    .slice(0, NAMED)
    .map((c) => `${c} ${getProvince(c)?.name ?? getCommune(c)?.name ?? ''}`.trim());
  const more = codes.length - named.length;
  return {
    vi: named.join(', ') + (more > 0 ? ` và ${more} xã khác` : ''),
    en: named.join(', ') + (more > 0 ? ` and ${more} more` : ''),
  };
}

/**
 * What an old code became, in Vietnamese and English, for a refusal's detail; undefined for a code that is current or
 * was never a unit.
 */
export function formerUnitWords(code: string): { vi: string; en: string } | undefined {
  const f = formerUnitOf(code);
  if (!f) return undefined;
  const to = successorWords(f.successors);
  const on = {
    vi: `từ ${dayVi(ADMIN_UNITS_2025_EFFECTIVE_FROM)}`,
    en: `on ${ADMIN_UNITS_2025_EFFECTIVE_FROM}`,
  };
  const law = 'QĐ 19/2025/QĐ-TTg';
  switch (f.kind) {
    case 'province':
      return {
        vi: `mã tỉnh cũ ${f.code} (${f.name}) đã sáp nhập ${on.vi} (${law}) vào: ${to.vi}; dùng mã tỉnh mới`,
        en: `old province code ${f.code} (${f.name}) was merged ${on.en} (${law}) into: ${to.en}; use the new province code`,
      };
    case 'district':
      return {
        vi: `mã huyện cũ ${f.code} (${f.name}): cấp huyện bỏ ${on.vi} (${law}); các xã của huyện nay thuộc: ${to.vi}; dùng mã xã hoặc mã tỉnh mới`,
        en: `old district code ${f.code} (${f.name}): districts were abolished ${on.en} (${law}); its communes are now in: ${to.en}; use a new commune or province code`,
      };
    default:
      return {
        vi: `mã xã cũ ${f.code} (${f.name}) đã sáp nhập ${on.vi} (${law}) vào: ${to.vi}; dùng mã xã mới`,
        en: `old commune code ${f.code} (${f.name}) was merged ${on.en} (${law}) into: ${to.en}; use the new commune code`,
      };
  }
}
