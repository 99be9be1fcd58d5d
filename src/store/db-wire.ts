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

/** An int32 below 256 as four latin1 characters, big-endian (an element's length, the header's words). */
const SMALL_INT32 = Array.from({ length: 256 }, (_, v) => `\0\0\0${String.fromCharCode(v)}`);

/** `v` (an int32, -1 for a null) as four latin1 characters, big-endian: its four bytes once written as latin1. */
const int32Text = (v: number): string =>
  v >= 0 && v < 256
    ? SMALL_INT32[v]!
    : String.fromCharCode(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);

/** How many of `v`'s four bytes ({@link int32Text}) are above 0x7f: each is one UTF-8 byte more than a latin1 one. */
const highBytes = (v: number): number => (v >>> 31) + ((v >>> 23) & 1) + ((v >>> 15) & 1) + ((v >>> 7) & 1);

/**
 * {@link textArrayBytes} of an array whose strings are all ASCII (each character its one byte in UTF-8, and in
 * latin1), or undefined: the whole array (header, each element's length and bytes) as one text of latin1
 * characters, one `join`, written by one `Buffer.from`. Issue 7 (perf8e): a changed batch's statements send ~19
 * such arrays of 1000 keys, codes and fingerprints, each element written by a `Buffer#write` call of its own in
 * {@link utf8ArrayBytes}: 3.7–6.2 against 2.5–3.9 ms of CPU (19 ASCII arrays and one Vietnamese of 1000, in process, load 18–22).
 * The strings are ASCII when the text's UTF-8 is as long as its latin1 but for the bytes above 0x7f of its lengths and
 * header ({@link highBytes}): one count of the text (perf9: it was a `join` of the strings alone first, tested by a
 * regular expression, ~0.45 of a changed batch's ~6.5 MB allocated).
 */
function asciiArrayBytes(values: readonly (string | null | undefined)[]): Buffer | undefined {
  const n = values.length;
  const parts = new Array<string>(2 * n + 1);
  let nulls = 0;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'string') {
      parts[2 * i + 1] = int32Text(v.length);
      parts[2 * i + 2] = v;
      high += highBytes(v.length);
    } else {
      parts[2 * i + 1] = int32Text(-1);
      parts[2 * i + 2] = '';
      high += 4; // -1: four bytes 0xff
      nulls = 1;
    }
  }
  // The header, as utf8ArrayBytes writes it.
  parts[0] =
    n === 0
      ? `${int32Text(0)}${int32Text(0)}${int32Text(TEXT_OID)}`
      : `${int32Text(1)}${int32Text(nulls)}${int32Text(TEXT_OID)}${int32Text(n)}${int32Text(1)}`;
  high += highBytes(n); // the header's other words are below 0x80
  const text = parts.join('');
  if (Buffer.byteLength(text, 'utf8') !== text.length + high) return undefined;
  return Buffer.from(text, 'latin1');
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
  // Dimensions (none for an empty array), whether any element is null, the element type; the one dimension's length
  // and lower bound.
  out.writeInt32BE(n === 0 ? 0 : 1, 0);
  out.writeInt32BE(nulls, 4);
  out.writeInt32BE(TEXT_OID, 8);
  if (n > 0) {
    out.writeInt32BE(n, 12);
    out.writeInt32BE(1, 16);
  }
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
