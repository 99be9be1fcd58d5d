/**
 * Which stored copies a batch is judged against (./judge.ts `check`): the stored rows of its keys (with the
 * live records of their schools when the guard weighs them), and the copies a system is known to hold (a
 * school's own system, smas or vnedu; or the city database's) as of when the batch's records were listed,
 * so that system's older copy of a record changed in truc since is no change (prec16, review18 R2).
 */
import { SCHOOL_SYSTEMS, CITY_SYSTEM } from '../canonical/systems.js';
import type { EntityName } from '../config.js';
import type { Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo, type ExistingRow } from '../store/records.js';
import type { CopiesOf } from '../store/system-copies.js';

/** What of a batch being judged (./judge.ts `Loaded`) tells whose copies it is weighed with. */
interface Judged {
  readonly trusted: boolean;
  readonly batch: Pick<Batch, 'syncRunId' | 'format' | 'createdAt' | 'schoolCode'>;
  readonly listedSince?: Date;
}

/**
 * The stored copies of `keys`, and with `weigh` the live records of their schools, in one statement; the copies
 * {@link copiesAsOf} `loaded`. A batch of one school (its `schoolCode`) reads its school's rows with its count.
 */
export async function storedCopies(
  q: Queryable,
  entity: EntityName,
  keys: readonly string[],
  weigh: boolean,
  loaded: Judged,
): Promise<{ rows: Map<string, ExistingRow>; live?: Map<string, number> }> {
  if (keys.length === 0) return weigh ? { rows: new Map(), live: new Map() } : { rows: new Map() };
  const records = createRecordsRepo(q);
  const copiesOf = copiesAsOf(loaded);
  const opts = copiesOf === undefined ? {} : { copiesOf };
  const school = loaded.batch.schoolCode ?? undefined;
  // Only a vendor's batch weighs with its copies (./ingest.ts): a pulled page never does.
  if (weigh) return records.existingWithLive(entity, keys, school === undefined ? opts : { ...opts, school });
  return { rows: await records.existing(entity, keys, opts) };
}

/**
 * The school's own system (smas, vnedu) a batch comes from: a page pulled from it, or a vendor's batch in its
 * format (that system's vendor pushing what it holds; review17b C2). Its known copies are read with the stored
 * rows (`plan`: its older copies are no change; prec16), and what it gave is noted (./ingest-apply.ts).
 * Undefined for any other batch (the city's pages, a vendor's batch in truc's canonical format: no system known).
 */
export function copiesOf({ trusted, batch }: Pick<Judged, 'trusted' | 'batch'>): string | undefined {
  const fromSystem = trusted ? batch.syncRunId !== null : true;
  return fromSystem && (SCHOOL_SYSTEMS as readonly string[]).includes(batch.format)
    ? batch.format
    : undefined;
}

/**
 * The city database's copies a page pulled from it is weighed with (review18 R2: its older copy of a record
 * another source changed, the change not delivered to it yet, is no change), as of when its run was requested.
 * Undefined for any other batch.
 */
export function cityCopiesOf(system: string, listedSince: Date | undefined): CopiesOf | undefined {
  return system === CITY_SYSTEM && listedSince !== undefined
    ? { system, asOf: listedSince, city: true }
    : undefined;
}

/**
 * {@link copiesOf}, as of when the batch's records were listed at the latest (./judge.ts `Loaded` `listedSince`); a
 * page of the city database's, its copies ({@link cityCopiesOf}).
 */
export function copiesAsOf(loaded: Judged): CopiesOf | undefined {
  const system = copiesOf(loaded);
  if (system === undefined)
    return loaded.trusted && loaded.batch.syncRunId !== null
      ? cityCopiesOf(loaded.batch.format, loaded.listedSince)
      : undefined;
  return { system, asOf: loaded.listedSince ?? loaded.batch.createdAt };
}
