/**
 * A `text[]` parameter in PostgreSQL's binary array form (a Buffer parameter is sent in binary form, read
 * by `array_recv`): the header, then each element as its length and its UTF-8 bytes (-1 for null). Issue 7:
 * pg writes a JS array as an array literal, each element quoted and escaped (two regular-expression
 * replaces and a concatenation an element), which PostgreSQL then parses back; a first-sync page sends
 * thousands of elements (keys, fingerprints, personal IDs). The parameter must be cast to `text[]` in its
 * statement (`$n::text[]`): its elements say they are `text`, and PostgreSQL refuses them as another type.
 */

/** The OID of `text`, which each element is declared to be. */
const TEXT_OID = 25;

/** `values` as a `text[]` parameter in binary form; null and undefined elements are NULL. */
export function textArray(values: readonly (string | null | undefined)[]): Buffer {
  const n = values.length;
  // A one-dimensional array: dimensions, has-nulls flag (ignored on input), element type; then per
  // dimension its length and lower bound. An empty array has no dimension.
  let size = n === 0 ? 12 : 20;
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const len = v === null || v === undefined ? -1 : Buffer.byteLength(v, 'utf8');
    lengths[i] = len;
    size += 4 + Math.max(len, 0);
  }
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(n === 0 ? 0 : 1, 0);
  out.writeInt32BE(0, 4);
  out.writeInt32BE(TEXT_OID, 8);
  if (n === 0) return out;
  out.writeInt32BE(n, 12);
  out.writeInt32BE(1, 16);
  let at = 20;
  for (let i = 0; i < n; i++) {
    const len = lengths[i]!;
    out.writeInt32BE(len, at);
    at += 4;
    if (len > 0) at += out.write(values[i]!, at, len, 'utf8');
  }
  return out;
}
