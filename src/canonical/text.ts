/**
 * Text normalisation shared by the canonical schemas and the quality cleaners: NFC, trimmed, runs of
 * white space collapsed to one space. Built for the common case: a scan of char codes recognises text
 * that is already clean (printable ASCII, the precomposed Latin letters Vietnamese uses, single inner
 * spaces) and returns it untouched without allocating; anything else takes the full path.
 */

/** What `normaliseText` changed, as bits of a mask. */
export const TEXT_CHANGE = {
  /** White space at either end removed. */
  trim: 1,
  /** Runs of white space (tabs, newlines, NBSP, doubled spaces) made one space. */
  spaces: 2,
  /** Unicode normalised to NFC (e.g. NFD input from a Mac or an Excel export). */
  nfc: 4,
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

/** Results of `scanPlain`. */
const NOT_PLAIN = 0;
const PLAIN = 1;
const PLAIN_NAME = 2;

/**
 * Classifies `s` in one pass: NOT_PLAIN; PLAIN when it is non-empty, made only of printable ASCII and
 * plain letters (see `isPlainLetter`), with single spaces between words and none at either end (such
 * text is NFC, trimmed and collapsed, and holds no control or invisible character); PLAIN_NAME when it
 * is PLAIN and holds only letters, spaces, apostrophes, hyphens and dots, at least one letter.
 */
function scanPlain(s: string): number {
  const n = s.length;
  if (n === 0) return NOT_PLAIN;
  let prevSpace = true;
  let nameChars = true;
  let letter = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) {
      if (prevSpace) return NOT_PLAIN;
      prevSpace = true;
      continue;
    }
    prevSpace = false;
    if (isPlainLetter(c)) letter = true;
    else if (c >= 0x21 && c <= 0x7e) {
      if (c !== 0x27 && c !== 0x2d && c !== 0x2e) nameChars = false;
    } else return NOT_PLAIN;
  }
  if (prevSpace) return NOT_PLAIN;
  return nameChars && letter ? PLAIN_NAME : PLAIN;
}

// A memo of the last four scans: a text schema scans a value in its overwrite step and checks the same
// value in its refinements right after, and the quality input step scans a record's (up to four) text
// fields just before the schema's fast path checks them, so each reuses the scan instead of repeating
// it. Keyed by the string's content, so a hit is always right.
const memoText = ['', '', '', ''];
const memoResult = [NOT_PLAIN, NOT_PLAIN, NOT_PLAIN, NOT_PLAIN];
let memoNext = 0;

function scan(s: string): number {
  for (let k = 0; k < 4; k++) if (memoText[k] === s) return memoResult[k]!;
  const result = scanPlain(s);
  memoText[memoNext] = s;
  memoResult[memoNext] = result;
  memoNext = (memoNext + 1) & 3;
  return result;
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
