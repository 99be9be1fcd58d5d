/**
 * The signed PDF of a package as the commune's officer reads and files it (fix32a): times on Vietnam's clock with the
 * zone said, the approver by name, page 1's text clear of the signature box with the longest real unit names and
 * many lines, and a level's reasons each said once; a name that reads as a formula stays text in the workbook (sec8).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communesOfProvince, provinces } from '../../../src/canonical/codes/admin-units.js';
import { loadConfig } from '../../../src/config.js';
import { communeFigures, type AgeCounts } from '../../../src/reporting/pcgd/evaluate.js';
import { pdfFromPackage, pdfSignatureParts, xlsxFromPackage } from '../../../src/reporting/pcgd/forms.js';
import { PERSON_FLAGS } from '../../../src/reporting/pcgd/indicators.js';
import {
  LINEAGE_ALGORITHM,
  PACKAGE_FORMAT,
  packageBytes,
  type EvidencePackage,
} from '../../../src/reporting/pcgd/package.js';
import { ruleSetOf } from '../../../src/reporting/pcgd/rule-set.js';
import { loadUnitSigner, verifyDetached, type UnitSigner } from '../../../src/reporting/pcgd/signing.js';
import { pdfText } from '../../helpers/pcgd.js';

const dir = mkdtempSync(join(tmpdir(), 'truc-forms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cfg = loadConfig({ env: { TRUC_PROFILE: 'test' } }).pcgd;
const rules = ruleSetOf(cfg, 2026);
const flags = (over: Partial<Record<(typeof PERSON_FLAGS)[number], number>> = {}) =>
  Object.fromEntries(PERSON_FLAGS.map((f) => [f, over[f] ?? 0])) as AgeCounts['flags'];

/** A commune's package: levels not met (each with its reasons), the rule set's unverified settings. */
function commonPackage(
  unit: { code: string; name: string },
  over: Partial<EvidencePackage['report']> = {},
  opts: { difficult?: boolean; fiveYearOlds?: boolean; unverified?: number } = {},
): EvidencePackage {
  const rows: AgeCounts[] = [
    ...(opts.fiveYearOlds === false ? [] : [{ age: 5, population: 40, flags: flags({ hasClass: 30 }) }]),
    { age: 6, population: 40, flags: flags({ inGrade1to12: 30, hasClass: 30 }) },
    { age: 11, population: 40, flags: flags({ completedPrimary: 20 }) },
    { age: 14, population: 40, flags: flags({ completedPrimary: 20 }) },
    { age: 16, population: 80, flags: flags({ completedLowerSecondary: 40, inGrade1to12: 30 }) },
    { age: 30, population: 200, flags: flags({ literate1: 100, literate2: 50 }) },
  ];
  const figs = communeFigures(rules, unit.code, rows, opts.difficult ?? false);
  return {
    format: PACKAGE_FORMAT,
    report: {
      reportId: 12,
      unitCode: unit.code,
      unitLevel: 'commune',
      unitName: unit.name,
      year: 2026,
      version: 3,
      difficult: opts.difficult ?? false,
      computedAt: '2026-09-20T02:30:00.000Z',
      approvedBy: 'cl_0123456789abcdef',
      approvedAt: '2026-09-20T17:15:00.000Z',
      ...over,
    },
    ruleSet: {
      version: rules.version,
      settingsDigest: rules.settingsDigest,
      settings: rules.settings as unknown as Record<string, unknown>,
      unverified: rules.unverified.slice(0, opts.unverified ?? rules.unverified.length) as never,
    },
    mappingVersions: ['moet-pcgd/persons@3'],
    persons: figs.population,
    indicators: figs.indicators,
    levels: figs.levels as EvidencePackage['levels'],
    findings: [],
    lineage: { algorithm: LINEAGE_ALGORITHM, digests: { all: 'ab'.repeat(32) } },
  };
}

/** Page 1's text items (text, left x, baseline y, size) and its signature widget's rectangle. */
async function firstPage(pdf: Uint8Array) {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
  const page = await doc.getPage(1);
  const items = (await page.getTextContent()).items.flatMap((i) =>
    'str' in i && i.str.trim() !== ''
      ? [{ str: i.str, x: i.transform[4] as number, y: i.transform[5] as number, size: i.height }]
      : [],
  );
  const widget = (await page.getAnnotations()).find((a: { subtype?: string }) => a.subtype === 'Widget') as
    { rect: [number, number, number, number] } | undefined;
  return { items, box: widget?.rect, pages: doc.numPages };
}

const longestFirst = <T extends { name: string }>(list: readonly T[]) =>
  [...list].sort((a, b) => b.name.length - a.name.length);

describe('the signed PDF of a package', () => {
  let unit: UnitSigner;
  beforeAll(async () => {
    unit = await loadUnitSigner({ mode: 'self-signed', dir, organisation: 'Sở GDĐT (test)' }, '27664');
  }, 60_000);

  it("shows the times on Vietnam's clock, the zone said, and the approver by name (the id beside a shared name)", async () => {
    const pkgOf = (over: Partial<EvidencePackage['report']>) =>
      packageBytes(commonPackage({ code: '27664', name: 'Phường Sài Gòn' }, over));
    const named = await pdfText(
      await pdfFromPackage(
        pkgOf({ approvedByName: 'PCGD phường Sài Gòn', approvedByNameUnique: true }),
        unit,
      ),
    );
    expect(named).toContain('Tính lúc: 2026-09-20 09:30:00 (giờ Việt Nam / Vietnam time, UTC+7)');
    // 17:15 UTC is 00:15 the next day in Vietnam.
    expect(named).toContain('Phê duyệt lúc: 2026-09-21 00:15:00 (giờ Việt Nam / Vietnam time, UTC+7)');
    expect(named).not.toContain('T17:15:00');
    expect(named).toContain('Phê duyệt bởi: PCGD phường Sài Gòn');
    expect(named).not.toContain('cl_0123456789abcdef');
    const shared = await pdfText(
      await pdfFromPackage(
        pkgOf({ approvedByName: 'PCGD phường Sài Gòn', approvedByNameUnique: false }),
        unit,
      ),
    );
    expect(shared).toMatch(/Phê duyệt bởi: PCGD phường Sài Gòn\s*cl_0123456789abcdef/);
    // A package signed before names no one: its id, as it was.
    expect(await pdfText(await pdfFromPackage(pkgOf({}), unit))).toContain(
      'Phê duyệt bởi: cl_0123456789abcdef',
    );
    // The workbook's cover says the same.
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(
      (await xlsxFromPackage(
        pkgOf({ approvedByName: 'PCGD phường Sài Gòn', approvedByNameUnique: false }),
      )) as never,
    );
    const info: Record<string, unknown> = {};
    wb.worksheets[0]!.eachRow((r) => {
      const [k, v] = (r.values as unknown[]).slice(1);
      info[String(k)] = v;
    });
    expect(info['Phê duyệt bởi']).toBe('PCGD phường Sài Gòn (cl_0123456789abcdef)');
    expect(info['Phê duyệt lúc']).toBe('2026-09-21 00:15:00 (giờ Việt Nam / Vietnam time, UTC+7)');
  }, 60_000);

  it('writes a name that reads as a spreadsheet formula as text, never a formula (sec8: formula injection)', async () => {
    const formulas = ["=cmd|' /C calc'!A0", '+SUM(1+1)', '-2+3', '@HYPERLINK("http://x")'];
    const pkgOf = (over: Partial<EvidencePackage['report']>) =>
      packageBytes(commonPackage({ code: '27664', name: 'Phường Sài Gòn' }, over));
    const { default: ExcelJS } = await import('exceljs');
    for (const name of formulas) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await xlsxFromPackage(pkgOf({ approvedByName: name }))) as never);
      const cells: Array<{ type: number; formula: unknown; text: string }> = [];
      for (const ws of wb.worksheets) ws.eachRow((r) => r.eachCell((c) => cells.push(c)));
      expect(cells.filter((c) => c.formula !== undefined)).toEqual([]);
      const approver = cells.find((c) => c.text === name);
      expect(approver?.type).toBe(ExcelJS.ValueType.String);
    }
  }, 60_000);

  it("keeps page 1's text clear of the signature box, with the longest real unit names and many lines", async () => {
    const communes = longestFirst(provinces().flatMap((p) => communesOfProvince(p.code))).slice(0, 2);
    let lowest = Infinity;
    // Each variant moves page 1's last lines by a line or two: one of them lands where the box is.
    for (const c of communes)
      for (const difficult of [false, true])
        for (let unverified = 0; unverified <= rules.unverified.length; unverified++) {
          const pkg = commonPackage(
            c,
            { approvedByName: `Cán bộ PCGD ${c.name}`, approvedByNameUnique: false },
            { difficult, unverified },
          );
          const { items, box } = await firstPage(await pdfFromPackage(packageBytes(pkg), unit));
          expect(box).toBeDefined();
          const [x1, y1, x2, y2] = box!;
          for (const i of items) {
            // A glyph reaches about a quarter of its size below the baseline, and its size above.
            const [bottom, top] = [i.y - i.size * 0.25, i.y + i.size];
            const overlaps = bottom < y2 && top > y1 && i.x < x2 && i.x + 1 > x1;
            expect(overlaps, `${c.code} ${difficult} ${unverified}: "${i.str}" at y ${i.y}`).toBe(false);
            lowest = Math.min(lowest, i.y);
          }
        }
    // The variants filled page 1 down to just above the box (60 pt): where, before, a line went through it.
    expect(lowest).toBeLessThan(60 + 24);
  }, 180_000);

  // review11: pdf-lib's PDFString writes each character's low byte, unescaped: the signature panel read "Phê duyÇt sÑ
  // liÇu" and "Ph°Ýng Sài Gòn", and a name with an unmatched ")" or a "\\" broke the signature dictionary.
  it("writes the signature's reason, contact, signer and location as they are, in Vietnamese, whatever a name holds", async () => {
    const { PDFDict, PDFDocument, PDFName, PDFString, PDFHexString } = await import('pdf-lib');
    const name = 'Cán bộ PCGD :) \\ (Đà Lạt';
    const pdf = await pdfFromPackage(
      packageBytes(commonPackage({ code: '27664', name: 'Phường Sài Gòn' }, { approvedByName: name })),
      unit,
    );
    const doc = await PDFDocument.load(pdf);
    const widget = doc.getPage(0).node.Annots()!.lookup(0, PDFDict);
    const sig = widget.lookup(PDFName.of('V'), PDFDict);
    const text = (key: string) => {
      const v = sig.get(PDFName.of(key));
      return v instanceof PDFString || v instanceof PDFHexString ? v.decodeText() : undefined;
    };
    expect(text('Reason')).toBe('Phê duyệt số liệu PCGD-XMC 27664/2026 v3');
    expect(text('ContactInfo')).toBe(name);
    expect(text('Name')).toBe(unit.subject);
    expect(unit.subject).toContain('Sở GDĐT (test)');
    expect(text('Location')).toBe('Phường Sài Gòn');
    // The signature still covers the file and verifies.
    const { signedContent, signature } = pdfSignatureParts(pdf);
    expect(await verifyDetached(signedContent, signature, { trusted: [unit.certificatePem] })).toMatchObject({
      ok: true,
      trusted: true,
    });
  }, 60_000);

  it('says a reason of a level once, also from a package signed with it twice', async () => {
    const pkg = commonPackage({ code: '27664', name: 'Phường Sài Gòn' }, {}, { fiveYearOlds: false });
    const twice = {
      ...pkg,
      levels: pkg.levels.map((l) =>
        l.level === 'preschool5' ? { ...l, shortfall: [...l.shortfall, ...l.shortfall] } : l,
      ),
    };
    const text = await pdfText(await pdfFromPackage(packageBytes(twice), unit));
    const sentence = 'Không có trẻ 5 tuổi nào được điều tra';
    expect(text.split(sentence)).toHaveLength(2);
  }, 60_000);

  it("names each commune of a province's workbook beside its code (pcgd13: codes only)", async () => {
    const [a, b] = communesOfProvince('79');
    const base = commonPackage({ code: '79', name: 'Thành phố Hồ Chí Minh' }, { unitLevel: 'province' });
    const commune = (code: string) => ({
      communeCode: code,
      difficult: false,
      population: 10,
      indicators: base.indicators,
      levels: base.levels.map((l) => ({ level: l.level, met: l.met })),
      source: null,
    });
    const pkg = { ...base, communes: [commune(a!.code), commune(b!.code)] };
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await xlsxFromPackage(packageBytes(pkg))) as never);
    const rows = (wb.getWorksheet('Các xã')?.getSheetValues() ?? []).filter(Boolean) as unknown[][];
    expect(rows[0]?.slice(1, 3)).toEqual(['Mã xã', 'Tên xã']);
    expect(rows.slice(1).map((r) => r.slice(1, 3))).toEqual([
      [a!.code, a!.name],
      [b!.code, b!.name],
    ]);
  }, 60_000);
});
