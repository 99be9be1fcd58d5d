/**
 * Forms for print, generated from the SIGNED package bytes (never from the database), so they cannot
 * differ from the evidence: an `.xlsx` workbook (exceljs; Vietnamese headings, a cover sheet and one
 * sheet per standard, plus the communes of a province) and a PDF (pdf-lib with an embedded DejaVu
 * Sans for Vietnamese) carrying an embedded signature (@signpdf, adbe.pkcs7.detached) made with the
 * same CMS code and unit certificate as the package signature, which PDF readers show.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import ExcelJS from 'exceljs';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { adminUnitName } from '../../canonical/codes/admin-units.js';
import { readPackage, sha256Hex, type EvidencePackage } from './package.js';
import { INDICATOR_BY_CODE, type IndicatorCode, type Standard } from './indicators.js';
import { signDetached, type UnitSigner } from './signing.js';
import { vietnamClock } from './verify-rules.js';

const STANDARDS: ReadonlyArray<{ standard: Standard; sheet: string; title: string }> = [
  { standard: 'preschool', sheet: 'Mầm non 5 tuổi', title: 'Phổ cập giáo dục mầm non cho trẻ em 5 tuổi' },
  { standard: 'primary', sheet: 'Tiểu học', title: 'Phổ cập giáo dục tiểu học' },
  { standard: 'lower_secondary', sheet: 'THCS', title: 'Phổ cập giáo dục trung học cơ sở' },
  { standard: 'literacy', sheet: 'Xóa mù chữ', title: 'Xóa mù chữ' },
];

const LEVEL_STANDARD: Record<string, Standard> = {
  preschool5: 'preschool',
  primary_level1: 'primary',
  primary_level2: 'primary',
  primary_level3: 'primary',
  lower_secondary_level1: 'lower_secondary',
  lower_secondary_level2: 'lower_secondary',
  lower_secondary_level3: 'lower_secondary',
  literacy_level1: 'literacy',
  literacy_level2: 'literacy',
};

const LEVEL_VI: Record<string, string> = {
  preschool5: 'PCGD mầm non 5 tuổi',
  primary_level1: 'PCGD tiểu học mức độ 1',
  primary_level2: 'PCGD tiểu học mức độ 2',
  primary_level3: 'PCGD tiểu học mức độ 3',
  lower_secondary_level1: 'PCGD THCS mức độ 1',
  lower_secondary_level2: 'PCGD THCS mức độ 2',
  lower_secondary_level3: 'PCGD THCS mức độ 3',
  literacy_level1: 'XMC mức độ 1',
  literacy_level2: 'XMC mức độ 2',
};

/** Rows of one standard: its indicators (and, for a province, the communes meeting its levels). */
function indicatorRows(pkg: EvidencePackage, standard: Standard) {
  return pkg.indicators.filter((x) => {
    const def = INDICATOR_BY_CODE.get(x.code as IndicatorCode);
    if (def) return def.standard === standard;
    const level = x.code.replace(/^communes_meeting_/, '');
    return LEVEL_STANDARD[level] === standard;
  });
}

function labelOf(code: string): string {
  const def = INDICATOR_BY_CODE.get(code as IndicatorCode);
  if (def) return def.label.vi;
  const level = code.replace(/^communes_meeting_/, '');
  return `Số xã đạt ${LEVEL_VI[level] ?? level}`;
}

/** Why a level is not met, each sentence once (fix32a: a package signed before said "no 5-year-olds" twice). */
function reasonOf(shortfall: readonly unknown[]): string {
  const said = shortfall
    .map((s) => (s as { message?: { vi?: string } }).message?.vi ?? '')
    .filter((m) => m !== '');
  return [...new Set(said)].join(' ');
}

/** The zone a time of the forms is read in (fix32a: the cover showed UTC to an officer in Vietnam). */
const VIETNAM_TIME = '(giờ Việt Nam / Vietnam time, UTC+7)';
/** An instant of the package on Vietnam's clock, the zone said; a value that is no time as it came. */
const localTime = (iso: string): string => {
  const local = vietnamClock(iso);
  return local === undefined ? iso : `${local} ${VIETNAM_TIME}`;
};

/**
 * Who approved: the display name the package carries (./approver.ts), with the actor id as a note when another
 * client bears the same name; a package without a name (signed before fix32a, or an actor truc knows no name of)
 * shows the id.
 */
function approvedByOf(r: EvidencePackage['report']): { name: string; note?: string } {
  if (r.approvedByName === undefined) return { name: r.approvedBy };
  return r.approvedByNameUnique === false
    ? { name: r.approvedByName, note: r.approvedBy }
    : { name: r.approvedByName };
}

/** A line of the cover: a label, its value, and a note printed small beside it. */
type CoverRow = [label: string, value: string | number, note?: string];

function cover(pkg: EvidencePackage, digest: string): CoverRow[] {
  const r = pkg.report;
  const approver = approvedByOf(r);
  return [
    ['Đơn vị', `${r.unitName} (${r.unitCode})`],
    ['Cấp', r.unitLevel === 'commune' ? 'Xã' : 'Tỉnh'],
    ['Năm báo cáo', r.year],
    ['Phiên bản', r.version],
    ...(r.difficult !== undefined ? [['Xã ĐBKK', r.difficult ? 'Có' : 'Không'] as [string, string]] : []),
    ['Số người được tính', pkg.persons],
    ['Bộ quy tắc', `${pkg.ruleSet.version} (${pkg.ruleSet.settingsDigest})`],
    ['Phiên bản ánh xạ', pkg.mappingVersions.join(', ')],
    ['Tính lúc', localTime(r.computedAt)],
    approver.note === undefined
      ? ['Phê duyệt bởi', approver.name]
      : ['Phê duyệt bởi', approver.name, approver.note],
    ['Phê duyệt lúc', localTime(r.approvedAt)],
    ['SHA-256 của gói số liệu đã ký', digest],
    ...pkg.ruleSet.unverified.map(
      (u) =>
        // A list's items (`preschool5:100,primary_level1:100,…`) with a space after each comma, to be read.
        [
          `Chưa xác minh: ${u.setting}`,
          String(u.value as string | number | boolean).replace(/,(?=\S)/g, ', '),
        ] as [string, string],
    ),
  ];
}

/** The workbook of a signed package. */
export async function xlsxFromPackage(bytes: Uint8Array): Promise<Buffer> {
  const pkg = readPackage(bytes);
  const wb = new ExcelJS.Workbook();
  wb.creator = 'truc';
  wb.created = new Date(pkg.report.approvedAt);
  const info = wb.addWorksheet('Thông tin');
  info.columns = [
    { header: 'Mục', key: 'k', width: 40 },
    { header: 'Giá trị', key: 'v', width: 80 },
  ];
  for (const [k, v, note] of cover(pkg, sha256Hex(bytes)))
    info.addRow({ k, v: note === undefined ? v : `${v} (${note})` });
  info.getRow(1).font = { bold: true };
  for (const s of STANDARDS) {
    const ws = wb.addWorksheet(s.sheet);
    ws.addRow([s.title]).font = { bold: true, size: 13 };
    ws.addRow(['Mã chỉ tiêu', 'Chỉ tiêu', 'Tử số', 'Mẫu số', 'Tỷ lệ (%)']).font = { bold: true };
    for (const x of indicatorRows(pkg, s.standard))
      ws.addRow([x.code, labelOf(x.code), x.numerator, x.denominator, x.rate]);
    ws.addRow([]);
    ws.addRow(['Mức', 'Tên mức', 'Kết quả', 'Lý do chưa đạt']).font = { bold: true };
    for (const l of pkg.levels.filter((l) => LEVEL_STANDARD[l.level] === s.standard))
      ws.addRow([l.level, LEVEL_VI[l.level] ?? l.level, l.met ? 'Đạt' : 'Chưa đạt', reasonOf(l.shortfall)]);
    ws.columns = [{ width: 36 }, { width: 52 }, { width: 12 }, { width: 12 }, { width: 12 }];
  }
  if (pkg.communes) {
    const ws = wb.addWorksheet('Các xã');
    const head = ['Mã xã', 'Tên xã', 'ĐBKK', 'Số người', ...Object.keys(LEVEL_VI).map((l) => LEVEL_VI[l]!)];
    ws.addRow(head).font = { bold: true };
    // pcgd13: each commune by its name beside its code (the reference list's; a code it lacks left blank).
    for (const c of pkg.communes)
      ws.addRow([
        c.communeCode,
        adminUnitName(c.communeCode) ?? '',
        c.difficult ? 'Có' : 'Không',
        c.population,
        ...Object.keys(LEVEL_VI).map((l) => (c.levels.find((x) => x.level === l)?.met ? 'Đạt' : 'Chưa đạt')),
      ]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A @signpdf signer over truc's CMS code and the unit's certificate. */
class UnitPdfSigner extends Signer {
  constructor(private readonly unit: UnitSigner) {
    super();
  }
  override async sign(pdfBuffer: Buffer, signingTime?: Date): Promise<Buffer> {
    return signDetached(pdfBuffer, this.unit, signingTime ?? new Date());
  }
}

const require = createRequire(import.meta.url);
let fontBytes: Buffer | undefined;
function font(): Buffer {
  fontBytes ??= readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
  return fontBytes;
}

interface Cursor {
  doc: PDFDocument;
  page: PDFPage;
  y: number;
  /** The lowest a line's baseline may be drawn on this page: above the signature box on the first page. */
  floor: number;
  font: PDFFont;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;
/** The visible signature field on page 1 (x1, y1, x2, y2 in points from the bottom left). */
const SIGNATURE_BOX: [number, number, number, number] = [MARGIN, 20, 300, 60];
/**
 * Page 1's text stops this far above the signature box (fix32a: a long commune name or many lines ran the text
 * through the box): a baseline at least 4 pt above it keeps the descenders (about a quarter of the size) clear.
 */
const FIRST_PAGE_FLOOR = SIGNATURE_BOX[3] + 4;

/** A new page when a line of `size` would go below the page's floor (page 1: above the signature box). */
function room(c: Cursor, size: number): void {
  if (c.y - size >= c.floor) return;
  c.page = c.doc.addPage(A4);
  c.y = A4[1] - MARGIN;
  c.floor = MARGIN;
}

/**
 * Draws `text` from `x`, wrapped to the page's right margin (./forms.ts `wrap`), a new page when one is full;
 * returns where its last line ends (x) and its baseline.
 */
function line(c: Cursor, text: string, opts: { size?: number; x?: number } = {}): { end: number; y: number } {
  const size = opts.size ?? 9;
  const x = opts.x ?? MARGIN;
  let last = { end: x, y: c.y - size };
  for (const l of wrap(text, (t) => c.font.widthOfTextAtSize(t, size), A4[0] - MARGIN - x)) {
    room(c, size);
    c.page.drawText(l, { x, y: c.y - size, size, font: c.font, color: rgb(0, 0, 0) });
    last = { end: x + c.font.widthOfTextAtSize(l, size), y: c.y - size };
    c.y -= size + 4;
  }
  return last;
}

/** A line with a note in small type beside its end (under it when it does not fit there). */
function lineWithNote(c: Cursor, text: string, note: string): void {
  const size = 7;
  const at = line(c, text);
  const x = at.end + 4;
  if (x + c.font.widthOfTextAtSize(note, size) <= A4[0] - MARGIN)
    c.page.drawText(note, { x, y: at.y, size, font: c.font, color: rgb(0.3, 0.3, 0.3) });
  else line(c, note, { size, x: MARGIN + 12 });
}

function row(c: Cursor, cells: Array<string | number | null>, xs: number[], size = 8): void {
  room(c, size);
  cells.forEach((cell, i) => {
    const text = cell === null ? '—' : String(cell);
    c.page.drawText(text, { x: xs[i]!, y: c.y - size, size, font: c.font });
  });
  c.y -= size + 4;
}

/**
 * Wraps text into lines no wider than `max` (as `widthOf` measures them), on spaces; a word wider than a
 * line (a setting's value of 170 characters, review31 F2) is broken where it must.
 */
function wrap(text: string, widthOf: (t: string) => number, max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const joined = cur === '' ? word : `${cur} ${word}`;
    if (widthOf(joined) <= max) {
      cur = joined;
      continue;
    }
    if (cur !== '') out.push(cur);
    cur = '';
    for (const ch of word) {
      if (cur !== '' && widthOf(cur + ch) > max) {
        out.push(cur);
        cur = '';
      }
      cur += ch;
    }
  }
  if (cur !== '' || out.length === 0) out.push(cur);
  return out;
}

/**
 * A text of the signature dictionary (Reason, ContactInfo, Name, Location) as the bytes of a PDF literal string that
 * @signpdf's placeholder writes verbatim (pdf-lib's `PDFString.of` neither encodes nor escapes: review11, every
 * signed PDF's signature panel read "Phê duyÇt sÑ liÇu", "Sß GD\x10T", and a name with an unmatched ")" or a "\"
 * broke the dictionary): UTF-16BE with its byte-order mark (PDF 32000 §7.9.2.2), each byte that is not a printable
 * ASCII character, and "(", ")" and "\", as an octal escape.
 */
function pdfTextBytes(text: string): string {
  const utf16 = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  let out = '';
  for (const b of utf16)
    out +=
      b >= 0x20 && b <= 0x7e && b !== 0x28 && b !== 0x29 && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\${b.toString(8).padStart(3, '0')}`;
  return out;
}

/** The printable PDF of a signed package, signed with the unit's certificate (a visible signature field). */
export async function pdfFromPackage(bytes: Uint8Array, unit: UnitSigner): Promise<Buffer> {
  const pkg = readPackage(bytes);
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const f = await doc.embedFont(font(), { subset: true });
  doc.setTitle(`PCGD-XMC ${pkg.report.unitCode} ${pkg.report.year} v${pkg.report.version}`);
  doc.setCreator('truc');
  doc.setCreationDate(new Date(pkg.report.approvedAt));
  const c: Cursor = { doc, page: doc.addPage(A4), y: A4[1] - MARGIN, floor: FIRST_PAGE_FLOOR, font: f };
  line(c, 'BÁO CÁO KẾT QUẢ PHỔ CẬP GIÁO DỤC – XÓA MÙ CHỮ', { size: 14 });
  for (const [k, v, note] of cover(pkg, sha256Hex(bytes)))
    if (note === undefined) line(c, `${k}: ${v}`);
    else lineWithNote(c, `${k}: ${v}`, note);
  const xs = [MARGIN, MARGIN + 250, MARGIN + 330, MARGIN + 400, MARGIN + 470];
  for (const s of STANDARDS) {
    c.y -= 6;
    line(c, s.title, { size: 11 });
    row(c, ['Chỉ tiêu', 'Tử số', 'Mẫu số', 'Tỷ lệ (%)'], [xs[0]!, xs[2]!, xs[3]!, xs[4]!]);
    for (const x of indicatorRows(pkg, s.standard))
      row(c, [labelOf(x.code), x.numerator, x.denominator, x.rate], [xs[0]!, xs[2]!, xs[3]!, xs[4]!]);
    for (const l of pkg.levels.filter((l) => LEVEL_STANDARD[l.level] === s.standard)) {
      line(c, `${LEVEL_VI[l.level] ?? l.level}: ${l.met ? 'Đạt' : 'Chưa đạt'}`);
      if (!l.met) line(c, reasonOf(l.shortfall), { x: MARGIN + 12, size: 8 });
    }
  }
  if (pkg.communes) {
    c.y -= 6;
    line(c, 'Các xã', { size: 11 });
    for (const cm of pkg.communes) {
      const met = cm.levels.filter((l) => l.met).map((l) => l.level);
      line(
        c,
        `${cm.communeCode}${cm.difficult ? ' (ĐBKK)' : ''}: ${cm.population} người; đạt: ${met.join(', ') || '—'}`,
        { size: 8 },
      );
    }
  }
  const approver = approvedByOf(pkg.report);
  pdflibAddPlaceholder({
    pdfDoc: doc,
    pdfPage: doc.getPage(0),
    reason: pdfTextBytes(
      `Phê duyệt số liệu PCGD-XMC ${pkg.report.unitCode}/${pkg.report.year} v${pkg.report.version}`,
    ),
    contactInfo: pdfTextBytes(
      approver.note === undefined ? approver.name : `${approver.name} (${approver.note})`,
    ),
    name: pdfTextBytes(unit.subject),
    location: pdfTextBytes(pkg.report.unitName),
    signatureLength: 16_384,
    widgetRect: SIGNATURE_BOX,
    appName: 'truc',
  });
  const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
  return new SignPdf().sign(unsigned, new UnitPdfSigner(unit), new Date(pkg.report.approvedAt));
}

/** The ByteRange-covered bytes and the CMS signature of a signed PDF (for verification). */
export function pdfSignatureParts(pdf: Buffer): { signedContent: Buffer; signature: Buffer } {
  const text = pdf.toString('latin1');
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text);
  if (!m) throw new Error('no /ByteRange in the PDF');
  const [a, b, c, d] = m.slice(1, 5).map(Number) as [number, number, number, number];
  const signedContent = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  // /Contents <hex…> is zero-padded: the DER's own length says where the signature ends.
  const raw = Buffer.from(pdf.subarray(a + b + 1, c - 1).toString('latin1'), 'hex');
  const lenByte = raw[1] ?? 0;
  const n = lenByte & 0x7f;
  const total =
    lenByte < 0x80 ? 2 + lenByte : 2 + n + raw.subarray(2, 2 + n).reduce((acc, x) => acc * 256 + x, 0);
  return { signedContent, signature: raw.subarray(0, total) };
}
