/** What every adapter's client does with a system's answers: page sizes, wire-schema parsing, pagination. */
import type { ZodError, ZodType } from 'zod';
import { AppError, jsonPointer, type FieldError } from '../errors.js';
import type { Page } from './types.js';

/** A requested page size in 1..max, rounded down; the default when absent or not a finite number. */
export function clampPageSize(n: number | undefined, def: number, max: number): number {
  const size = n === undefined || !Number.isFinite(n) ? def : Math.floor(n);
  return Math.max(1, Math.min(max, size));
}

/**
 * Parses a wire body with the system's zod schema. On failure throws ERR_ADAPTER_RESPONSE_INVALID
 * carrying the first issues (pointer + rule, never the offending values).
 */
export function parseWire<T>(schema: ZodType<T>, data: unknown, system: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const errors = wireIssues(result.error, 5);
  const first = errors.map((e) => e.message).join('; ');
  return throwAppError(
    new AppError('ERR_ADAPTER_RESPONSE_INVALID', `${system}: response failed its wire schema (${first})`, {
      errors,
    }),
  );
}

/**
 * The first `most` issues of a wire body that fails its schema, as field errors: pointer and rule, never the
 * offending values (an answer that fails its schema, {@link parseWire}, or a body about to be sent that does).
 */
export function wireIssues(error: ZodError, most: number): FieldError[] {
  return error.issues.slice(0, most).map((issue) => {
    const pointer = jsonPointer(issue.path);
    return { pointer, rule: issue.code, message: `${issue.code} at ${pointer}` };
  });
}

/**
 * The value of a page body's string field `field`, read from its text without parsing it (issue 7: the
 * next page's cursor, so that its request goes out while this page is parsed and checked). The field's
 * first occurrence is taken: a record carrying a field of the same name ahead of it could shadow it, so
 * it is a hint, which the caller checks against the parsed page. Undefined when absent or not a string.
 */
export function peekStringField(text: string, field: string): string | undefined {
  const name = JSON.stringify(field);
  const at = text.indexOf(name);
  if (at < 0) return undefined;
  const value = /\s*:\s*("(?:[^"\\]|\\.)*")/y;
  value.lastIndex = at + name.length;
  const m = value.exec(text);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]!) as string;
  } catch {
    return undefined;
  }
}

function throwAppError(err: AppError): never {
  throw err;
}

/**
 * Iterates pages from `fetchPage(cursor)` until a page has no `nextCursor`. Stops with
 * ERR_ADAPTER_RESPONSE_INVALID when the system repeats a cursor (endless loop) or `maxPages` is hit.
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  opts: { cursor?: string | undefined; maxPages?: number; system?: string } = {},
): AsyncGenerator<Page<T>> {
  const seen = new Set<string>();
  let cursor = opts.cursor;
  const maxPages = opts.maxPages ?? 1_000_000;
  for (let n = 0; n < maxPages; n++) {
    const page = await fetchPage(cursor);
    yield page;
    if (page.nextCursor === undefined || page.nextCursor === '') return;
    if (seen.has(page.nextCursor) || page.nextCursor === cursor) {
      throw new AppError(
        'ERR_ADAPTER_RESPONSE_INVALID',
        `${opts.system ?? 'adapter'}: pagination cursor repeated`,
      );
    }
    if (seen.size < 10_000) seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
  throw new AppError(
    'ERR_ADAPTER_RESPONSE_INVALID',
    `${opts.system ?? 'adapter'}: more than ${maxPages} pages`,
  );
}

/**
 * Bytes of the elements parsed as one text (see {@link parseJsonPage}): as a two-byte string, under V8's
 * 128 KB, past which a string is mapped afresh (a run ends at the first element end past it).
 */
const PIECE_BYTES = 48 * 1024;

const WS = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The index just past the string whose opening quote is at `i` (-1 when it does not end). */
function pastString(b: Uint8Array, i: number): number {
  const n = b.length;
  for (i++; i < n; i++) {
    const c = b[i]!;
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
  }
  return -1;
}

/**
 * The index just past the JSON value starting at `i` (not checked: JSON.parse reads it later), or -1.
 * Objects and arrays by their brackets (strings skipped), anything else up to the next `,` `]` `}` or space.
 */
function pastValue(b: Uint8Array, i: number): number {
  const n = b.length;
  const c = b[i];
  if (c === 0x22) return pastString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (; i < n; i++) {
      const d = b[i]!;
      if (d === 0x22) {
        i = pastString(b, i) - 1;
        if (i < 0) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return i + 1;
    }
    return -1;
  }
  for (; i < n; i++) {
    const d = b[i]!;
    if (d === 0x2c || d === 0x5d || d === 0x7d || WS(d)) return i;
  }
  return i;
}

/**
 * The elements of the array whose `[` is at `i`, cut into runs of whole elements ([start, end) byte pairs
 * pushed to `runs`, each run then parsed as an array: JSON.parse checks the elements and the commas in
 * it): one pass, brackets counted and strings skipped. Returns the index of the array's `]`, or -1.
 * `elements`, when given, receives each element's own [start, end) pair while every element is an object
 * or an array (a scalar element empties it and stops it: -1 pushed last).
 */
function arrayRuns(b: Uint8Array, i: number, runs: number[], elements?: number[]): number {
  const n = b.length;
  let start = ++i;
  let depth = 0;
  for (; ; i++) {
    if (i >= n) return -1;
    const c = b[i]!;
    if (c === 0x22) {
      if (depth === 0) scalarElement(elements);
      for (i++; ; i++) {
        if (i >= n) return -1;
        const d = b[i]!;
        if (d === 0x22) break;
        if (d === 0x5c) i++;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (depth++ === 0 && elements !== undefined && elements.at(-1) !== -1) elements.push(i);
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) break;
      if (--depth === 0 && elements !== undefined && elements.at(-1) !== -1) elements.push(i + 1);
      if (depth === 0 && i + 1 - start >= PIECE_BYTES) {
        // An element ends a run when a comma follows it (else the array ends).
        let j = i + 1;
        while (j < n && WS(b[j]!)) j++;
        if (b[j] === 0x2c) {
          runs.push(start, i + 1);
          start = j + 1;
          i = j;
        }
      }
    } else if (depth === 0 && c !== 0x2c && !WS(c)) scalarElement(elements);
  }
  if (b[i] !== 0x5d) return -1;
  // The run after a comma holds an element (else the array ends with a comma).
  if (runs.length > 0 && b.subarray(start, i).every(WS)) return -1;
  runs.push(start, i);
  return i;
}

/** An element that is neither an object nor an array: its bounds are not told (see {@link arrayRuns}). */
function scalarElement(elements: number[] | undefined): void {
  if (elements === undefined || elements.at(-1) === -1) return;
  elements.length = 0;
  elements.push(-1);
}

/**
 * A JSON object body whose member `field` is a large array (a page of records), parsed from its UTF-8 bytes
 * piece by piece: the object with that array left empty, then each element from a text of its own (issue 7:
 * the page's text as one string is over 128 KB, which V8 maps afresh for each page — ~200 page faults, on
 * this VM ~3–4 ms a 1000-record page, more than JSON.parse itself). The same value as `JSON.parse` of the
 * whole text: each piece is parsed by JSON.parse, the text between them (the brackets, commas and spaces
 * of the array, and the member's key) is checked here, and the pieces are cut at ASCII bytes, where UTF-8
 * decoding starts afresh. Undefined when the body is not of that form (or not valid), for the caller to
 * decode and parse it whole; also when a key has an escape, or the member is there twice (JSON.parse
 * keeps the last). `elements`, when given, receives the [start, end) byte offsets in `body` of each element
 * of the array, in order, when every element is an object or an array (else it is left empty).
 */
export function parseJsonPage(body: Buffer, field: string, elements?: number[]): unknown {
  const b = body;
  const n = b.length;
  const key = Buffer.from(JSON.stringify(field));
  let i = 0;
  while (i < n && WS(b[i]!)) i++;
  if (b[i] !== 0x7b) return undefined;
  i++;
  let open = -1;
  let close = -1;
  /** The array's elements: runs of them, as [start, end) pairs of byte offsets. */
  const runs: number[] = [];
  for (;;) {
    while (i < n && WS(b[i]!)) i++;
    if (b[i] !== 0x22) return undefined;
    const keyEnd = pastString(b, i);
    if (keyEnd < 0 || b.subarray(i, keyEnd).includes(0x5c)) return undefined;
    const isField = keyEnd - i === key.length && Buffer.compare(b.subarray(i, keyEnd), key) === 0;
    i = keyEnd;
    while (i < n && WS(b[i]!)) i++;
    if (b[i] !== 0x3a) return undefined;
    i++;
    while (i < n && WS(b[i]!)) i++;
    if (isField && (open >= 0 || b[i] !== 0x5b)) return undefined;
    const end = isField ? arrayRuns(b, (open = i), runs, elements) + 1 : pastValue(b, i);
    if (end <= i) return undefined;
    if (isField) close = end - 1;
    i = end;
    while (i < n && WS(b[i]!)) i++;
    if (b[i] === 0x7d) break;
    if (b[i] !== 0x2c) return undefined;
    i++;
  }
  const last = i;
  for (i++; i < n; i++) if (!WS(b[i]!)) return undefined;
  if (elements?.[0] === -1) elements.length = 0;
  return open < 0 ? undefined : assemble(body, field, { open, close, last }, runs);
}

/** The page parsed from its pieces (see {@link parseJsonPage}); undefined when JSON.parse refuses one. */
function assemble(
  body: Buffer,
  field: string,
  at: { open: number; close: number; last: number },
  runs: readonly number[],
): unknown {
  const text = (from: number, to: number) => body.toString('utf8', from, to);
  try {
    const envelope = JSON.parse(`${text(0, at.open)}[]${text(at.close + 1, at.last + 1)}`) as Record<
      string,
      unknown
    >;
    const items: unknown[] = [];
    for (let k = 0; k < runs.length; k += 2) {
      for (const item of JSON.parse(`[${text(runs[k]!, runs[k + 1]!)}]`) as unknown[]) items.push(item);
    }
    envelope[field] = items;
    return envelope;
  } catch {
    return undefined;
  }
}
