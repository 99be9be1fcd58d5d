/**
 * A JSON body checked in its bytes, without decoding or parsing it (issue 7, a vendor's changed batch: the API
 * decoded and parsed every record of a new body, ~4 ms and ~2.3 MB of a 1000-student body, only to count them
 * and store their text). {@link scanJson} says yes only when ./plugins/input.ts `readJsonBody` would take the body
 * without a refusal: strict UTF-8, JSON as `JSON.parse` reads it, no key `__proto__` or `constructor` (which
 * secure-json-parse may refuse), no `\u` escape of NUL or a surrogate, nesting and nested arrays within the
 * limits. Anything it is not sure of (an escape in a member name, for one) is a no, and the body then takes the
 * full path, which refuses it or not as before: the scan never refuses anything itself.
 */
import { isUtf8 } from 'node:buffer';

/** A member of the body's top-level object: its name, where its value's bytes are, and if an array, its items. */
export interface ScannedMember {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** Its items when the value is an array (-1 otherwise), and whether each is an object. */
  readonly items: number;
  readonly objects: boolean;
}

/** The limits of ./plugins/input.ts `InputLimits` (the envelope is level 1; nested arrays: level 3 and deeper). */
interface Limits {
  readonly maxDepth: number;
  readonly maxNestedArrayItems: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** 1 for a byte a string holds as it is (not a quote, a backslash or a control character), by byte. */
const PLAIN = (() => {
  const t = new Uint8Array(256).fill(1);
  for (let c = 0; c < 0x20; c++) t[c] = 0;
  t[QUOTE] = 0;
  t[BACKSLASH] = 0;
  return t;
})();

/** Integer digits a number without an exponent may have and never overflow (the largest double has 309). */
const MAX_SAFE_DIGITS = 308;

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** The value of a hex digit, or -1. */
function hexOf(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Member names the full path may refuse (prototype poisoning). */
const FORBIDDEN_KEYS = ['__proto__', 'constructor'].map((k) => Buffer.from(k));

/** What {@link Scan.value} returns for a value that is not an array: one object for all (not one a value). */
const NOT_ARRAY: { readonly items: number; readonly objects: boolean } = Object.freeze({
  items: -1,
  objects: false,
});

/** A scan that gave up: the body takes the full path. */
class Doubt extends Error {}
const doubt = new Doubt();

class Scan {
  i = 0;
  /** The last member name's start and end ({@link key}: fields, not a pair allocated a name). */
  keyStart = 0;
  keyEnd = 0;
  constructor(
    private readonly b: Buffer,
    private readonly limits: Limits,
  ) {}

  space(): void {
    const b = this.b;
    while (isSpace(b[this.i])) this.i++;
  }

  /** A string from its opening quote; returns whether it holds an escape. */
  string(): boolean {
    const b = this.b;
    const n = b.length;
    let i = this.i + 1;
    let escaped = false;
    for (;;) {
      // The bytes that end nothing, skipped by one table look-up each (past the end: undefined, which stops).
      while (PLAIN[b[i]!] === 1) i++;
      if (i >= n) throw doubt;
      const c = b[i]!;
      if (c === QUOTE) break;
      if (c < 0x20) throw doubt;
      escaped = true;
      const e = b[i + 1];
      if (e === 0x75) {
        let v = 0;
        for (let k = 2; k < 6; k++) {
          const h = hexOf(b[i + k]);
          if (h < 0) throw doubt;
          v = v * 16 + h;
        }
        // NUL or a surrogate (maybe lone): the full path looks at the text.
        if (v === 0 || (v >= 0xd800 && v <= 0xdfff)) throw doubt;
        i += 6;
      } else if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        i += 2;
      } else throw doubt;
    }
    this.i = i + 1;
    return escaped;
  }

  /**
   * A number. One that overflows (`1e400`, 309 integer digits or more) is a doubt: `JSON.parse` reads it as
   * Infinity, which the full path refuses (./plugins/input.ts `mayOverflow`, sec8 S8-3; it stored `null`, a value
   * sent read as none), while its bytes stored as sent would be read as Infinity by the ingest (review13 N4).
   */
  number(): void {
    const b = this.b;
    const start = this.i;
    let i = start;
    if (b[i] === 0x2d) i++;
    const digits = i;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else throw doubt;
    let large = i - digits > MAX_SAFE_DIGITS;
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) throw doubt;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) throw doubt;
      while (isDigit(b[i])) i++;
      large = true;
    }
    // Read as JSON.parse reads it (the same conversion) only when it might overflow.
    if (large && !Number.isFinite(Number(b.toString('latin1', start, i)))) throw doubt;
    this.i = i;
  }

  literal(word: string): void {
    for (let k = 0; k < word.length; k++) if (this.b[this.i + k] !== word.charCodeAt(k)) throw doubt;
    this.i += word.length;
  }

  /** A member name (no escape, not a forbidden name); its start and end (quotes excluded) in `keyStart`, `keyEnd`. */
  key(): void {
    if (this.b[this.i] !== QUOTE) throw doubt;
    const start = this.i + 1;
    if (this.string()) throw doubt;
    const end = this.i - 1;
    for (let n = 0; n < FORBIDDEN_KEYS.length; n++) {
      const k = FORBIDDEN_KEYS[n]!;
      // Its length, first and last bytes first: a native compare only for a name that may be it.
      if (end - start !== k.length || this.b[start] !== k[0] || this.b[end - 1] !== k[k.length - 1]) continue;
      if (this.b.compare(k, 0, k.length, start, end) === 0) throw doubt;
    }
    this.keyStart = start;
    this.keyEnd = end;
  }

  /**
   * A value at nesting `depth` (its own, if it is an object or array); returns its items if an array (else -1).
   * Nothing is allocated for a value that is not an array (issue 7: an object a value was ~0.6 MB of a 1000-student
   * body's scan).
   */
  value(depth: number): { readonly items: number; readonly objects: boolean } {
    this.space();
    const c = this.b[this.i];
    if (c === 0x7b) {
      if (depth > this.limits.maxDepth) throw doubt;
      this.object(depth);
      return NOT_ARRAY;
    }
    if (c === 0x5b) {
      if (depth > this.limits.maxDepth) throw doubt;
      return this.array(depth);
    }
    if (c === QUOTE) this.string();
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.number();
    return NOT_ARRAY;
  }

  object(depth: number): void {
    this.i++;
    this.space();
    if (this.b[this.i] === 0x7d) {
      this.i++;
      return;
    }
    for (;;) {
      this.space();
      this.key();
      this.space();
      if (this.b[this.i] !== 0x3a) throw doubt;
      this.i++;
      this.value(depth + 1);
      this.space();
      const c = this.b[this.i++];
      if (c === 0x7d) return;
      if (c !== 0x2c) throw doubt;
    }
  }

  array(depth: number): { items: number; objects: boolean } {
    this.i++;
    this.space();
    if (this.b[this.i] === 0x5d) {
      this.i++;
      return { items: 0, objects: true };
    }
    let items = 0;
    let objects = true;
    for (;;) {
      this.space();
      if (this.b[this.i] !== 0x7b) objects = false;
      this.value(depth + 1);
      items++;
      if (depth >= 3 && items > this.limits.maxNestedArrayItems) throw doubt;
      this.space();
      const c = this.b[this.i++];
      if (c === 0x5d) return { items, objects };
      if (c !== 0x2c) throw doubt;
    }
  }
}

/**
 * The members of the top-level object `body` holds when the full path would take the body without a refusal
 * (see the module's comment); undefined when not sure (or the body is not an object). A member named twice is
 * listed twice.
 */
export function scanJson(body: Buffer, limits: Limits): ScannedMember[] | undefined {
  if (!isUtf8(body)) return undefined;
  const scan = new Scan(body, limits);
  // TextDecoder drops a byte order mark.
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) scan.i = 3;
  const members: ScannedMember[] = [];
  try {
    scan.space();
    if (body[scan.i] !== 0x7b) return undefined;
    scan.i++;
    scan.space();
    if (body[scan.i] === 0x7d) scan.i++;
    else
      for (;;) {
        scan.space();
        scan.key();
        const ks = scan.keyStart;
        const ke = scan.keyEnd;
        scan.space();
        if (body[scan.i] !== 0x3a) return undefined;
        scan.i++;
        scan.space();
        const start = scan.i;
        const { items, objects } = scan.value(2);
        members.push({ name: body.toString('utf8', ks, ke), start, end: scan.i, items, objects });
        scan.space();
        const c = body[scan.i++];
        if (c === 0x7d) break;
        if (c !== 0x2c) return undefined;
      }
    scan.space();
    return scan.i === body.length ? members : undefined;
  } catch (err) {
    if (err === doubt) return undefined;
    throw err;
  }
}
