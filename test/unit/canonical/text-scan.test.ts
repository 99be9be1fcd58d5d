/**
 * The one-pass text scan (`textScan`) against what it stands for: the plainness test, the name test,
 * and the regular-expression definitions of the mojibake hint, the replacement character and proper
 * case, on real Vietnamese strings, mojibake, NFD input and random mixes of the characters that matter.
 */
import { describe, expect, it } from 'vitest';
import { TEXT_FLAG, TEXT_SCAN, properCaseName, textScan } from '../../../src/canonical/vietnamese.js';
import { toTcvn3Mojibake, toVniMojibake } from '../../../src/canonical/legacy-encodings.js';
import { isNameText, isPlainCleanText, isPlainLetter } from '../../../src/canonical/text.js';

/** What the flags mean, by the slow definitions. */
function expected(s: string): number {
  const hint =
    /[¨©ª«¬\u00ad®¡-§¸µ¶·¹¾»¼½ÄÅÆÇËÎÏÑÖØÛÜßäåæçëîïñöøûüÿÐÞþ×÷]|[aeAE][âáàåãäÂÁÀÅÃÄ]|[aA][êéèúüëÊÉÈÚÜË]|[aeiouyAEIOUY][ùøûõïÙØÛÕÏ]|[oO][âÂ]|[a-zß-ÿ][À-Þ]|[àèìòùãõ](?:c|ch|p|t)(?![\p{L}])/u;
  return (
    (hint.test(s) ? TEXT_FLAG.mojibake : 0) |
    (s.includes('\ufffd') ? TEXT_FLAG.replacement : 0) |
    (properCaseName(s) === s ? 0 : TEXT_FLAG.notProperCase)
  );
}

const REAL = [
  'Nguyễn Văn An',
  'Lê Thị Lan',
  'Đặng Quốc Bảo',
  "H'Hen Niê",
  'Y-Moan Ksor',
  'NGUYỄN VĂN AN',
  'nguyễn văn an',
  'Trường THCS Nguyễn Du',
  '12 Lê Lợi, Phường Bến Nghé',
  'McDonald',
  'Müller',
  'Nguyễn  Văn An',
  ' Nguyễn Văn An',
  'Nguyễn Văn An ',
  'Nguyê\u0303n Văn An',
  'Lê\u200bThị',
  'Lê Thị \ufffd',
  'Lê\tThị',
  '',
  'x',
  '0000',
  '. -',
];

describe('textScan', () => {
  const all = [...REAL, ...REAL.map(toVniMojibake), ...REAL.map(toTcvn3Mojibake)];

  it.each(all)('flags %j as the regular expressions do', (s) => {
    expect(textScan(s) & 7).toBe(expected(s));
  });

  it.each(all)('says whether %j is plain clean text and a plain name', (s) => {
    const scan = textScan(s);
    const plain = (scan & TEXT_SCAN.plain) !== 0;
    expect(plain).toBe(isPlainCleanText(s));
    if (plain) expect((scan & TEXT_SCAN.plainName) !== 0).toBe(isNameText(s));
    // Plain text is already normal.
    if (plain) expect(s.normalize('NFC').replace(/\s+/g, ' ').trim()).toBe(s);
  });

  it('agrees with the definitions on random mixes of the characters that matter', () => {
    // (Caseless letters such as ª split words in the scan, not in properCaseName: left out.)
    // Every class of previous character the mojibake signs tell apart (a A e E o O i I y Y, other
    // lower case b ß ÿ, anything else), Latin-1 capitals, soft hyphen, NBSP, ×.
    const alphabet = [
      ..."aeoutcphAEOUTCHmniyIYbßÿÐÞ× .-'1áàâãäåèéêëìíòóôõöùúûüýÀÂÃÈÉÊÔÕÙÚ¨©¸µăđơưĐẠễệọ\u00ad\u00a0\ufffd\t",
    ];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 20000; k++) {
      let s = '';
      const len = 1 + Math.floor(next() * 12);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      expect(textScan(s) & 7, JSON.stringify(s)).toBe(expected(s));
      const plain = (textScan(s) & TEXT_SCAN.plain) !== 0;
      // Plain: non-empty, single inner spaces, only printable ASCII and plain letters.
      const byDefinition =
        /^[^ ](?:[^ ]| (?! ))*$/u.test(s) &&
        [...s].every((ch) => {
          const c = ch.charCodeAt(0);
          return (c >= 0x20 && c <= 0x7e) || isPlainLetter(c);
        });
      expect(plain, JSON.stringify(s)).toBe(byDefinition && !s.endsWith(' '));
    }
  });
});
