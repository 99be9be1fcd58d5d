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

/** At most this many unknown keys of one issue get a place of their own ({@link issuePlaces}). */
export const UNKNOWN_KEY_PLACES = 20;

/** One place a zod issue is told at: its pointer and the note after its message. */
export interface IssuePlace {
  readonly pointer: string;
  /** ` (name)` for an unknown key, '' for any other issue. */
  readonly note: string;
}

/**
 * Where a zod issue is told, the one answer for the mapping's findings and the quality engine's (walk9 W9-2: a
 * record's unknown keys were one finding at the record): an unknown-keys issue at each key it did not know, its own
 * pointer (`/foo`: the body's `/records/N/foo`) and name, the first {@link UNKNOWN_KEY_PLACES}; the keys not echoed
 * ({@link printableKey}: a name shaped like a personal ID is no pointer either) and any beyond together at the issue's
 * own pointer. Any other issue: its pointer, no note.
 */
export function issuePlaces(issue: z.core.$ZodIssue): IssuePlace[] {
  const at = issuePointer(issue);
  if (issue.code !== 'unrecognized_keys') return [{ pointer: at, note: '' }];
  const places: IssuePlace[] = [];
  const rest: string[] = [];
  for (const key of issue.keys) {
    if (places.length < UNKNOWN_KEY_PLACES && printableKey(key) === key)
      places.push({ pointer: `${at}/${pointerToken(key)}`, note: ` (${key})` });
    else rest.push(key);
  }
  if (rest.length > 0) places.push({ pointer: at, note: ` (${printableKeys(rest)})` });
  return places;
}
