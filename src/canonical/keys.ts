/**
 * Field names as they may be echoed back in errors and findings. A field name comes from the caller
 * and may be a personal ID or a name (`{"079201001234": …}`): only names shaped like a schema field
 * (ASCII letters, digits, `_`, `-`, at most 64, no run of 5 or more digits) are echoed; any other
 * becomes {@link HIDDEN_KEY}. A zod issue of a record says where it points and which keys it did not know the same
 * way in the mapping's findings and the quality engine's ({@link issuePlaces}).
 */
import type { z } from 'zod';
import { jsonPointer, pointerToken } from '../errors.js';

const HIDDEN_KEY = '*';

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const DIGIT_RUN = /\d{5}/;

export function printableKey(key: string): string {
  if (/^\d{1,4}$/.test(key)) return key; // an array index
  return FIELD_NAME.test(key) && !DIGIT_RUN.test(key) ? key : HIDDEN_KEY;
}

/** The printable names of `keys`, e.g. for an "unknown field(s)" message. */
export function printableKeys(keys: readonly string[]): string {
  return keys.map(printableKey).join(', ');
}

/** Where a zod issue points, as a JSON pointer ('' for the value itself). */
export function issuePointer(issue: z.core.$ZodIssue): string {
  return jsonPointer(issue.path);
}

/** At most this many unknown keys of one issue are named ({@link issuePlace}); the others are counted. */
export const UNKNOWN_KEYS_NAMED = 20;

/** Where a zod issue is told: its pointer and the note after its message. */
export interface IssuePlace {
  readonly pointer: string;
  /** ` (a, b, +2)` for unknown keys, '' for any other issue. */
  readonly note: string;
}

/**
 * Where a zod issue is told, the one answer for the mapping's findings and the quality engine's: one finding an issue.
 * Unknown keys: one finding naming them (fix12: a record of 25 unknown keys had 21 findings, one per key since walk9
 * W9-2), never their values; a key not echoed ({@link printableKey}: a name shaped like a personal ID) and any past the
 * first {@link UNKNOWN_KEYS_NAMED} counted (`+2`). It points at the one key when there is one (W9-2: `/foo`, the body's
 * `/records/N/foo`), else at the issue's own pointer (the record). Any other issue: its pointer, no note.
 */
export function issuePlace(issue: z.core.$ZodIssue): IssuePlace {
  const at = issuePointer(issue);
  if (issue.code !== 'unrecognized_keys') return { pointer: at, note: '' };
  const named = issue.keys.filter((key) => printableKey(key) === key).slice(0, UNKNOWN_KEYS_NAMED);
  const others = issue.keys.length - named.length;
  const note = ` (${[...named, ...(others > 0 ? [`+${others}`] : [])].join(', ')})`;
  const only = issue.keys.length === 1 && named.length === 1 ? named[0] : undefined;
  return { pointer: only === undefined ? at : `${at}/${pointerToken(only)}`, note };
}
