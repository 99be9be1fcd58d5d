/** What every adapter's client does with a system's answers: page sizes, wire-schema parsing, pagination. */
import type { ZodType } from 'zod';
import { AppError, type FieldError } from '../errors.js';
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
  const errors: FieldError[] = result.error.issues.slice(0, 5).map((issue) => {
    const pointer = '/' + issue.path.map((p) => String(p)).join('/');
    return { pointer, rule: issue.code, message: `${issue.code} at ${pointer}` };
  });
  const first = errors.map((e) => e.message).join('; ');
  return throwAppError(
    new AppError('ERR_ADAPTER_RESPONSE_INVALID', `${system}: response failed its wire schema (${first})`, {
      errors,
    }),
  );
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
