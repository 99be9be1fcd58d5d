import { describe, expect, it } from 'vitest';
import {
  codesOf,
  defineCodeList,
  entryOf,
  foldKey,
  looseKey,
  normaliseKey,
  resolveCode,
  type CodeList,
} from '../../../src/canonical/index.js';

const COLOURS: CodeList<'red' | 'blue' | 'dark_blue'> = {
  id: 'test-colours',
  version: '1',
  effectiveFrom: '2025-01-01',
  source: 'test',
  entries: [
    { code: 'red', labelVi: 'Đỏ', labelEn: 'Red', aliases: ['R'] },
    { code: 'blue', labelVi: 'Xanh dương', labelEn: 'Blue', aliases: ['Xanh'] },
    { code: 'dark_blue', labelVi: 'Xanh đậm', labelEn: 'Dark blue', aliases: ['Xanh dam'] },
  ],
};

describe('key normalisation', () => {
  it('normaliseKey: NFC, trim, lower case, collapsed whitespace', () => {
    expect(normaliseKey('  ĐỎ \u00a0 Tươi ')).toBe('đỏ tươi');
    expect(normaliseKey('Đỏ'.normalize('NFD'))).toBe('đỏ');
  });

  it('foldKey strips diacritics and maps đ to d', () => {
    expect(foldKey('Đắk Lắk')).toBe('dak lak');
    expect(foldKey("H'Mông")).toBe("h'mong");
  });

  it('looseKey also drops punctuation and spaces', () => {
    expect(looseKey("H'Mông")).toBe('hmong');
    expect(looseKey('Lớp 1')).toBe('lop1');
    expect(looseKey('Khơ-me')).toBe('khome');
  });
});

describe('resolveCode', () => {
  it.each([
    ['red', 'red'],
    ['Đỏ', 'red'],
    ['  đỏ  ', 'red'],
    ['ĐỎ', 'red'],
    ['Đỏ'.normalize('NFD'), 'red'],
    ['do', 'red'],
    ['Red', 'red'],
    ['r', 'red'],
    ['Xanh dương', 'blue'],
    ['xanh  duong', 'blue'],
    ['Xanh-Dương', 'blue'],
    ['XANH', 'blue'],
    ['Xanh đậm', 'dark_blue'],
    ['dark_blue', 'dark_blue'],
  ])('%j → %s', (raw, code) => {
    expect(resolveCode(COLOURS, raw)).toBe(code);
  });

  it.each(['', '   ', 'green', 'xanh la', 'Đỏ tươi'])('%j → undefined', (raw) => {
    expect(resolveCode(COLOURS, raw)).toBeUndefined();
  });

  it('returns undefined for null and undefined and stringifies numbers', () => {
    expect(resolveCode(COLOURS, null)).toBeUndefined();
    expect(resolveCode(COLOURS, undefined)).toBeUndefined();
    const numbers = defineCodeList({
      id: 'n',
      version: '1',
      effectiveFrom: '2025-01-01',
      source: 'test',
      entries: [{ code: 'one', labelVi: 'Một', labelEn: 'One', aliases: ['1'] }],
    });
    expect(resolveCode(numbers, 1)).toBe('one');
  });

  it('does not guess when a loose key is shared by two codes', () => {
    const list = defineCodeList({
      id: 'ambiguous',
      version: '1',
      effectiveFrom: '2025-01-01',
      source: 'test',
      entries: [
        { code: 'a', labelVi: 'Mã', labelEn: 'A', aliases: [] },
        { code: 'b', labelVi: 'Má', labelEn: 'B', aliases: [] },
      ],
    });
    expect(resolveCode(list, 'Mã')).toBe('a');
    expect(resolveCode(list, 'má')).toBe('b');
    expect(resolveCode(list, 'ma')).toBeUndefined();
    expect(resolveCode(list, 'M-A')).toBeUndefined();
  });

  it('resolves 100,000 lookups with the same answers each time (speed is for npm run bench)', () => {
    const inputs = ['Đỏ', 'xanh duong', 'XANH ĐẬM', 'nothing'];
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (resolveCode(COLOURS, inputs[i % 4]) !== undefined) hits++;
    expect(hits).toBe(75_000);
  });
});

describe('defineCodeList', () => {
  it('rejects duplicate codes and spellings that mean two codes', () => {
    const base = { id: 'bad', version: '1', effectiveFrom: '2025-01-01', source: 'test' };
    expect(() =>
      defineCodeList({
        ...base,
        entries: [
          { code: 'x', labelVi: 'X', labelEn: 'X', aliases: [] },
          { code: 'x', labelVi: 'Y', labelEn: 'Y', aliases: [] },
        ],
      }),
    ).toThrow(/duplicate code x/);
    expect(() =>
      defineCodeList({
        ...base,
        entries: [
          { code: 'x', labelVi: 'Một', labelEn: 'X', aliases: ['1'] },
          { code: 'y', labelVi: 'Hai', labelEn: 'Y', aliases: [' MỘT '] },
        ],
      }),
    ).toThrow(/means both x and y/);
  });

  it('freezes the list', () => {
    const list = defineCodeList({ ...COLOURS, entries: COLOURS.entries.map((e) => ({ ...e })) });
    expect(Object.isFrozen(list)).toBe(true);
    expect(Object.isFrozen(list.entries[0])).toBe(true);
    expect(codesOf(list)).toEqual(['red', 'blue', 'dark_blue']);
    expect(entryOf(list, 'blue')?.labelVi).toBe('Xanh dương');
    expect(entryOf(list, 'green')).toBeUndefined();
  });
});
