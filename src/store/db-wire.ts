/**
 * How ./db.ts's statements go on pg's wire: their parameters (arrays of strings or booleans written here),
 * the names of the statements prepared once per connection (at most {@link MAX_PREPARED} texts a process),
 * and a `COPY … FROM STDIN` with its data right behind it.
 */
import { hash } from 'node:crypto';
import pg from 'pg';

/** Distinct statement texts prepared by this process (each once per connection that runs it). */
export const MAX_PREPARED = 64;
const preparedNames = new Map<string, string>();

/** A character pg escapes in an array's element (each element is quoted: nothing else is). */
const TO_ESCAPE = /["\\]/;

/**
 * A flat array of strings (and nulls), or of booleans, as PostgreSQL's array literal, exactly as pg would
 * write it, or undefined to leave it to pg: one whose strings need no escaping. pg escapes each element
 * with two regular expressions (issue 7: a vendor batch's ingest sends 18 arrays of 1000 keys, codes and
 * fingerprints: 2.0 ms of truc's CPU that way, 0.9 this way). The literal is one `join` of the elements,
 * the braces and the first and last quotes joined to the first and last: one flat string, which pg measures
 * and encodes as it is (issue 7: a text made of parts, as `{${JSON.stringify(values).slice(1, -1)}}` was,
 * is copied flat once more when pg writes it). An array with a string to escape (a quote, a backslash) is
 * left to pg. Booleans (a batch's verdicts: accepted or not) pg writes one concatenation at a time
 * (issue 7: ~2.5 % of what a P4 batch allocated); here from two constant texts.
 */
export function textArrayLiteral(values: readonly unknown[]): string | undefined {
  let nulls = false;
  let flags = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls = true;
    else if (typeof v === 'boolean') flags += 1;
    else if (typeof v !== 'string' || TO_ESCAPE.test(v)) return undefined;
  }
  if (flags > 0)
    return flags === values.length
      ? joined(
          values.map((v) => (v ? 'true' : 'false')),
          '"',
        )
      : undefined;
  if (!nulls) return joined((values as readonly string[]).slice(), '"');
  return joined(
    values.map((v) => (typeof v === 'string' ? `"${v}"` : 'NULL')),
    '',
  );
}

/**
 * `{` + `elements` (changed in place) each within `quote`, joined by `,` + `}`, as one flat string: one `join`,
 * the braces and the outer quotes joined to the first and last elements.
 */
function joined(elements: string[], quote: '"' | ''): string {
  const n = elements.length;
  if (n === 0) return '{}';
  elements[0] = `{${quote}${elements[0]}`;
  elements[n - 1] = `${elements[n - 1]}${quote}}`;
  return elements.join(`${quote},${quote}`);
}

/** PostgreSQL's type id of `text`: the element type a binary text[] says it holds. */
const TEXT_OID = 25;

/** Where {@link textArrayBytes} writes an array before copying it out (grown as needed, kept). */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * A flat array of strings (and nulls) in PostgreSQL's binary form of a one-dimensional `text[]` (array_recv: the
 * header, then each element's byte length, -1 for a null, and its UTF-8 bytes), for a parameter the statement casts
 * `::text[]` (a Buffer parameter travels in binary form, so its type must be exactly that: not for `uuid[]`,
 * `int[]`…). Issue 7: PostgreSQL reads an array literal character by character (quotes, escapes); a changed
 * 1000-student chunk's 1000 fingerprints cost its backend 0.89–0.93 ms that way, 0.28–0.38 in binary form, its
 * 1000 keys 0.17 against 0.12; truc's CPU to write them is the same either way (an ASCII array is written in one
 * piece: {@link asciiArrayBytes}).
 */
export function textArrayBytes(values: readonly (string | null | undefined)[]): Buffer {
  return asciiArrayBytes(values) ?? utf8ArrayBytes(values);
}

/**
 * The binary array's header: dimensions (none for an empty array), whether any element is null, the element type;
 * the one dimension's length and lower bound.
 */
function writeHeader(out: Buffer, n: number, nulls: number): void {
  out.writeInt32BE(n === 0 ? 0 : 1, 0);
  out.writeInt32BE(nulls, 4);
  out.writeInt32BE(TEXT_OID, 8);
  if (n > 0) {
    out.writeInt32BE(n, 12);
    out.writeInt32BE(1, 16);
  }
}

/**
 * {@link textArrayBytes} of an array whose strings are all ASCII (each character its one byte in UTF-8), or undefined
 * (a character above 0x7f met): its size counted from the strings' lengths, then each element's length and characters
 * written straight into a buffer of that size, the characters by a loop (no call a character or an element).
 * Issue 7: a changed batch's statements send ~19 such arrays of 1000 keys, codes and fingerprints, and the facts
 * statement 12 of ~6,750. perf8e wrote each element by a `Buffer#write` call of its own ({@link utf8ArrayBytes}:
 * 3.7–6.2 ms of CPU for 19 ASCII arrays and one Vietnamese of 1000), then the whole array as one latin1 text, one
 * `join` of the elements and of their lengths as four characters each, measured and written by `Buffer.from`
 * (2.5–3.9; perf9 left one count of the text): those texts and their parts were ~0.9 of a changed batch's ~5.5 MB
 * allocated by truc, and writing the bytes here cost ~30 % less CPU in process (perf10a).
 */
function asciiArrayBytes(values: readonly (string | null | undefined)[]): Buffer | undefined {
  const n = values.length;
  const head = n === 0 ? 12 : 20;
  let size = head;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    size += typeof v === 'string' ? 4 + v.length : 4;
  }
  const out = Buffer.allocUnsafe(size);
  let p = head;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // The length, big-endian; -1 for a null (four bytes 0xff).
    const len = typeof v === 'string' ? v.length : -1;
    out[p] = len >>> 24;
    out[p + 1] = (len >>> 16) & 0xff;
    out[p + 2] = (len >>> 8) & 0xff;
    out[p + 3] = len & 0xff;
    p += 4;
    if (len < 0) {
      nulls = 1;
      continue;
    }
    const s = v as string;
    for (let j = 0; j < len; j++) {
      const c = s.charCodeAt(j);
      if (c > 0x7f) return undefined;
      out[p++] = c;
    }
  }
  writeHeader(out, n, nulls);
  return out;
}

/** {@link textArrayBytes} of any strings: each element's UTF-8 written into {@link scratch}, then copied out. */
function utf8ArrayBytes(values: readonly (string | null | undefined)[]): Buffer {
  const n = values.length;
  let room = 20 + 4 * n;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'string') room += 3 * v.length; // UTF-8 takes at most 3 bytes a UTF-16 unit
  }
  if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.max(room, 2 * scratch.length));
  const out = scratch;
  let at = 20;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'string') {
      out.writeInt32BE(-1, at);
      at += 4;
      nulls = 1;
      continue;
    }
    const len = out.write(v, at + 4, 'utf8');
    out.writeInt32BE(len, at);
    at += 4 + len;
  }
  writeHeader(out, n, nulls);
  // Copied out at its size: the room is up to three times it (all ASCII), and node counts every buffer's bytes
  // against V8's heap limits (more garbage collections for bytes never used).
  return Buffer.from(out.subarray(0, n === 0 ? 12 : at));
}

/** Statement texts whose `text[]` parameters are known ({@link textArrayParams}), at most {@link MAX_TEXTS_KNOWN}. */
const textArraysOf = new Map<string, ReadonlySet<number>>();
const MAX_TEXTS_KNOWN = 256;
const PARAM_REF = /\$(\d+)(::text\[\])?/g;

/**
 * The parameters (1-based) of `sql` that are `text[]` for certain: every reference to them casts them `::text[]`
 * (so PostgreSQL types the parameter so, whatever else the statement does with it). Worked out once a text.
 */
export function textArrayParams(sql: string): ReadonlySet<number> {
  const known = textArraysOf.get(sql);
  if (known) return known;
  const cast = new Set<number>();
  const bare = new Set<number>();
  for (const m of sql.matchAll(PARAM_REF)) (m[2] ? cast : bare).add(Number(m[1]));
  for (const n of bare) cast.delete(n);
  if (textArraysOf.size < MAX_TEXTS_KNOWN) textArraysOf.set(sql, cast);
  return cast;
}

/** True when `values` holds only strings and nulls (undefined: null, as pg writes it). */
function stringsOnly(values: readonly unknown[]): values is readonly (string | null | undefined)[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string' && v !== null && v !== undefined) return false;
  }
  return true;
}

/**
 * A statement's parameters as pg sends them: an array of strings the statement casts `::text[]` in binary form
 * ({@link textArrayBytes}), other arrays of strings or booleans written here ({@link textArrayLiteral}).
 */
function paramValues(sql: string, params: readonly unknown[]): unknown[] {
  const texts = params.some(Array.isArray) ? textArrayParams(sql) : undefined;
  return params.map((v, i) => {
    if (!Array.isArray(v)) return v;
    if (texts!.has(i + 1) && stringsOnly(v)) return textArrayBytes(v);
    return textArrayLiteral(v) ?? v;
  });
}

/** The statement as pg sends it: named (prepared once per connection) when asked and allowed (`prepare`). */
export function statement(
  sql: string,
  params: readonly unknown[] | undefined,
  prepare: boolean,
): pg.QueryConfig<unknown[]> {
  const config: pg.QueryConfig<unknown[]> = params
    ? { text: sql, values: paramValues(sql, params) }
    : { text: sql };
  if (!prepare) return config;
  let name = preparedNames.get(sql);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `truc_${hash('sha256', sql).slice(0, 32)}`;
    preparedNames.set(sql, name);
  }
  return name === undefined ? config : { ...config, name };
}

/** What `copyIn` needs of pg's connection (not in pg's types). */
interface CopyConnection {
  query(text: string): void;
  endCopyFrom(): void;
  stream: { cork?(): void; uncork?(): void; write(chunk: Buffer): boolean };
}

/**
 * `sql` (a `COPY … FROM STDIN`) on `client`, its input `data` written right behind it: a query of pg's own
 * kind (so a pipelined connection sends it in turn, as any statement), in the simple protocol (its answers
 * end like any statement's, with ReadyForQuery), whose COPY data and end follow it on the wire without
 * waiting for PostgreSQL's CopyInResponse. If the COPY fails before reading them (a transaction already
 * failed), PostgreSQL skips COPY messages it meets outside a COPY, as the protocol says it must.
 */
export function copyQuery(client: pg.ClientBase, sql: string, data: Buffer): Promise<{ rowCount: number }> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query(sql, (err: Error | undefined, res: { rowCount: number | null }) => {
      if (err) reject(err);
      else resolve({ rowCount: res.rowCount ?? 0 });
    });
    query.submit = (connection) => {
      const c = connection as unknown as CopyConnection;
      c.stream.cork?.();
      try {
        c.query(sql);
        // One CopyData message: its head, then `data` as it is (pg's own would copy a page's ~600 KB once more).
        const head = Buffer.allocUnsafe(5);
        head[0] = 0x64; // 'd'
        head.writeInt32BE(4 + data.length, 1);
        c.stream.write(head);
        c.stream.write(data);
        c.endCopyFrom();
      } finally {
        c.stream.uncork?.();
      }
    };
    // pg's default answers CopyInResponse with CopyFail: the data is on its way already.
    (query as unknown as { handleCopyInResponse(): void }).handleCopyInResponse = () => undefined;
    client.query(query);
  });
}
