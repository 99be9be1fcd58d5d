import { describe, expect, it } from 'vitest';
import {
  CommuneCodeSchema,
  EmailSchema,
  EthnicityCodeSchema,
  IsoDateSchema,
  PersonNameSchema,
  PersonalIdSchema,
  PhoneSchema,
  ProvinceCodeSchema,
  YearSchema,
  canonicalMessageVi,
  opaqueCode,
  text,
} from '../../../src/canonical/index.js';

const NFD_NAME = 'Nguyễn Thị Hồng'.normalize('NFD');

describe('IsoDateSchema', () => {
  it.each(['2024-02-29', '2025-01-31', '2025-12-31', '1900-01-01', '2100-12-31', ' 2025-09-05 '])(
    'accepts %j',
    (value) => {
      expect(IsoDateSchema.safeParse(value).success).toBe(true);
    },
  );

  it.each([
    '2025-02-30',
    '2025-02-29',
    '1900-02-29',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '05/09/2025',
    '2025-9-5',
    '2025-09-05T00:00:00Z',
    '1899-12-31',
    '2101-01-01',
    '',
    '２０２５-０１-０１',
  ])('rejects %j', (value) => {
    expect(IsoDateSchema.safeParse(value).success).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(IsoDateSchema.safeParse(20250101).success).toBe(false);
    expect(IsoDateSchema.safeParse(new Date()).success).toBe(false);
  });
});

describe('text()', () => {
  const schema = text(10);

  it('trims, collapses spaces and normalises to NFC', () => {
    expect(schema.parse('  a \u00a0  b  ')).toBe('a b');
    const parsed = PersonNameSchema.parse(`  ${NFD_NAME}  `);
    expect(parsed).toBe('Nguyễn Thị Hồng');
    expect(parsed).toBe(parsed.normalize('NFC'));
    expect(NFD_NAME).not.toBe(parsed);
  });

  it('counts length after normalisation', () => {
    expect(text(15).safeParse(NFD_NAME).success).toBe(true);
    expect(text(14).safeParse(NFD_NAME).success).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(11)],
    ['NUL', 'a\u0000b'],
    ['escape', 'a\u001bb'],
    ['DEL', 'a\u007fb'],
    ['C1 control', 'a\u0085b'],
    ['bidi override', 'a\u202eb'],
    ['bidi isolate', 'a\u2066b'],
    ['zero width space', 'a\u200bb'],
    ['lone surrogate', 'a\ud800b'],
    ['private use', 'a\ue000b'],
    ['not a string', 42],
  ])('rejects %s', (_label, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });

  it('turns inner whitespace (tabs, newlines, BOM, line separators) into a single space', () => {
    expect(schema.parse('a\t\nb')).toBe('a b');
    expect(schema.parse('a\u2028\u2029b')).toBe('a b');
    expect(schema.parse('\ufeffa\ufeffb')).toBe('a b');
  });
});

describe('PersonNameSchema', () => {
  it.each([
    'Nguyễn Văn An',
    "H'Hen Niê",
    'Y-Moan Ênuôl',
    'Lò Thị Mai',
    'John O’Neil Jr.',
    'Đặng Thị Ngọc Hân',
  ])('accepts %j', (value) => {
    expect(PersonNameSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    '<script>alert(1)</script>',
    "Robert'); DROP TABLE students;--",
    'Nguyễn Văn 2',
    '---',
    "'",
    '=HYPERLINK("x")',
    'x'.repeat(101),
    'Nguyễn\u202eVăn',
  ])('rejects %j', (value) => {
    expect(PersonNameSchema.safeParse(value).success).toBe(false);
  });
});

describe('identifier formats', () => {
  it.each([
    ['personalId', PersonalIdSchema, '079205001234', true],
    ['personalId', PersonalIdSchema, ' 079205001234 ', true],
    ['personalId', PersonalIdSchema, '07920500123', false],
    ['personalId', PersonalIdSchema, '0792050012345', false],
    ['personalId', PersonalIdSchema, '07920500123a', false],
    ['personalId', PersonalIdSchema, '０７９２０５００１２３４', false],
    ['personalId', PersonalIdSchema, 79205001234, false],
    ['commune', CommuneCodeSchema, '25747', true],
    ['commune', CommuneCodeSchema, '2574', false],
    ['commune', CommuneCodeSchema, '257470', false],
    ['province', ProvinceCodeSchema, '79', true],
    ['province', ProvinceCodeSchema, '079', false],
    ['province', ProvinceCodeSchema, '7', false],
    ['ethnicity', EthnicityCodeSchema, '01', true],
    ['ethnicity', EthnicityCodeSchema, '56', true],
    ['ethnicity', EthnicityCodeSchema, '1', false],
    ['ethnicity', EthnicityCodeSchema, '00', false],
    ['ethnicity', EthnicityCodeSchema, '57', false],
    ['code', opaqueCode(32), 'SCH-79.001_a', true],
    ['code', opaqueCode(32), 'x'.repeat(33), false],
    ['code', opaqueCode(32), 'a b', false],
    ['code', opaqueCode(32), 'a/b', false],
    ['code', opaqueCode(32), '', false],
    ['code', opaqueCode(32), 'mã', false],
  ] as const)('%s %j → %s', (_label, schema, value, ok) => {
    expect(schema.safeParse(value).success).toBe(ok);
  });
});

describe('phone, email, year', () => {
  it('normalises phone separators', () => {
    expect(PhoneSchema.parse('028 3829.1234')).toBe('02838291234');
    expect(PhoneSchema.parse('+84 90 123 4567')).toBe('+84901234567');
  });

  it.each(['12345', '0123', '090-ABC-1234', '+84', '0'.repeat(12)])('rejects phone %j', (value) => {
    expect(PhoneSchema.safeParse(value).success).toBe(false);
  });

  it('lower-cases email and rejects bad ones', () => {
    expect(EmailSchema.parse(' GV.An@Truong.EDU.vn ')).toBe('gv.an@truong.edu.vn');
    expect(EmailSchema.safeParse('not-an-email').success).toBe(false);
    expect(EmailSchema.safeParse('a@b').success).toBe(false);
  });

  it.each([
    [2025, true],
    [1900, true],
    [1899, false],
    [2101, false],
    [2025.5, false],
    ['2025', false],
  ])('year %j → %s', (value, ok) => {
    expect(YearSchema.safeParse(value).success).toBe(ok);
  });
});

describe('bilingual messages', () => {
  it('every issue raised by a canonical field has a Vietnamese text', () => {
    const issues = [
      ...(IsoDateSchema.safeParse('2025-02-30').error?.issues ?? []),
      ...(IsoDateSchema.safeParse('x').error?.issues ?? []),
      ...(PersonalIdSchema.safeParse('1').error?.issues ?? []),
      ...(text(5).safeParse('toolong').error?.issues ?? []),
      ...(text(5).safeParse('a\u0000').error?.issues ?? []),
    ];
    expect(issues).toHaveLength(5);
    for (const issue of issues) expect(canonicalMessageVi(issue.message)).toMatch(/\S/);
  });
});
