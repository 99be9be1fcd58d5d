/**
 * JSON as UTF-8 bytes, written straight into a buffer: byte for byte `Buffer.from(JSON.stringify(value))`
 * for the values records are made of (plain objects and arrays, strings, finite numbers, booleans, null),
 * with no JSON text on the JS heap (issue 7: V8 11's `JSON.stringify` returns a text built of parts, which
 * hashing or encoding it copies whole again: ~2 MB of garbage a 1000-record page for each of a pulled
 * record's two fingerprints). A value of another kind (with a `toJSON`, of a class, a BigInt, nested past
 * {@link MAX_DEPTH}: a cycle…) is not written: {@link JsonWriter.write} says so, and the caller asks
 * `JSON.stringify`. Tests compare the two on every kind of value (test/unit/store/json-bytes.test.ts).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';

/** Nesting depth past which a value is left to JSON.stringify (which reports a cycle). */
const MAX_DEPTH = 64;

/** JSON.stringify's two-character escapes, by char code; 0 where it writes `\u00xx` (below 0x20). */
const SHORT_ESCAPE = (() => {
  const t = new Uint8Array(0x60);
  t[0x08] = 0x62; // \b
  t[0x09] = 0x74; // \t
  t[0x0a] = 0x6e; // \n
  t[0x0c] = 0x66; // \f
  t[0x0d] = 0x72; // \r
  t[QUOTE] = QUOTE;
  t[BACKSLASH] = BACKSLASH;
  return t;
})();

/** True when plain objects inherit an enumerable property (`for…in` would list it; JSON.stringify does not). */
function inherits(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

/** The most top-level members {@link JsonWriter.jsonbOrder} orders (a record has a few dozen at most). */
const MAX_MEMBERS = 256;

/** Members of at most this many bytes are moved byte by byte by {@link JsonWriter.jsonbOrder}. */
const SHORT_COPY = 24;

/** A key written as it is (printable ASCII, no quote or backslash): its bytes are its code units. */
const plainKey = (k: string): boolean => {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
};

/**
 * The order jsonb keeps an object's keys in (shorter first, then byte by byte), as the keys' indexes; `undefined`
 * when it is theirs already or a key is not {@link plainKey}.
 */
function jsonbKeyOrder(keys: readonly string[]): Int32Array | undefined {
  if (!keys.every(plainKey)) return undefined;
  const order = Int32Array.from(keys.keys()).sort((x, y) => {
    const a = keys[x]!;
    const b = keys[y]!;
    return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  });
  return order.every((m, j) => m === j) ? undefined : order;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/**
 * Writes JSON values one after another into a buffer of at least `size` bytes. `write` appends one value;
 * its bytes are `buffer.subarray(start, end)` with `start` the `end` before it. When a value does not fit,
 * it goes on in a new buffer (the part written so far copied over, earlier values left where they are, so
 * views taken of them stay valid): used as an arena, views of many values share a few buffers (as
 * `Buffer.from`'s small strings share node's pool); used as a scratch space, {@link reset} between values.
 */
export class JsonWriter {
  buffer: Buffer;
  /** Where the next byte goes. */
  end = 0;
  /** Where the value being written starts (moved with it to a new buffer). */
  private start = 0;
  private readonly size: number;
  /**
   * The last value's top-level members when it is an object of at most {@link MAX_MEMBERS}: each one's start and
   * end (`"key":value`, offsets from the value's start) and key; `members` -1 when not recorded.
   */
  private members = -1;
  private readonly memberAt = new Int32Array(2 * MAX_MEMBERS);
  private readonly memberKeys: string[] = [];
  /** The last key list {@link jsonbOrder} saw, and its members' order (`undefined`: left as written). */
  private orderKeys: string[] = [];
  private order: Int32Array | undefined;
  private scratch = new Uint8Array(1024);

  constructor(size = 32 * 1024) {
    this.size = size;
    this.buffer = Buffer.allocUnsafe(size);
  }

  /**
   * Appends `value` as the UTF-8 bytes of `JSON.stringify(value)`, after `prefix` when given, and returns
   * where they start (the prefix's first byte), or returns -1 (nothing appended) when the value is not of a
   * kind it writes (see the module's comment).
   */
  write(value: unknown, prefix?: Uint8Array): number {
    this.start = this.end;
    this.members = -1;
    if (inherits()) return -1;
    if (prefix !== undefined) {
      this.room(prefix.length);
      this.buffer.set(prefix, this.end);
      this.end += prefix.length;
    }
    if (this.value(value, 0)) return this.start;
    this.end = this.start;
    return -1;
  }

  /** The bytes of the last value written, from `start` (what {@link write} returned). */
  last(start: number): Buffer {
    return this.buffer.subarray(start, this.end);
  }

  /** Starts again at the beginning of the buffer (what was written is dropped). */
  reset(): void {
    this.start = 0;
    this.end = 0;
  }

  /** Makes room for `n` more bytes: a new buffer, holding the value being written, when they do not fit. */
  private room(n: number): void {
    if (this.end + n <= this.buffer.length) return;
    const keep = this.end - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.size, 2 * (keep + n)));
    this.buffer.copy(next, 0, this.start, this.end);
    this.buffer = next;
    this.start = 0;
    this.end = keep;
  }

  private byte(c: number): void {
    if (this.end >= this.buffer.length) this.room(1);
    this.buffer[this.end++] = c;
  }

  private word(w: Buffer): void {
    this.room(w.length);
    this.buffer.set(w, this.end);
    this.end += w.length;
  }

  private value(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case 'string':
        this.string(v);
        return true;
      case 'number':
        if (Number.isFinite(v)) this.ascii(String(v));
        else this.word(NULL);
        return true;
      case 'boolean':
        this.word(v ? TRUE : FALSE);
        return true;
      case 'object':
        if (v === null) {
          this.word(NULL);
          return true;
        }
        if (depth >= MAX_DEPTH) return false;
        return Array.isArray(v) ? this.array(v, depth) : this.object(v as Record<string, unknown>, depth);
      default:
        // undefined, a function or a symbol (JSON.stringify gives no text), a BigInt (it throws)
        return false;
    }
  }

  private array(a: unknown[], depth: number): boolean {
    if (Object.getPrototypeOf(a) !== Array.prototype || (a as { toJSON?: unknown }).toJSON !== undefined)
      return false;
    this.byte(0x5b);
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.byte(0x2c);
      const e = a[i];
      if (e === undefined || typeof e === 'function' || typeof e === 'symbol') this.word(NULL);
      else if (!this.value(e, depth + 1)) return false;
    }
    this.byte(0x5d);
    return true;
  }

  private object(o: Record<string, unknown>, depth: number): boolean {
    const proto: unknown = Object.getPrototypeOf(o);
    if ((proto !== Object.prototype && proto !== null) || o.toJSON !== undefined) return false;
    this.byte(0x7b);
    let n = 0;
    const top = depth === 0;
    // Own enumerable keys in their order, as JSON.stringify takes them (the prototype is Object's or none).
    for (const k in o) {
      const e = o[k];
      if (e === undefined || typeof e === 'function' || typeof e === 'symbol') continue;
      if (n > 0) this.byte(0x2c);
      if (top && n < MAX_MEMBERS) {
        this.memberAt[2 * n] = this.end - this.start;
        this.memberKeys[n] = k;
      }
      this.string(k);
      this.byte(0x3a);
      if (!this.value(e, depth + 1)) return false;
      if (top && n < MAX_MEMBERS) this.memberAt[2 * n + 1] = this.end - this.start;
      n++;
    }
    this.byte(0x7d);
    if (top) this.members = n <= MAX_MEMBERS ? n : -1;
    return true;
  }

  /**
   * Puts the last value's top-level members (an object's, written by {@link write}) in jsonb's key order, in place:
   * the same members, bytes and length, so PostgreSQL's parse of the text into jsonb finds them sorted (its sort of
   * an object's keys returns after one pass over sorted ones; issue 7: ~15 % of a changed 1000-student batch's
   * `UPDATE` sorted its records' keys). jsonb orders keys by their length in bytes, then byte by byte: for keys of
   * printable ASCII without a quote or backslash (written as they are), their length and code units. Other keys,
   * or more than {@link MAX_MEMBERS} members, are left as written (PostgreSQL sorts them, as before).
   */
  jsonbOrder(): void {
    const n = this.members;
    this.members = -1; // once: the offsets are those of the order written
    if (n < 2) return;
    const order = this.orderOf(n);
    if (order === undefined) return;
    const at = this.memberAt;
    const b = this.buffer;
    const from = this.start + at[0]!;
    const to = this.start + at[2 * n - 1]!;
    // The members copied past the value (where the next goes) when they fit, and back in their order: the
    // array's own memmove, no allocation; else through a scratch array, byte by byte.
    let src: Uint8Array = b;
    let off = this.end - from;
    if (this.end + (to - from) > b.length) {
      if (this.scratch.length < to - from) this.scratch = new Uint8Array(2 * (to - from));
      src = this.scratch;
      off = -from;
      for (let i = from; i < to; i++) src[i + off] = b[i]!;
    } else b.copyWithin(this.end, from, to);
    let p = from;
    for (let j = 0; j < n; j++) {
      const m = order[j]!;
      if (j > 0) b[p++] = 0x2c;
      const s = this.start + at[2 * m]! + off;
      const e = this.start + at[2 * m + 1]! + off;
      // A short member byte by byte (cheaper than a call), a longer one by the array's memmove.
      if (src === b && e - s > SHORT_COPY) b.copyWithin(p, s, e);
      else for (let i = s; i < e; i++) b[p + i - s] = src[i]!;
      p += e - s;
    }
  }

  /** The members' jsonb order for the last value's keys (kept for the next value with the same keys). */
  private orderOf(n: number): Int32Array | undefined {
    const keys = this.memberKeys;
    const last = this.orderKeys;
    let same = last.length === n;
    for (let i = 0; same && i < n; i++) same = last[i] === keys[i];
    if (same) return this.order;
    this.orderKeys = keys.slice(0, n);
    this.order = jsonbKeyOrder(this.orderKeys);
    return this.order;
  }

  /** A number's text (ASCII). */
  private ascii(s: string): void {
    this.room(s.length);
    const b = this.buffer;
    let p = this.end;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.end = p;
  }

  /** A string as JSON.stringify quotes it (lone surrogates escaped), in UTF-8. */
  private string(s: string): void {
    const n = s.length;
    // At most 6 bytes a UTF-16 unit (`\u00xx`, or a lone surrogate's `\udxxx`), and the quotes.
    this.room(6 * n + 2);
    const b = this.buffer;
    let p = this.end;
    b[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
          b[p++] = c;
          continue;
        }
        const e = SHORT_ESCAPE[c]!;
        b[p++] = BACKSLASH;
        if (e !== 0) b[p++] = e;
        else {
          b[p++] = 0x75; // u00xx
          b[p++] = 0x30;
          b[p++] = 0x30;
          b[p++] = HEX.charCodeAt(c >> 4);
          b[p++] = HEX.charCodeAt(c & 15);
        }
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 0x3f);
          b[p++] = 0x80 | ((cp >> 6) & 0x3f);
          b[p++] = 0x80 | (cp & 0x3f);
          i++;
        } else {
          // A lone surrogate: `\udxxx`, as JSON.stringify writes it.
          b[p++] = BACKSLASH;
          b[p++] = 0x75;
          b[p++] = HEX.charCodeAt(c >> 12);
          b[p++] = HEX.charCodeAt((c >> 8) & 15);
          b[p++] = HEX.charCodeAt((c >> 4) & 15);
          b[p++] = HEX.charCodeAt(c & 15);
        }
      }
    }
    b[p++] = QUOTE;
    this.end = p;
  }
}
