import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ADMIN_UNITS_2025,
  ADMIN_UNITS_LEGACY,
  BIRTH_REGISTRATION_PROVINCE_CODES,
  HCMC_PROVINCE_CODE,
  adminUnitCounts,
  communeStanding,
  communesOfProvince,
  communesSucceeding,
  findCommuneByName,
  getCommune,
  getProvince,
  hcmcCommunes,
  isCommuneCode,
  isProvinceCode,
  legacyCommune,
  legacyProvinces,
  provinces,
} from '../../../src/canonical/index.js';
import {
  CROSSWALK_FILE,
  CURRENT_FILE,
  LEGACY_FILE,
  OUTPUT_DIR,
  buildAdminUnits,
  buildCrosswalk,
  defaultSourceDir,
  findDrift,
  parseCsv,
  renderJson,
} from '../../../scripts/build-admin-units.js';

describe('admin units 2025', () => {
  it('has 34 provinces and 3,321 communes (2,621 xã, 687 phường, 13 đặc khu)', () => {
    const counts = adminUnitCounts();
    expect(counts.provinces).toBe(34);
    expect(counts.communes).toBe(3321);
    expect(provinces()).toHaveLength(34);
    const levels = { xa: 0, phuong: 0, dac_khu: 0 };
    for (const p of provinces()) for (const c of communesOfProvince(p.code)) levels[c.level]++;
    expect(levels).toEqual({ xa: 2621, phuong: 687, dac_khu: 13 });
  });

  it('has 168 communes in Hồ Chí Minh City (113 phường, 54 xã, 1 đặc khu)', () => {
    expect(HCMC_PROVINCE_CODE).toBe('79');
    expect(getProvince('79')?.name).toBe('Thành phố Hồ Chí Minh');
    const hcmc = hcmcCommunes();
    expect(hcmc).toHaveLength(168);
    expect(hcmc.filter((c) => c.level === 'phuong')).toHaveLength(113);
    expect(hcmc.filter((c) => c.level === 'xa')).toHaveLength(54);
    expect(hcmc.filter((c) => c.level === 'dac_khu')).toHaveLength(1);
    expect(hcmc.every((c) => c.provinceCode === '79')).toBe(true);
  });

  it('matches the per-province commune counts of DOMAIN §3.3', () => {
    const expected: Record<string, number> = {
      '01': 126,
      '04': 56,
      '38': 166,
      '48': 94,
      '79': 168,
      '96': 64,
    };
    for (const [code, n] of Object.entries(expected)) expect(communesOfProvince(code), code).toHaveLength(n);
  });

  it('looks up communes by code and name', () => {
    expect(getCommune('25747')).toEqual({
      code: '25747',
      name: 'Phường Thủ Dầu Một',
      level: 'phuong',
      provinceCode: '79',
      resolution: { number: '1685/NQ-UBTVQH15', date: '2025-06-16' },
    });
    expect(isCommuneCode('25747')).toBe(true);
    expect(isCommuneCode('99999')).toBe(false);
    expect(getCommune('2574')).toBeUndefined();
    expect(isProvinceCode('79')).toBe(true);
    expect(isProvinceCode('02')).toBe(false);
    expect(communesOfProvince('02')).toEqual([]);
    expect(findCommuneByName('79', 'phuong thu dau mot')?.code).toBe('25747');
    expect(findCommuneByName('01', 'phuong thu dau mot')).toBeUndefined();
  });

  it('stores names in NFC without stray spaces', () => {
    for (const c of hcmcCommunes()) expect(c.name).toBe(c.name.normalize('NFC').replace(/\s+/g, ' ').trim());
    expect(getCommune('00385')?.name).toBe('Xã Trung Giã'.normalize('NFC'));
  });

  it('carries version and effective date', () => {
    expect(ADMIN_UNITS_2025.effectiveFrom).toBe('2025-07-01');
    expect(ADMIN_UNITS_2025.source).toMatch(/19\/2025\/QĐ-TTg/);
    expect(ADMIN_UNITS_LEGACY.effectiveTo).toBe('2025-06-30');
  });
});

describe('admin units before 1 July 2025', () => {
  it('has the 63 old provinces, 691 districts and 10,035 communes', () => {
    // The reference CSV (and its upstream, the GSO list of 2025-07-18) holds 10,035 distinct codes,
    // one more than the 10,034 the data README states.
    const counts = adminUnitCounts();
    expect(counts.legacyProvinces).toBe(63);
    expect(counts.legacyDistricts).toBe(691);
    expect(counts.legacyCommunes).toBe(10035);
  });

  it('uses the province codes personal IDs encode', () => {
    expect(new Set(legacyProvinces().map((p) => `0${p.code}`))).toEqual(BIRTH_REGISTRATION_PROVINCE_CODES);
  });

  it('looks up a legacy commune with its district; codes are reused by the 2025 list', () => {
    expect(legacyCommune('26734')).toEqual({
      code: '26734',
      name: 'Phường Tân Định',
      level: 'phuong',
      districtCode: '760',
      districtName: 'Quận 1',
      provinceCode: '79',
      provinceName: 'Thành phố Hồ Chí Minh',
    });
    expect(legacyCommune('00004')?.name).toBe('Phường Trúc Bạch');
    expect(getCommune('00004')?.name).toBe('Phường Ba Đình');
    expect(legacyCommune('99999')).toBeUndefined();
    expect(legacyCommune('29659')?.districtName).toBe('Huyện Vũng Liêm');
  });
});

describe('the 2025 old → new crosswalk', () => {
  it('sends a merged ward to the ward that took its area', () => {
    // Phường Phúc Xá (Ba Đình, Hà Nội) went to Phường Hồng Hà (00097).
    expect(communesSucceeding('00001')).toEqual(['00097']);
    expect(getCommune('00097')?.name).toBe('Phường Hồng Hà');
  });

  it('lists every successor of a split ward', () => {
    expect(communesSucceeding('00007')).toEqual(['00008', '00025']);
  });

  it('knows nothing of codes that are not pre-reform communes', () => {
    expect(communesSucceeding('99999')).toEqual([]);
  });

  it('judges a code by the list in force at the date', () => {
    expect(communeStanding('00097', '2025-09-05')).toEqual({ status: 'in_force' });
    expect(communeStanding('00001', '2025-09-05')).toEqual({ status: 'superseded', successors: ['00097'] });
    expect(communeStanding('00001', '2024-09-05')).toEqual({ status: 'in_force' });
    expect(communeStanding('00097', '2024-09-05')).toEqual({ status: 'in_force' });
    expect(communeStanding('99999', '2024-09-05')).toEqual({ status: 'unknown' });
    expect(communeStanding('99999', '2025-07-01')).toEqual({ status: 'unknown' });
    expect(communeStanding('00001', '2025-06-30')).toEqual({ status: 'in_force' });
    expect(communeStanding('00001', '2025-07-01').status).toBe('superseded');
  });
});

describe('scripts/build-admin-units.ts', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'truc-admin-units-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds the reference data next to the repository', () => {
    expect(existsSync(join(defaultSourceDir(), 'communes-2025.csv'))).toBe(true);
  });

  it('committed JSON equals a fresh build from the CSVs (no drift)', () => {
    expect(findDrift()).toEqual([]);
    const built = buildAdminUnits();
    expect(readFileSync(join(OUTPUT_DIR, CURRENT_FILE), 'utf8')).toBe(renderJson(built.current));
    expect(readFileSync(join(OUTPUT_DIR, LEGACY_FILE), 'utf8')).toBe(renderJson(built.legacy));
    expect(readFileSync(join(OUTPUT_DIR, CROSSWALK_FILE), 'utf8')).toBe(renderJson(built.crosswalk));
  });

  it('covers every pre-reform commune in the crosswalk', () => {
    const built = buildAdminUnits();
    expect(built.crosswalk.links).toHaveLength(built.legacy.communes.length);
  });

  it('refuses a crosswalk row naming a code outside the lists', () => {
    const built = buildAdminUnits();
    const bad = join(scratch, 'bad-crosswalk.csv');
    writeFileSync(bad, 'legacy_commune_code,commune_code_2025\n00001,99999\n');
    expect(() => buildCrosswalk(built.current, built.legacy, bad)).toThrow(/99999 is not a 2025/);
  });

  it('reports drift when a committed file differs', () => {
    const built = buildAdminUnits();
    writeFileSync(
      join(scratch, CURRENT_FILE),
      renderJson({ ...built.current, communes: built.current.communes.slice(1) }),
    );
    writeFileSync(join(scratch, LEGACY_FILE), renderJson(built.legacy));
    writeFileSync(join(scratch, CROSSWALK_FILE), renderJson(built.crosswalk));
    expect(findDrift(defaultSourceDir(), scratch)).toEqual([CURRENT_FILE]);
  });

  it('parses quoted CSV cells, CRLF, BOM and a missing final newline', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, ""y""",  z  \n1,2')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'z'],
      ['1', '2'],
    ]);
  });
});
