/**
 * Vietnamese text repair: proper-case names, a Vietnamese-syllable test, and detection and repair of
 * VNI-Windows and TCVN3 (ABC) mojibake — text typed with a legacy 8-bit font and read back as
 * Windows-1252 ("Nguyeãn Vaên An", "NguyÔn V¨n An" for "Nguyễn Văn An"). Pure; used by the quality
 * cleaners and, for wire text, by the mappings. The two encodings' tables, decoders and encoders are in
 * ./legacy-encodings.ts.
 */
import { decodeTcvn3, decodeVni, RESIDUE, TCVN3_SYMBOLS } from './legacy-encodings.js';

const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/gu;
const ONSET = '(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnprstvx])?';
/** Nuclei with their glides, longest first (ươu, iêu, …, a). */
const NUCLEUS =
  '(?:ươu|ươi|uyê|uyu|uya|uôi|uây|oai|oay|oao|oeo|iêu|yêu|ươ|uô|iê|yê|ưa|ưi|ưu|ia|iu|ua|ui|uy|uê|uơ|uâ|oa|oă|oe|oo|oi|ôi|ơi|ai|ao|au|ay|âu|ây|eo|êu|a|ă|â|e|ê|i|o|ô|ơ|u|ư|y)';
const CODA = '(?:ch|nh|ng|c|m|n|p|t)?';
const SYLLABLE = new RegExp(`^${ONSET}${NUCLEUS}${CODA}$`, 'u');
const STOP_CODA = /(?:c|ch|p|t)$/u;

/**
 * True when `word` (one word, any case, NFC or not) is a well-formed Vietnamese syllable: an onset,
 * a vowel nucleus with its glides, a final consonant, at most one tone mark, and only the sắc or
 * nặng tone after a final stop.
 */
export function isVietnameseSyllable(word: string): boolean {
  const nfd = word.normalize('NFD').toLowerCase();
  const tones = nfd.match(TONE_MARKS);
  if (tones && tones.length > 1) return false;
  const base = nfd.replace(TONE_MARKS, '').normalize('NFC');
  if (!SYLLABLE.test(base)) return false;
  // A syllable closed by a stop (-c, -ch, -p, -t) takes only the sắc or nặng tone.
  return !STOP_CODA.test(base) || (tones !== null && (tones[0] === '\u0301' || tones[0] === '\u0323'));
}

const NAME_WORD = /\p{L}[\p{L}\p{M}]*/gu;

function properCaseWord(word: string): string {
  const lower = word.toLowerCase();
  const upper = word.toUpperCase();
  const first = word.charAt(0);
  // All lower case, all upper case, or starting lower case: first letter up, the rest as it should be.
  if (word === lower || word === upper) return first.toUpperCase() + lower.slice(first.length);
  if (first === first.toLowerCase()) return first.toUpperCase() + word.slice(first.length);
  // Capitalised with inner capitals ('McDonald'): left as written.
  return word;
}

/**
 * A person's name in proper case: words written all upper case or all lower case, or starting with a
 * lower-case letter, get a capital first letter and lower case after it ('NGUYỄN văn an' →
 * 'Nguyễn Văn An', "h'hen niê" → "H'Hen Niê", 'y-moan' → 'Y-Moan'); a capitalised word with inner
 * capitals ('McDonald') is left as written.
 */
export function properCaseName(name: string): string {
  return name.replace(NAME_WORD, properCaseWord);
}

/** Case of each UTF-16 code unit below U+2000: 1 upper-case letter, 2 lower-case letter, 3 combining mark, 0 other. */
const CASE = (() => {
  const table = new Uint8Array(0x2000);
  for (let c = 0; c < 0x2000; c++) {
    const ch = String.fromCharCode(c);
    if (/\p{M}/u.test(ch)) table[c] = 3;
    else if (!/\p{L}/u.test(ch)) table[c] = 0;
    else if (ch !== ch.toLowerCase()) table[c] = 1;
    else table[c] = ch !== ch.toUpperCase() ? 2 : 0;
  }
  return table;
})();

/** True when a name is already in proper case (see `properCaseName`); a char-code scan for Latin text. */
export function isProperCaseName(name: string): boolean {
  return (textFlags(name) & TEXT_FLAG.notProperCase) === 0;
}

// --- detection and repair ----------------------------------------------------------------------------

/** The legacy encodings whose mojibake is recognised. */
export type LegacyEncoding = 'vni' | 'tcvn3';

/** What `repairMojibake` found. */
export type MojibakeResult =
  | { readonly kind: 'clean' }
  | { readonly kind: 'repaired'; readonly encoding: LegacyEncoding; readonly value: string }
  | { readonly kind: 'unrepairable' };

const CLEAN: MojibakeResult = Object.freeze({ kind: 'clean' });
const UNREPAIRABLE: MojibakeResult = Object.freeze({ kind: 'unrepairable' });
const WORDS = /[\p{L}\p{M}\u00a1-\u00bf\u00d7\u00f7]+/gu;

/**
 * True when the decoding fixes the text: every word it changed is a Vietnamese syllable afterwards,
 * and at least one of them was not before.
 */
function fits(original: string, decoded: string): boolean {
  if (decoded === original) return false;
  const before = original.match(WORDS) ?? [];
  const after = decoded.match(WORDS) ?? [];
  if (before.length !== after.length) return false;
  let fixed = false;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    if (!isVietnameseSyllable(after[i]!)) return false;
    if (!isVietnameseSyllable(before[i]!)) fixed = true;
  }
  return fixed;
}

/**
 * Cheap pre-test, run before any decoding: a TCVN3 symbol or a Latin-1 letter Vietnamese never uses,
 * a VNI modifier right after a vowel, a Latin-1 capital inside a lower-case word, or a grave, hook or
 * tilde vowel before a final stop (impossible in Vietnamese: TCVN3's ố, ộ… show as è, é…).
 */
const MOJIBAKE_HINT =
  /[¨©ª«¬\u00ad®¡-§¸µ¶·¹¾»¼½ÄÅÆÇËÎÏÑÖØÛÜßäåæçëîïñöøûüÿÐÞþ×÷]|[aeAE][âáàåãäÂÁÀÅÃÄ]|[aA][êéèúüëÊÉÈÚÜË]|[aeiouyAEIOUY][ùøûõïÙØÛÕÏ]|[oO][âÂ]|[a-zß-ÿ][À-Þ]|[àèìòùãõ](?:c|ch|p|t)(?![\p{L}])/u;

/** What `textFlags` noticed, as bits. */
export const TEXT_FLAG = {
  /** May hold VNI or TCVN3 mojibake (see MOJIBAKE_HINT). */
  mojibake: 1,
  /** Holds U+FFFD, the replacement character. */
  replacement: 2,
  /** Not in proper case as a person's name (see `properCaseName`). */
  notProperCase: 4,
} as const;

const set = (chars: string): Uint8Array => {
  const t = new Uint8Array(0x100);
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
};
const RESIDUE_CHARS = set('¨©ª«¬\u00ad®¡¢£¤¥¦§¸µ¶·¹¾»¼½ÄÅÆÇËÎÏÑÖØÛÜßäåæçëîïñöøûüÿÐÞþ×÷');
const VOWELS = set('aeiouyAEIOUY');
const AFTER_AE = set('âáàåãäÂÁÀÅÃÄ');
const AFTER_A = set('êéèúüëÊÉÈÚÜË');
const AFTER_VOWEL = set('ùøûõïÙØÛÕÏ');
const GRAVE_TILDE = set('àèìòùãõ');

/** True when `s[i..]` is a final stop (c, ch, p, t) ending the word. */
function stopCodaAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c !== 0x63 && c !== 0x70 && c !== 0x74) return false;
  const j = c === 0x63 && s.charCodeAt(i + 1) === 0x68 ? i + 2 : i + 1;
  const after = j < s.length ? s.charCodeAt(j) : 0x20;
  return after >= 0x2000 ? false : CASE[after] === 0;
}

/** `latin1Sign`: not a sign, a sign, or a sign only when a final stop follows. */
const NO_SIGN = 0;
const SIGN = 1;
const SIGN_BEFORE_STOP = 2;

/**
 * Whether the Latin-1 character `c`, after the character `prev`, is a sign of mojibake (see
 * MOJIBAKE_HINT): a TCVN3 symbol or a Latin-1 letter Vietnamese never uses, a VNI modifier right
 * after a vowel, a Latin-1 capital inside a lower-case word, or (SIGN_BEFORE_STOP) a grave or tilde
 * vowel, which is one only before a final stop.
 */
function latin1Sign(c: number, prev: number): number {
  if (RESIDUE_CHARS[c] === 1) return SIGN;
  if (prev <= 0xff && VOWELS[prev] === 1) {
    const p = prev | 0x20;
    if (AFTER_VOWEL[c] === 1) return SIGN;
    if (AFTER_AE[c] === 1 && (p === 0x61 || p === 0x65 || (p === 0x6f && (c === 0xe2 || c === 0xc2))))
      return SIGN;
    if (AFTER_A[c] === 1 && p === 0x61) return SIGN;
  }
  if (c >= 0xc0 && c <= 0xde && ((prev >= 0x61 && prev <= 0x7a) || (prev >= 0xdf && prev <= 0xff)))
    return SIGN;
  return GRAVE_TILDE[c] === 1 ? SIGN_BEFORE_STOP : NO_SIGN;
}

/**
 * What `latin1Sign` asks of the previous character, as a class: a, A, e, E, o, O, another vowel in
 * lower case (i u y) or upper case (I U Y), another lower-case letter (a–z, U+00DF–U+00FF), anything
 * else. One character of each class stands for all of it.
 */
const PREV_CLASS_OF = ' aAeEoOiIb';

function prevClassOf(c: number): number {
  const ch = String.fromCharCode(c);
  const k = 'aAeEoO'.indexOf(ch);
  if (k >= 0) return k + 1;
  if ('iuy'.includes(ch)) return 7;
  if ('IUY'.includes(ch)) return 8;
  return (c >= 0x61 && c <= 0x7a) || (c >= 0xdf && c <= 0xff) ? 9 : 0;
}

/** `latin1Sign(c, prev)` for every Latin-1 `c`, at `prevClassOf(prev) << 8 | c`. */
const SIGNS = (() => {
  const table = new Uint8Array(PREV_CLASS_OF.length << 8);
  for (let k = 0; k < PREV_CLASS_OF.length; k++) {
    for (let c = 0xa1; c <= 0xff; c++) table[(k << 8) | c] = latin1Sign(c, PREV_CLASS_OF.charCodeAt(k));
  }
  return table;
})();

/** Bits of `textScan` beyond the `TEXT_FLAG` ones (which it returns in its low three bits). */
export const TEXT_SCAN = {
  /**
   * Non-empty, made only of printable ASCII and plain letters (see `isPlainLetter`), with single
   * spaces between words and none at either end: NFC, trimmed, collapsed, no control or invisible character.
   */
  plain: 8,
  /** Plain, and only letters, spaces, apostrophes, hyphens and dots, at least one letter. */
  plainName: 16,
} as const;

/**
 * True when a UTF-16 code unit is a letter that is its own NFC form and never composes with what
 * precedes it: A–Z, a–z, and the Latin-1 Supplement, Latin Extended-A/B and Latin Extended Additional
 * letters (every precomposed Vietnamese letter is in these). × and ÷ are not letters.
 */
export function isPlainLetter(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) ||
    (c >= 0x1e00 && c <= 0x1eff)
  );
}

/** `CLASS` bits: the low two are the `CASE` kind (1 upper, 2 lower, 3 combining mark). */
const C_PLAIN_LETTER = 4;
/** Not plain: neither a plain letter, printable ASCII nor the space (controls, marks, symbols…). */
const C_NOT_PLAIN = 8;
/** Printable ASCII that no name holds (digits, punctuation but ' - .). */
const C_OTHER_ASCII = 16;
/** U+00A1–U+00FF, where the mojibake signs are. */
const C_LATIN1 = 32;
/** The space, U+0020. */
const C_SPACE = 64;
/** Bits 8–11: the character's `prevClassOf`. */
const C_PREV_SHIFT = 8;

/** What `scanText` needs of each UTF-16 code unit below U+2000. */
const CLASS = (() => {
  const table = new Uint16Array(0x2000);
  for (let c = 0; c < 0x2000; c++) {
    let t = CASE[c]!;
    if (isPlainLetter(c)) t |= C_PLAIN_LETTER;
    else if (c === 0x20) t |= C_SPACE;
    else if (c >= 0x21 && c <= 0x7e) t |= c === 0x27 || c === 0x2d || c === 0x2e ? 0 : C_OTHER_ASCII;
    else t |= C_NOT_PLAIN;
    if (c >= 0xa1 && c <= 0xff) t |= C_LATIN1;
    table[c] = t | (prevClassOf(c) << C_PREV_SHIFT);
  }
  return table;
})();

/**
 * Proper case as a state machine over the `CASE` kinds (see `properCaseName`: a word is a letter
 * followed by letters and marks; it is in proper case when it starts with a capital and, longer than
 * one letter, holds a lower-case one). States: 0 outside a word, 1 one capital so far, 2 capitals
 * only (two or more), 3 settled (a lower-case letter seen, or the word started with one). Entry
 * `state << 2 | kind` is the next state, plus 4 when the step shows a word not in proper case.
 */
const BAD_CASE = 4;
// prettier-ignore
const WORD_STEP = new Uint8Array([
  // kinds: other, capital, lower case, mark (a mark outside a word is not a letter)
  /* state 0 */ 0, 1, 3 | BAD_CASE, 0,
  /* state 1 */ 0, 2, 3, 1,
  /* state 2: a word ending all capitals */ 0 | BAD_CASE, 2, 3, 2,
  /* state 3 */ 0, 3, 3, 3,
]);
/** The state a text may end in only when its last word is all capitals. */
const ALL_CAPITALS = 2;

/** The `TEXT_FLAG` bits of text holding a character from U+2000 on (other than U+FFFD): by the regular expressions. */
function slowFlags(s: string): number {
  return (
    (MOJIBAKE_HINT.test(s) ? TEXT_FLAG.mojibake : 0) |
    (properCaseName(s) === s ? 0 : TEXT_FLAG.notProperCase) |
    (s.includes('\ufffd') ? TEXT_FLAG.replacement : 0)
  );
}

/**
 * One char-code pass over a text, for everything the canonical schemas and the quality cleaners ask
 * of it: the `TEXT_FLAG` bits (may hold mojibake — the same signs as MOJIBAKE_HINT —, a replacement
 * character, a name not in proper case) and the `TEXT_SCAN` bits (plain clean text, plain name).
 * Table-driven: one `CLASS` entry per character, the proper-case state machine, and a `SIGNS`
 * lookup for Latin-1 characters. Text with characters from U+2000 on (other than U+FFFD) is never
 * plain and falls back to the regular expressions for its flags.
 */
function scanText(s: string): number {
  const n = s.length;
  let all = 0;
  let bad = 0;
  let state = 0;
  let doubled = 0;
  let mojibake = false;
  let replacement = false;
  // As if a space came before the text: a leading space counts as a doubled one.
  let prev = C_SPACE;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let t: number;
    if (c < 0x2000) t = CLASS[c]!;
    else if (c === 0xfffd) {
      // Not a letter: it ends a word, as in `properCaseName`.
      t = C_NOT_PLAIN;
      replacement = true;
    } else return slowFlags(s);
    all |= t;
    doubled |= t & prev;
    if ((t & C_LATIN1) !== 0) {
      const sign = SIGNS[((prev >> C_PREV_SHIFT) << 8) | c];
      if (sign === SIGN || (sign === SIGN_BEFORE_STOP && stopCodaAt(s, i + 1))) mojibake = true;
    }
    const step = WORD_STEP[(state << 2) | (t & 3)]!;
    bad |= step;
    state = step & 3;
    prev = t;
  }
  let flags =
    (mojibake ? TEXT_FLAG.mojibake : 0) |
    (replacement ? TEXT_FLAG.replacement : 0) |
    ((bad & BAD_CASE) !== 0 || state === ALL_CAPITALS ? TEXT_FLAG.notProperCase : 0);
  // Plain: non-empty, no space at either end nor doubled, nothing but printable ASCII and plain letters.
  if (n > 0 && ((doubled | prev) & C_SPACE) === 0 && (all & C_NOT_PLAIN) === 0) {
    flags |=
      (all & C_OTHER_ASCII) === 0 && (all & C_PLAIN_LETTER) !== 0
        ? TEXT_SCAN.plain | TEXT_SCAN.plainName
        : TEXT_SCAN.plain;
  }
  return flags;
}

// A memo of the last four scans: a text schema scans a value in its overwrite step and checks the same
// value in its refinements right after, the quality input step scans a record's (up to four) text
// fields just before the schema's fast path checks them, and the text rule reads their flags again, so
// each reuses the scan instead of repeating it. Keyed by the string's content, so a hit is always right.
const memoText = ['', '', '', ''];
const memoResult = [0, 0, 0, 0];
let memoNext = 0;

/** The `TEXT_FLAG` and `TEXT_SCAN` bits of `s` (see `scanText`), from one pass remembered for the next few calls. */
export function textScan(s: string): number {
  for (let k = 0; k < 4; k++) if (memoText[k] === s) return memoResult[k]!;
  const result = scanText(s);
  memoText[memoNext] = s;
  memoResult[memoNext] = result;
  memoNext = (memoNext + 1) & 3;
  return result;
}

/**
 * One char-code pass over a text: whether it may hold mojibake (the same signs as MOJIBAKE_HINT), a
 * replacement character, or a name not in proper case, as `TEXT_FLAG` bits. Text with characters from
 * U+2000 on (other than U+FFFD) falls back to the regular expressions.
 */
export function textFlags(s: string): number {
  return textScan(s) & 7;
}

/**
 * Detects VNI or TCVN3 mojibake in `s` and repairs it where exactly one encoding explains it (every
 * word it changes becomes a Vietnamese syllable). `unrepairable` when the text shows TCVN3 symbols
 * that no decoding turns into Vietnamese, or when both encodings explain it. Names from other
 * languages ('Müller', 'Muñoz') stay `clean`: no decoding turns them into Vietnamese syllables.
 */
export function repairMojibake(s: string): MojibakeResult {
  if (!MOJIBAKE_HINT.test(s)) return CLEAN;
  const tcvn3 = decodeTcvn3(s);
  const vni = decodeVni(s);
  const tcvn3Fits = fits(s, tcvn3);
  const vniFits = fits(s, vni);
  if (tcvn3Fits && vniFits && tcvn3 !== vni) {
    // Both explain it: take the one that leaves no legacy-font residue behind ('TrÇn B¶o TuyÕt' is TCVN3).
    const tcvn3Residue = RESIDUE.test(tcvn3);
    const vniResidue = RESIDUE.test(vni);
    if (vniResidue && !tcvn3Residue) return { kind: 'repaired', encoding: 'tcvn3', value: tcvn3 };
    if (tcvn3Residue && !vniResidue) return { kind: 'repaired', encoding: 'vni', value: vni };
    return UNREPAIRABLE;
  }
  if (tcvn3Fits) return { kind: 'repaired', encoding: 'tcvn3', value: tcvn3 };
  if (vniFits) return { kind: 'repaired', encoding: 'vni', value: vni };
  return TCVN3_SYMBOLS.test(s) ? UNREPAIRABLE : CLEAN;
}
