/**
 * Rows in PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`), for ./db.ts `copyIn`:
 * a signature and header, then per row its field count and each field as a length and its bytes (-1: NULL),
 * then a trailer. A text field is its UTF-8 bytes (PostgreSQL checks them as it would a text parameter's); a
 * jsonb field is jsonb's binary input form, a version byte (1) then the JSON text. Nothing is escaped.
 */

/** One column's values: text per row (null or undefined: NULL), the same text on every row, or jsonb's JSON bytes per row. */
export type CopyColumn =
  { text: readonly (string | null | undefined)[] } | { same: string } | { jsonb: readonly Buffer[] };

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32 0), header extension length (int32 0). */
const HEADER_BYTES = SIGNATURE.length + 8;

/** An upper bound of the bytes `rows` rows of `columns` take (a UTF-16 unit is at most 3 UTF-8 bytes). */
function bound(rows: number, columns: readonly CopyColumn[]): number {
  let n = HEADER_BYTES + 2 + rows * (2 + 4 * columns.length);
  for (const c of columns) {
    if ('same' in c) n += rows * 3 * c.same.length;
    else if ('jsonb' in c) for (const b of c.jsonb) n += 1 + b.length;
    else for (const s of c.text) n += s == null ? 0 : 3 * s.length;
  }
  return n;
}

/** `rows` rows of `columns` (each holding a value for every row) as one binary COPY input. */
export function binaryCopy(rows: number, columns: readonly CopyColumn[]): Buffer {
  const out = Buffer.allocUnsafe(bound(rows, columns));
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at);
  at = out.writeInt32BE(0, at);
  const same = columns.map((c) => ('same' in c ? Buffer.from(c.same) : undefined));
  for (let i = 0; i < rows; i++) {
    at = out.writeInt16BE(columns.length, at);
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k]!;
      const constant = same[k];
      if (constant) {
        at = out.writeInt32BE(constant.length, at);
        at += constant.copy(out, at);
      } else if ('jsonb' in c) {
        const json = c.jsonb[i]!;
        at = out.writeInt32BE(1 + json.length, at);
        out[at++] = 1;
        at += json.copy(out, at);
      } else {
        const s = (c as { text: readonly (string | null | undefined)[] }).text[i];
        if (s == null) {
          at = out.writeInt32BE(-1, at);
          continue;
        }
        const n = out.write(s, at + 4, 'utf8');
        out.writeInt32BE(n, at);
        at += 4 + n;
      }
    }
  }
  at = out.writeInt16BE(-1, at);
  return out.subarray(0, at);
}
