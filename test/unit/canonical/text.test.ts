import { describe, expect, it } from 'vitest';
import {
  TEXT_CHANGE,
  hasNoForbiddenChars,
  isNameText,
  isPlainCleanText,
  isPlainLetter,
  normaliseText,
  textChanges,
} from '../../../src/canonical/text.js';

describe('isPlainLetter', () => {
  it('admits only characters that are their own NFC form and are letters', () => {
    for (let c = 0; c <= 0xffff; c++) {
      if (!isPlainLetter(c)) continue;
      const ch = String.fromCharCode(c);
      expect(ch.normalize('NFC'), `U+${c.toString(16)}`).toBe(ch);
      expect(/\p{L}/u.test(ch), `U+${c.toString(16)} is a letter`).toBe(true);
    }
  });

  it('covers every precomposed Vietnamese letter', () => {
    const vi = 'aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ';
    for (const ch of vi + vi.toUpperCase()) expect(isPlainLetter(ch.charCodeAt(0)), ch).toBe(true);
  });
});

describe('normaliseText', () => {
  it('returns clean text as the same string', () => {
    const s = 'Nguyễn Thị Hồng';
    expect(isPlainCleanText(s)).toBe(true);
    expect(normaliseText(s)).toBe(s);
    expect(textChanges(s)).toBe(0);
  });

  it.each([
    ['  Lê Văn  Tám ', 'Lê Văn Tám', TEXT_CHANGE.trim | TEXT_CHANGE.spaces],
    ['Lê\tVăn', 'Lê Văn', TEXT_CHANGE.spaces],
    ['Lê\u00a0Văn', 'Lê Văn', TEXT_CHANGE.spaces],
    ['Nguyễn Văn An'.normalize('NFD'), 'Nguyễn Văn An', TEXT_CHANGE.nfc],
    [' Hồng'.normalize('NFD'), 'Hồng', TEXT_CHANGE.nfc | TEXT_CHANGE.trim],
  ])('%j → %j', (input, output, mask) => {
    expect(isPlainCleanText(input)).toBe(false);
    expect(normaliseText(input)).toBe(output);
    expect(textChanges(input)).toBe(mask);
  });

  it('is not fooled by a scan remembered from another string', () => {
    expect(isPlainCleanText('An')).toBe(true);
    expect(isPlainCleanText('An ')).toBe(false);
    expect(isPlainCleanText('An')).toBe(true);
  });
});

describe('hasNoForbiddenChars / isNameText', () => {
  it.each([
    'a\u0000b',
    'a\u0085b',
    'a\u00adb',
    'a\u200bb',
    'a\u202eb',
    'a\u0600b',
    'a\u180eb',
    'a\ue000b',
    'a\ud800b',
  ])('refuses %j', (s) => {
    expect(hasNoForbiddenChars(s)).toBe(false);
    expect(isNameText(s)).toBe(false);
  });

  it.each(['Nguyễn Văn An', "H'Hen Niê", 'Y-Moan Ênuôl', 'John O’Neil Jr.', '李小龍', 'Đặng Thị Ngọc Hân'])(
    'accepts the name %j',
    (s) => {
      expect(hasNoForbiddenChars(s)).toBe(true);
      expect(isNameText(s)).toBe(true);
    },
  );

  it.each(['Nguyễn Văn 2', '---', "'", 'A<b>', '=HYPERLINK("x")'])('refuses the name %j', (s) => {
    expect(isNameText(s)).toBe(false);
  });
});
