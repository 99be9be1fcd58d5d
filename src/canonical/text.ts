/**
 * Text normalisation shared by the canonical schemas and the quality cleaners: NFC, trimmed, runs of
 * white space collapsed to one space. Built for the common case: a scan of char codes recognises text
 * that is already clean (printable ASCII, the precomposed Latin letters Vietnamese uses, single inner
 * spaces) and returns it untouched without allocating; anything else takes the full path.
 */
import { TEXT_SCAN, isPlainLetter, textScan } from './vietnamese.js';

/** What `normaliseText` changed, as bits of a mask. */
export const TEXT_CHANGE = {
  /** White space at either end removed. */
  trim: 1,
  /** Runs of white space (tabs, newlines, NBSP, doubled spaces) made one space. */
  spaces: 2,
  /** Unicode normalised to NFC (e.g. NFD input from a Mac or an Excel export). */
  nfc: 4,
} as const;

export { isPlainLetter };

const NOT_PLAIN = 0;
const PLAIN = TEXT_SCAN.plain;
const PLAIN_NAME = TEXT_SCAN.plain | TEXT_SCAN.plainName;

/** NOT_PLAIN, PLAIN or PLAIN_NAME for `s`: the plainness bits of its (remembered) one-pass scan (`textScan`). */
function scan(s: string): number {
  return textScan(s) & PLAIN_NAME;
}

/**
 * True when `s` is non-empty, made only of printable ASCII and plain letters (see `isPlainLetter`),
 * with single spaces between words and none at either end. Such text is NFC, trimmed and collapsed,
 * and holds no control or invisible characters.
 */
export function isPlainCleanText(s: string): boolean {
  return scan(s) !== NOT_PLAIN;
}

/** True when `s` is plain clean text (see `isPlainCleanText`) holding only name characters, at least one letter. */
export function isPlainName(s: string): boolean {
  return scan(s) === PLAIN_NAME;
}

const WHITE_RUN = /\s+/g;
const HAS_WHITE_RUN = /\s\s|[^\S ]/;

/** NFC, runs of white space as one space, trimmed. Returns `s` itself when it is already so. */
export function normaliseText(s: string): string {
  if (isPlainCleanText(s)) return s;
  const out = s.normalize('NFC').replace(WHITE_RUN, ' ').trim();
  return out === s ? s : out;
}

/** The changes `normaliseText` makes to `s`, as a `TEXT_CHANGE` mask; 0 when it is already normal. */
export function textChanges(s: string): number {
  if (isPlainCleanText(s)) return 0;
  let mask = 0;
  const nfc = s.normalize('NFC');
  if (nfc !== s) mask |= TEXT_CHANGE.nfc;
  const trimmed = nfc.trim();
  if (trimmed !== nfc) mask |= TEXT_CHANGE.trim;
  if (HAS_WHITE_RUN.test(trimmed)) mask |= TEXT_CHANGE.spaces;
  return mask;
}

/** Letters (any script), combining marks, spaces, apostrophes, hyphen and dot: what a person's name may hold. */
const NAME_CHARS = /^[\p{L}\p{M} '’.-]+$/u;
const LETTER = /\p{L}/u;
/** Characters never allowed in canonical text: controls, format chars (bidi, ZW*, BOM), surrogates, private use, line/paragraph separators. */
const FORBIDDEN_CHARS = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\u2028\u2029]/u;

/** True when `s` holds no control, format, surrogate, private-use or line/paragraph-separator character. */
export function hasNoForbiddenChars(s: string): boolean {
  if (scan(s) !== NOT_PLAIN) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0xad) return false;
    // Format characters and the rest live from U+0600 on; Latin Extended Additional is safe.
    if (c >= 0x600 && (c < 0x1e00 || c > 0x1eff)) return !FORBIDDEN_CHARS.test(s);
  }
  return true;
}

/**
 * True when `s` is a plausible person's name: only letters (any script), combining marks, spaces,
 * apostrophes, hyphens and dots, with at least one letter. Plain Latin text is checked by a char-code
 * scan; anything else by Unicode property regexes.
 */
export function isNameText(s: string): boolean {
  const plain = scan(s);
  if (plain === PLAIN_NAME) return true;
  if (plain === PLAIN) return false;
  return NAME_CHARS.test(s) && LETTER.test(s) && !FORBIDDEN_CHARS.test(s);
}
