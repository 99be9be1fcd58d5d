/**
 * Field names as they may be echoed back in errors and findings. A field name comes from the caller
 * and may be a personal ID or a name (`{"079201001234": …}`): only names shaped like a schema field
 * (ASCII letters, digits, `_`, `-`, at most 64, no run of 5 or more digits) are echoed; any other
 * becomes {@link HIDDEN_KEY}. A zod issue of a record says where it points and which keys it did not know the same
 * way in the mapping's findings and the quality engine's ({@link issuePointer}, {@link unknownKeysNote}).
 */
import type { z } from 'zod';

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
  return issue.path.length ? `/${issue.path.map(String).join('/')}` : '';
}

/** After a zod issue's message: the printable names of the keys it did not know, ` (a, b)`; '' for any other issue. */
export function unknownKeysNote(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys' ? ` (${printableKeys(issue.keys)})` : '';
}
