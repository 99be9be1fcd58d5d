/**
 * The bytes of one member of a JSON body's top-level object, found without parsing it again (issue 7:
 * a new batch's records are stored as the body sent them, not serialised once more and encoded again).
 * Only for a body that `JSON.parse` took already: the scan assumes well-formed JSON and is only as
 * careful as finding the member needs (strings, nesting); any doubt (a key written with an escape, the
 * member twice) answers undefined, and the caller serialises the parsed value instead.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The index after the string whose opening quote is at `i` (escapes skipped). */
function afterString(b: Buffer, i: number): number {
  const n = b.length;
  let p = i + 1;
  while (p < n) {
    const c = b[p]!;
    if (c === QUOTE) return p + 1;
    p += c === BACKSLASH ? 2 : 1;
  }
  return n;
}

/** The index after the value that starts at `i` (a string, an object, an array or a literal). */
function afterValue(b: Buffer, i: number): number {
  const n = b.length;
  const first = b[i];
  if (first === QUOTE) return afterString(b, i);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let p = i;
    while (p < n) {
      const c = b[p]!;
      if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isSpace(c)) break;
      p++;
    }
    return p;
  }
  let depth = 0;
  let p = i;
  while (p < n) {
    const c = b[p]!;
    if (c === QUOTE) {
      p = afterString(b, p);
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return p + 1;
    }
    p++;
  }
  return n;
}

function skipSpace(b: Buffer, i: number): number {
  let p = i;
  while (p < b.length && isSpace(b[p])) p++;
  return p;
}

/**
 * The bytes (a view of `body`) of the value of member `key` of the JSON object `body` holds, when the
 * object has exactly one member so named and no member name written with an escape (which could spell
 * it); undefined otherwise. `body` must be JSON that `JSON.parse` accepts (after a UTF-8 byte order mark,
 * which is skipped), and `key` a name that needs no escape in JSON.
 */
export function memberBytes(body: Buffer, key: string): Buffer | undefined {
  const name = Buffer.from(JSON.stringify(key));
  let p = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  p = skipSpace(body, p);
  if (body[p] !== OPEN_OBJECT) return undefined;
  p = skipSpace(body, p + 1);
  let found: Buffer | undefined;
  while (body[p] === QUOTE) {
    const keyEnd = afterString(body, p);
    if (body.subarray(p, keyEnd).includes(BACKSLASH)) return undefined;
    const same = keyEnd - p === name.length && body.compare(name, 0, name.length, p, keyEnd) === 0;
    p = skipSpace(body, keyEnd);
    if (body[p] !== COLON) return undefined;
    p = skipSpace(body, p + 1);
    const valueEnd = afterValue(body, p);
    if (same) {
      if (found) return undefined;
      found = body.subarray(p, valueEnd);
    }
    p = skipSpace(body, valueEnd);
    if (body[p] !== COMMA) break;
    p = skipSpace(body, p + 1);
  }
  return body[p] === CLOSE_OBJECT ? found : undefined;
}
