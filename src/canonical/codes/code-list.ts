/**
 * Versioned code lists and the alias resolver. Every list maps the spellings seen in source systems
 * (Vietnamese labels, abbreviations, numeric codes, spellings with or without diacritics) to one
 * canonical English code.
 */

/** One code with its labels and the other spellings that mean it. */
export interface CodeEntry<C extends string = string> {
  readonly code: C;
  readonly labelVi: string;
  readonly labelEn: string;
  readonly aliases: readonly string[];
}

/** One entry on one line: code, Vietnamese label, English label and the other spellings that mean it. */
export type CodeRow<C extends string = string> = readonly [
  code: C,
  labelVi: string,
  labelEn: string,
  aliases: readonly string[],
];

/** The entries of rows written as `CodeRow`s, in row order. */
export function entriesOf<C extends string>(rows: readonly CodeRow<C>[]): CodeEntry<C>[] {
  return rows.map(([code, labelVi, labelEn, aliases]) => ({ code, labelVi, labelEn, aliases }));
}

/** A versioned code list. `source` names where the codes come from, or says none was found. */
export interface CodeList<C extends string = string> {
  readonly id: string;
  readonly version: string;
  /** ISO date from which this version applies. */
  readonly effectiveFrom: string;
  readonly source: string;
  readonly entries: readonly CodeEntry<C>[];
}

/** Lookup tables of one list, from strictest to loosest key. `null` marks a key two codes share. */
interface CodeIndex {
  readonly raw: Map<string, string>;
  readonly exact: Map<string, string | null>;
  readonly folded: Map<string, string | null>;
  readonly loose: Map<string, string | null>;
}

const INDEXES = new WeakMap<CodeList, CodeIndex>();

/** NFC, trim, lower-case, runs of whitespace (incl. NBSP) collapsed to one space. */
export function normaliseKey(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** `normaliseKey`, then diacritics removed and đ → d: 'Khơ-me' → 'kho-me'. */
export function foldKey(raw: string): string {
  return normaliseKey(raw).normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').normalize('NFC');
}

/** `foldKey`, then everything but letters and digits removed: "H'Mông" → 'hmong', 'Lớp 1' → 'lop1'. */
export function looseKey(raw: string): string {
  return foldKey(raw).replace(/[^\p{L}\p{N}]/gu, '');
}

function spellingsOf(entry: CodeEntry): string[] {
  return [entry.code, entry.labelVi, entry.labelEn, ...entry.aliases];
}

function addAmbiguous(map: Map<string, string | null>, key: string, code: string): void {
  if (key === '') return;
  const seen = map.get(key);
  if (seen === undefined) map.set(key, code);
  else if (seen !== code) map.set(key, null);
}

function buildIndex(list: CodeList): CodeIndex {
  const index: CodeIndex = { raw: new Map(), exact: new Map(), folded: new Map(), loose: new Map() };
  for (const entry of list.entries) {
    for (const spelling of spellingsOf(entry)) {
      const key = normaliseKey(spelling);
      const seen = index.exact.get(key);
      if (seen !== undefined && seen !== entry.code) {
        throw new Error(`code list ${list.id}: '${spelling}' means both ${seen} and ${entry.code}`);
      }
      index.exact.set(key, entry.code);
      index.raw.set(spelling, entry.code);
      addAmbiguous(index.folded, foldKey(spelling), entry.code);
      addAmbiguous(index.loose, looseKey(spelling), entry.code);
    }
  }
  return index;
}

function indexOf(list: CodeList): CodeIndex {
  let index = INDEXES.get(list);
  if (!index) {
    index = buildIndex(list);
    INDEXES.set(list, index);
  }
  return index;
}

/**
 * Checks a code list (codes unique, no spelling meaning two codes after normalisation), builds its index
 * and freezes it. Throws on a malformed list, so a bad list fails at import time.
 */
export function defineCodeList<C extends string>(list: CodeList<C>): CodeList<C> {
  const codes = new Set<string>();
  for (const entry of list.entries) {
    if (codes.has(entry.code)) throw new Error(`code list ${list.id}: duplicate code ${entry.code}`);
    codes.add(entry.code);
    Object.freeze(entry.aliases);
    Object.freeze(entry);
  }
  Object.freeze(list.entries);
  Object.freeze(list);
  indexOf(list);
  return list;
}

/**
 * The canonical code for a raw value, or undefined. Tries, in order: the exact spelling; NFC + trim +
 * case-fold + collapsed spaces; the same without diacritics (đ → d); the same without punctuation and
 * spaces. A key that two codes share at a loose level resolves to undefined rather than to a guess.
 */
export function resolveCode<C extends string>(
  list: CodeList<C>,
  raw: string | number | null | undefined,
): C | undefined {
  if (raw === null || raw === undefined) return undefined;
  const value = typeof raw === 'number' ? String(raw) : raw;
  const index = indexOf(list);
  const direct = index.raw.get(value);
  if (direct !== undefined) return direct as C;
  const exact = index.exact.get(normaliseKey(value));
  if (exact) return exact as C;
  const folded = index.folded.get(foldKey(value));
  if (folded !== undefined) return (folded ?? undefined) as C | undefined;
  const loose = index.loose.get(looseKey(value));
  return (loose ?? undefined) as C | undefined;
}

/** The entry of a code, or undefined. */
export function entryOf<C extends string>(list: CodeList<C>, code: string): CodeEntry<C> | undefined {
  return list.entries.find((e) => e.code === code);
}

/** The codes of a list, in list order. */
export function codesOf<C extends string>(list: CodeList<C>): C[] {
  return list.entries.map((e) => e.code);
}
