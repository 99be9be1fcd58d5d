/**
 * The fields a vendor's batch sent that truc ignored (walk6b W6b-4): the top-level fields of its records outside its
 * format (./inbound.ts `knows`), once a batch. A field the format defines but truc does not carry (SMAS `TenLop`,
 * `NgayCapNhat`; vnEdu `updated_at`) is not listed (fix10): the record's schema documents it as not read, and listed
 * here it read as unknown to a vendor sending what the format documents. Names only, never values; a name not shaped
 * like a field name (../canonical/keys.ts `printableKey`: too long, not ASCII, a run of digits that could be a personal
 * ID) is counted, not listed.
 */
import { printableKey } from '../canonical/keys.js';
import { createBatchesRepo, type IgnoredFields } from '../store/batches.js';
import { sendWrite, type Queryable } from '../store/db.js';
import type { InboundMapping } from './inbound.js';

/**
 * The most ignored field names a batch lists; the others are counted (`more`). The API's batch views say the same
 * bound (../api/batch-contract.ts, through ./contracts.ts).
 */
export const IGNORED_FIELDS_MAX = 50;

/**
 * The ignored fields of `records` (sorted, distinct, at most {@link IGNORED_FIELDS_MAX}, and how many other distinct
 * names), given the fields the format knows; undefined when none was ignored.
 */
export function ignoredFields(
  records: readonly unknown[],
  knows: ReadonlySet<string>,
): IgnoredFields | undefined {
  const sent = new Set<string>();
  for (const raw of records) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    for (const name of Object.keys(raw)) if (!knows.has(name)) sent.add(name);
  }
  if (sent.size === 0) return undefined;
  const shown = [...sent].filter((name) => printableKey(name) === name).sort();
  const names = shown.slice(0, IGNORED_FIELDS_MAX);
  return { names, more: sent.size - names.length };
}

/**
 * Notes on a vendor's batch, as it is judged, the fields its records sent that truc ignored, when its format tells
 * them and it ignored any (one write, not waited for: the ingest's next statement waits for it).
 */
export async function noteIgnoredFields(
  q: Queryable,
  batch: { id: string; records: readonly unknown[] },
  mapping: Pick<InboundMapping, 'knows'>,
): Promise<void> {
  if (!mapping.knows) return;
  const ignored = ignoredFields(batch.records, mapping.knows);
  if (ignored) await sendWrite(q, (w) => createBatchesRepo(w).noteIgnored(batch.id, ignored));
}
