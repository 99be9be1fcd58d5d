/**
 * Builds src/canonical/data/admin-units-{2025,legacy}.json from the reference CSVs in
 * ../shared/data/admin-units/ (relative to the repo root; override with TRUC_ADMIN_UNITS_DIR), and
 * admin-units-crosswalk.json (old → new commune codes) from scripts/data/admin-units-crosswalk-2025.csv.
 *
 *   npx tsx scripts/build-admin-units.ts          # regenerate the JSON files
 *   npx tsx scripts/build-admin-units.ts --check  # exit 1 if the committed files differ
 *
 * Columns are found by header text, not position. Text is NFC-normalised, trimmed and has runs of
 * whitespace collapsed (the legacy CSV has stray double and trailing spaces).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  AdminUnits2025Data,
  AdminUnitsCrosswalkData,
  CommuneLevel,
  LegacyAdminUnitsData,
  LegacyCommuneLevel,
} from '../src/canonical/codes/admin-units.js';

/** Where the generated files go. */
export const OUTPUT_DIR = fileURLToPath(new URL('../src/canonical/data/', import.meta.url));
export const CURRENT_FILE = 'admin-units-2025.json';
export const LEGACY_FILE = 'admin-units-legacy.json';
export const CROSSWALK_FILE = 'admin-units-crosswalk.json';
/** The crosswalk's source, kept in the repository (see scripts/data/README.md). */
export const CROSSWALK_CSV = fileURLToPath(new URL('./data/admin-units-crosswalk-2025.csv', import.meta.url));
const CURRENT_CSV = 'communes-2025.csv';
const LEGACY_CSV = 'communes-legacy-2025-07-18.csv';

/** The reference-data folder: $TRUC_ADMIN_UNITS_DIR, else <repo>/../shared/data/admin-units. */
export function defaultSourceDir(): string {
  const fromEnv = process.env['TRUC_ADMIN_UNITS_DIR'];
  return fromEnv ?? fileURLToPath(new URL('../../shared/data/admin-units/', import.meta.url));
}

const CURRENT_LEVELS: Readonly<Record<string, CommuneLevel>> = {
  xã: 'xa',
  phường: 'phuong',
  'đặc khu': 'dac_khu',
};
const LEGACY_LEVELS: Readonly<Record<string, LegacyCommuneLevel>> = {
  xã: 'xa',
  phường: 'phuong',
  'thị trấn': 'thi_tran',
};

function clean(value: string): string {
  return value.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** Parses RFC 4180 CSV (quotes, CRLF or LF, optional BOM, optional final newline) into rows of cleaned cells. */
export function parseCsv(content: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const text = content.replace(/^\uFEFF/, '');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (quoted || (ch !== ',' && ch !== '\n' && ch !== '\r')) {
      cell += ch;
    } else {
      row.push(cell);
      cell = '';
      if (ch === ',') continue;
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rows.push(row);
      row = [];
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== '')).map((r) => r.map(clean));
}

/** Reads a CSV into records keyed by header; throws when a required header is missing. */
function readTable(path: string, required: readonly string[]): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  if (!header) throw new Error(`${path}: empty file`);
  for (const name of required) if (!header.includes(name)) throw new Error(`${path}: no column '${name}'`);
  return rows.map((cells, i) => {
    if (cells.length !== header.length) throw new Error(`${path}: row ${i + 2} has ${cells.length} cells`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
  });
}

function expect(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** Adds code → value to a map, throwing if the code already maps to something different. */
function putOnce<V>(map: Map<string, V>, code: string, value: V, what: string): void {
  const seen = map.get(code);
  expect(
    seen === undefined || JSON.stringify(seen) === JSON.stringify(value),
    `${what} ${code} is inconsistent`,
  );
  map.set(code, value);
}

const byCode = <T extends readonly [string, ...unknown[]]>(a: T, b: T): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/** "Số: 1656/NQ-UBTVQH15; Ngày: 16/06/2025" → ['1656/NQ-UBTVQH15', '2025-06-16']. */
function parseResolution(raw: string): readonly [string, string] {
  const m = /^Số: (\S+); Ngày: (\d{2})\/(\d{2})\/(\d{4})$/.exec(raw);
  if (!m) throw new Error(`unrecognised legal basis '${raw}'`);
  return [m[1]!, `${m[4]}-${m[3]}-${m[2]}`];
}

/** Builds the 2025 list from communes-2025.csv. */
export function buildCurrent(sourceDir: string): AdminUnits2025Data {
  const cols = ['commune_code', 'commune_name', 'level', 'province_code', 'province_name', 'legal_basis'];
  const rows = readTable(`${sourceDir}/${CURRENT_CSV}`, cols);
  const provinces = new Map<string, string>();
  const resolutions = new Map<string, readonly [string, string]>();
  const communes = new Map<string, [string, string, CommuneLevel, string, string]>();
  for (const r of rows) {
    const [code, name, province, level] = [
      r['commune_code']!,
      r['commune_name']!,
      r['province_code']!,
      r['level']!,
    ];
    const mapped = CURRENT_LEVELS[level.toLowerCase()];
    expect(/^\d{5}$/.test(code) && /^\d{2}$/.test(province) && mapped !== undefined, `bad row ${code}`);
    expect(!communes.has(code), `duplicate commune ${code}`);
    putOnce(provinces, province, r['province_name']!, 'province');
    const basis = r['legal_basis']!;
    resolutions.set(basis, parseResolution(basis));
    communes.set(code, [code, name, mapped!, province, basis]);
  }
  const resolutionList = [...resolutions.values()].sort(byCode);
  const resolutionIndex = new Map(
    [...resolutions].map(([raw, parsed]) => [raw, resolutionList.indexOf(parsed)]),
  );
  return {
    version: '2025-08-05',
    effectiveFrom: '2025-07-01',
    source:
      'shared/data/admin-units/communes-2025.csv: ministry portal list as of 2025-08-05 via ' +
      'tranngocminhhieu/vietnamadminunits (MIT); codes per QĐ 19/2025/QĐ-TTg (DOMAIN.md §3.3).',
    layout: {
      provinces: ['code', 'name'],
      resolutions: ['number', 'date'],
      communes: ['code', 'name', 'level', 'provinceCode', 'resolution'],
    },
    provinces: [...provinces].sort(byCode),
    resolutions: resolutionList,
    communes: [...communes.values()]
      .sort(byCode)
      .map(([code, name, level, province, basis]) => [
        code,
        name,
        level,
        province,
        resolutionIndex.get(basis)!,
      ]),
  };
}

/** Builds the pre-reform list from communes-legacy-2025-07-18.csv. */
export function buildLegacy(sourceDir: string): LegacyAdminUnitsData {
  const cols = ['Mã', 'Tên', 'Cấp', 'Mã QH', 'Quận Huyện', 'Mã TP', 'Tỉnh / Thành Phố'];
  const rows = readTable(`${sourceDir}/${LEGACY_CSV}`, cols);
  const provinces = new Map<string, string>();
  const districts = new Map<string, readonly [string, string]>();
  const communes = new Map<string, [string, string, LegacyCommuneLevel, string]>();
  for (const r of rows) {
    const [code, district, province, level] = [r['Mã']!, r['Mã QH']!, r['Mã TP']!, r['Cấp']!];
    const mapped = LEGACY_LEVELS[level.toLowerCase()];
    expect(/^\d{5}$/.test(code) && /^\d{3}$/.test(district) && /^\d{2}$/.test(province), `bad row ${code}`);
    expect(mapped !== undefined && !communes.has(code), `bad or duplicate commune ${code}`);
    putOnce(provinces, province, r['Tỉnh / Thành Phố']!, 'province');
    putOnce(districts, district, [r['Quận Huyện']!, province] as const, 'district');
    communes.set(code, [code, r['Tên']!, mapped!, district]);
  }
  return {
    version: '2025-07-18',
    effectiveTo: '2025-06-30',
    source:
      'shared/data/admin-units/communes-legacy-2025-07-18.csv: General Statistics Office code list published ' +
      '2025-07-18 via tranngocminhhieu/vietnamadminunits (MIT).',
    layout: {
      provinces: ['code', 'name'],
      districts: ['code', 'name', 'provinceCode'],
      communes: ['code', 'name', 'level', 'districtCode'],
    },
    provinces: [...provinces].sort(byCode),
    districts: [...districts].map(([code, [name, province]]) => [code, name, province] as const).sort(byCode),
    communes: [...communes.values()].sort(byCode),
  };
}

/**
 * Builds the old → new crosswalk from `csvPath`, checking every old code against the legacy list and
 * every new code against the 2025 list.
 */
export function buildCrosswalk(
  current: AdminUnits2025Data,
  legacy: LegacyAdminUnitsData,
  csvPath = CROSSWALK_CSV,
): AdminUnitsCrosswalkData {
  const rows = readTable(csvPath, ['legacy_commune_code', 'commune_code_2025']);
  const newCodes = new Set(current.communes.map((c) => c[0]));
  const oldCodes = new Set(legacy.communes.map((c) => c[0]));
  const links = new Map<string, Set<string>>();
  for (const r of rows) {
    const [from, to] = [r['legacy_commune_code']!, r['commune_code_2025']!];
    expect(oldCodes.has(from), `crosswalk: ${from} is not a legacy commune code`);
    expect(newCodes.has(to), `crosswalk: ${to} is not a 2025 commune code`);
    links.set(from, (links.get(from) ?? new Set()).add(to));
  }
  return {
    version: '2025-08-05',
    source:
      'scripts/data/admin-units-crosswalk-2025.csv: code columns of data/interim/convert_legacy_2025_simple.csv, ' +
      'tranngocminhhieu/vietnamadminunits (MIT) commit 5f6b79f, from sapnhap.bando.com.vn.',
    layout: { links: ['legacyCode', 'codes2025'] },
    links: [...links].map(([from, to]) => [from, [...to].sort().join(' ')] as const).sort(byCode),
  };
}

/** Both lists and the crosswalk, built in memory. */
export function buildAdminUnits(sourceDir = defaultSourceDir()): {
  current: AdminUnits2025Data;
  legacy: LegacyAdminUnitsData;
  crosswalk: AdminUnitsCrosswalkData;
} {
  const current = buildCurrent(sourceDir);
  const legacy = buildLegacy(sourceDir);
  return { current, legacy, crosswalk: buildCrosswalk(current, legacy) };
}

function renderTuple(item: unknown): string {
  return Array.isArray(item) ? `[${item.map((v) => JSON.stringify(v)).join(', ')}]` : JSON.stringify(item);
}

/** Renders a data file: scalars and `layout` on one line each, one tuple per line in the arrays. */
export function renderJson(data: object): string {
  const lines = Object.entries(data).map(([key, value]) => {
    if (!Array.isArray(value)) return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    const items = value.map((item: unknown) => `    ${renderTuple(item)}`);
    return `  ${JSON.stringify(key)}: [\n${items.join(',\n')}\n  ]`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** Names of the committed files whose content differs from a fresh build (empty when in sync). */
export function findDrift(sourceDir = defaultSourceDir(), outDir = OUTPUT_DIR): string[] {
  const built = buildAdminUnits(sourceDir);
  const pairs = [
    [CURRENT_FILE, built.current],
    [LEGACY_FILE, built.legacy],
    [CROSSWALK_FILE, built.crosswalk],
  ] as const;
  return pairs
    .filter(([file, data]) => {
      try {
        return JSON.stringify(JSON.parse(readFileSync(`${outDir}/${file}`, 'utf8'))) !== JSON.stringify(data);
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const drift = findDrift();
    for (const file of drift)
      console.error(`admin units: ${file} is out of date; run npx tsx scripts/build-admin-units.ts`);
    return drift.length === 0 ? 0 : 1;
  }
  const { current, legacy, crosswalk } = buildAdminUnits();
  writeFileSync(`${OUTPUT_DIR}/${CURRENT_FILE}`, renderJson(current));
  writeFileSync(`${OUTPUT_DIR}/${LEGACY_FILE}`, renderJson(legacy));
  writeFileSync(`${OUTPUT_DIR}/${CROSSWALK_FILE}`, renderJson(crosswalk));
  console.log(
    `admin units: ${current.provinces.length} provinces, ${current.communes.length} communes (2025); ` +
      `${legacy.provinces.length} provinces, ${legacy.districts.length} districts, ${legacy.communes.length} communes (legacy); ` +
      `${crosswalk.links.length} crosswalk links`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
