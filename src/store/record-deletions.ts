/**
 * What goes from the canonical records: tombstones and the deleted records' scopes, and the live
 * records of a scope that a full run or a snapshot no longer holds. Part of the records repository
 * (./records.ts `createRecordsRepo`).
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { chunks, TABLES, writtenBy } from './record-tables.js';
import { carriedAfterWrite } from './record-seen.js';
import { CITY_COPIES_SCHOOL, holdsSql } from './system-copies.js';
import { batchArrival, wordArrival, writableBy } from './word-arrival.js';

/**
 * Marks records deleted; the ones that were live, with their scope (school), by key. Every chunk's
 * statement is made at once (in a transaction they go out in order with the statements made after them).
 */
async function markDeleted(
  q: Queryable,
  entity: EntityName,
  keys: readonly string[],
  opts: DeleteOptions,
): Promise<Array<{ key: string; scope: string }>> {
  if (keys.length === 0 || (entity === 'classes' && !opts.naturalKeys)) return [];
  const t = TABLES[entity];
  const { arrival } = opts;
  // A vendor snapshot's deletion is its word, at its arrival, where no newer word is (./word-arrival.ts); the
  // city's (a pull's tombstones, a run's reconciliation) arrives with the write: NULL.
  const set = arrival ? `arrived_at = ${batchArrival('$2')}` : 'arrived_at = NULL';
  const where = arrival ? `AND ${writableBy(entity, 'r', batchArrival('$2'), '$3', '$1::text[]')}` : '';
  const at = arrival ? 4 : 2;
  const echo = opts.city ? `AND NOT ${echoOfOwnDelete(entity, 'r', `$${at}`, `$${at + 1}`)}` : '';
  // The source's own time of each deletion, where it told one (aligned with the chunk's keys).
  const { sourceAt } = opts;
  const timeAt = at + (opts.city ? 2 : 0);
  const timed = sourceAt
    ? `, source_deleted_at = (SELECT v.at FROM unnest($1::text[], $${timeAt}::timestamptz[]) AS v(key, at)
                               WHERE v.key = r.${t.key} LIMIT 1)`
    : '';
  const update = `UPDATE ${t.table} r SET deleted_at = now(), ${set}${timed}
          WHERE r.${t.key} = ANY($1::text[]) AND r.deleted_at IS NULL ${where} ${echo}
         RETURNING r.${t.key} AS key, r.${t.scope} AS scope`;
  // A source's tombstone of a record deleted already (rel29: by another source's word, a reconciliation, an earlier
  // tombstone) keeps its time where later than the one the row holds (none, or an earlier deletion's): a copy the
  // source served before this deletion is no restore either (../jobs/skip-unchanged.ts). Nothing else of the row
  // changes (no change: the change feed records none, nothing is sent). In the same statement: the rows deleted
  // already as its snapshot sees them, none of those the update above deletes.
  const earlier =
    sourceAt && !arrival
      ? `a AS (UPDATE ${t.table} r SET source_deleted_at = v.at
                 FROM unnest($1::text[], $${timeAt}::timestamptz[]) AS v(key, at)
                WHERE r.${t.key} = v.key AND v.at IS NOT NULL AND r.deleted_at IS NOT NULL
                  AND (r.source_deleted_at IS NULL OR r.source_deleted_at < v.at))`
      : undefined;
  // A sync run's tombstones: the run keeps what it deleted (migration 1437, ../jobs/run-restores.ts), in the statement.
  const runAt = timeAt + (sourceAt ? 1 : 0);
  const kept =
    opts.run !== undefined && !arrival
      ? `k AS (INSERT INTO truc.sync_run_deleted (sync_run_id, record_key, school_code)
               SELECT $${runAt}::bigint, key, scope FROM d
               ON CONFLICT (sync_run_id, record_key) DO UPDATE SET school_code = EXCLUDED.school_code)`
      : undefined;
  const also = [earlier, kept].filter((x) => x !== undefined);
  const sql = also.length > 0 ? `WITH d AS (${update}), ${also.join(', ')} SELECT key, scope FROM d` : update;
  const answers = await Promise.all(
    [...chunks(keys)].map((part) =>
      q.query<{ key: string; scope: string }>(sql, [
        part,
        ...(arrival ? [arrival.batchId, arrival.school] : []),
        ...(opts.city ? [opts.city, entity] : []),
        ...(sourceAt ? [part.map((k) => sourceAt.get(k) ?? null)] : []),
        ...(kept ? [opts.run] : []),
      ]),
    ),
  );
  return answers.flatMap((res) => res.rows).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * SQL: whether the live record `r` is one whose deletion truc sent the city database (system `s`, entity `e`),
 * restored in truc since by another source (review21, echo23; `test/unit/jobs/city-tombstone-echo.test.ts`): the
 * city's copy row (school {@link CITY_COPIES_SCHOOL}, ./system-copies.ts) holds a deletion truc noted sending
 * there (`deletion_noted_at`: acknowledged or not — a delete whose answer timed out may have been applied), that
 * no acknowledgement of a copy sent after it has superseded, with no copy of the city's noted after it; and
 * another source wrote the row last. A tombstone the city then lists of it is the echo of truc's own delete —
 * the city's older state, as its older copy is (review18 R2) — not the city's word: the restore's upsert (queued,
 * or sent and unanswered) delivers it. Once the city acknowledged that upsert any tombstone is its own.
 */
function echoOfOwnDelete(entity: EntityName, r: string, s: string, e: string): string {
  const t = TABLES[entity];
  return `(${r}.source_system IS DISTINCT FROM ${s} AND EXISTS (
            SELECT 1 FROM truc.system_copies c
             WHERE c.system = ${s} AND c.entity = ${e} AND c.key = ${r}.${t.key} AND c.school = '${CITY_COPIES_SCHOOL}'
               AND c.deletion_noted_at IS NOT NULL
               AND (c.received_at IS NULL OR c.received_at <= c.deletion_noted_at)))`;
}

/**
 * How records are deleted: `naturalKeys`, the keys are truc's own (classes); `arrival`, a vendor snapshot's
 * deletion (its batch and school): at its arrival, and not of a record holding a newer word; `city`, the city
 * database's tombstones (its system): not of a record whose deletion truc sent it and restored since
 * ({@link echoOfOwnDelete}); `sourceAt`, the source's own times of its tombstones.
 */
export interface DeleteOptions {
  naturalKeys?: boolean;
  arrival?: { batchId: string; school: string } | undefined;
  city?: string | undefined;
  /**
   * A source's tombstones: when the source deleted each record by its own clock (an ISO time, by key; where it
   * told), kept with the records deleted (`source_deleted_at`, migration 985: a copy it served before is no
   * restore, ../jobs/skip-unchanged.ts).
   */
  sourceAt?: ReadonlyMap<string, string> | undefined;
  /** A sync run's tombstones: the run that deletes, which keeps the records it deleted (migration 1437). */
  run?: number | undefined;
}

/** Deletions: tombstones, and the deleted records' scopes. */
export function recordDeletions(q: Queryable) {
  return {
    /**
     * Marks records deleted and returns the keys that were live (the ones whose deletion must travel).
     * A source's tombstone ids are not class keys (those are composite: school/year/class), so classes
     * are left alone unless `naturalKeys` says the keys are truc's own (reconciliation).
     */
    async tombstone(
      entity: EntityName,
      keys: readonly string[],
      opts: DeleteOptions = {},
    ): Promise<string[]> {
      return (await markDeleted(q, entity, keys, opts)).map((r) => r.key);
    },
    /**
     * {@link tombstone}, with each deleted record's scope (school) as it was: what the mass-change guard
     * weighs a pulled page's tombstones by (issue 7: one statement, not a read of the records and then the
     * update). Its statements are made at once: in a transaction, the caller may wait for them later.
     */
    tombstoneScoped: (
      entity: EntityName,
      keys: readonly string[],
      opts: Pick<DeleteOptions, 'naturalKeys' | 'city' | 'sourceAt' | 'run'> = {},
    ) => markDeleted(q, entity, keys, opts),
    /** The deleted records of `keys` with their scope (school) as it was when they were deleted. */
    async deletedScopes(
      entity: EntityName,
      keys: readonly string[],
    ): Promise<Array<{ key: string; scope: string }>> {
      const t = TABLES[entity];
      const out: Array<{ key: string; scope: string }> = [];
      for (const part of chunks(keys)) {
        const res = await q.query<{ key: string; scope: string }>(
          `SELECT ${t.key} AS key, ${t.scope} AS scope FROM ${t.table}
            WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NOT NULL ORDER BY ${t.key}`,
          [part],
        );
        out.push(...res.rows);
      }
      return out;
    },
  };
}

/** Reconciliation: the live records of a scope that a full run or a snapshot no longer holds. */
export function scopeReconciliation(q: Queryable) {
  return {
    /**
     * Live records of a full run's scope that the run did not see (its pages' keys are in
     * truc.sync_run_seen), last written by the run's system before the run began: what the source no
     * longer has. Records written since (by anyone) or last written by another system are left alone.
     */
    async unseenByRun(
      entity: EntityName,
      run: { id: number; system: string; scope: string; startedAt: Date; storedBefore: boolean },
    ): Promise<Array<{ key: string; scope: string }>> {
      const t = TABLES[entity];
      // None when the run was requested: a first sync (no record of its scope was written by its system,
      // none was being written), so nothing can be unseen and no record is read (issue 7, the city: the
      // question below scanned the 1.7 M rows the run had just written, 2.7 s).
      if (!run.storedBefore) return [];
      // Rows last written by the run's system before it began ($n: the system, $n+1 that time, $n+2 the scope).
      const candidate = (n: number) =>
        `${writtenBy(entity, `$${n}`, `$${n + 2}`)} AND r.updated_at < $${n + 1}`;
      // Whether any candidate is left (the run rewrote them all, or they were deleted meanwhile): none, the
      // run's seen keys are not read (issue 7, the city: sorting its 1.7 M seen keys to find nothing took
      // ~16 of the reconciliation's 21 s). It stops at the first one: a re-sync pays one row. A record
      // written from now on is not a candidate either.
      const any = await q.query<{ any: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${t.table} r WHERE ${candidate(1)}) AS any`,
        [run.system, run.startedAt, run.scope],
      );
      if (!any.rows[0]?.any) return [];
      // One grouping over the candidates and the seen keys (hash or sort: linear or n·log n whatever
      // the statistics say). An anti-join here was planned as a nested loop right after a bulk load
      // (no statistics yet): quadratic, 47 s for 20,000 students. A key whose rows are all candidates
      // (none seen) is unseen: one aggregate (issue 7: 9-19 % less CPU than two, 30 k students).
      // Grouped by the keys' bytes (COLLATE "C": the same groups under any deterministic collation, and
      // PostgreSQL sorts them by memcmp with abbreviated keys instead of the locale's strcoll): an
      // unchanged re-sync's every record is a candidate, so this sorts the run's 2 N keys (issue 7: at
      // 300 k students 1.77 s against 3.31 s, serial plans). The unseen come back in the database's order.
      const res = await q.query<{ key: string; scope: string }>(
        `SELECT key, max(scope) AS scope FROM (
           SELECT r.${t.key} COLLATE "C" AS key, r.${t.scope} AS scope, false AS seen FROM ${t.table} r
            WHERE ${candidate(2)}
           UNION ALL
           SELECT unnest(keys) COLLATE "C", NULL, true FROM truc.sync_run_seen WHERE sync_run_id = $1
         ) x GROUP BY key HAVING bool_and(NOT seen)
         ORDER BY key COLLATE "default"`,
        [run.id, run.system, run.startedAt, run.scope],
      );
      return res.rows;
    },
  };
}

/** What a vendor's snapshot of a school omits: deleted, or kept (its sender has not heard of them yet). */
export function snapshotOmissions(q: Queryable) {
  return {
    /**
     * Live records of one scope (school) missing from a snapshot's keys whose word arrived before the snapshot
     * (./word-arrival.ts: neither written, deleted nor carried unchanged by a batch that arrived after it): what a vendor's "every record of my school" no longer holds; only
     * those of `schoolYears` when given (classes: ../jobs/snapshot-missing.ts). `missing` are the ones its
     * sender is known to have held as they are now, so leaving them out deletes them (precedence (b)): (i) the
     * sender wrote the row last, (ii) a batch of the sender carried it unchanged since its last write
     * ({@link carriedAfterWrite}), or (iii) the school's own system (truc.school_systems) is known to hold this
     * very copy at that school as of the snapshot's arrival (truc.system_copies, per school since migration 540):
     * the last thing truc knew of it there before then is its acknowledgement of this copy, or this copy given to
     * truc (a pull), with no send or delete since (./system-copies.ts `holdsSql`, review17b C1: a student moved
     * away and back with the same copy is not held while truc's delete there is the last known, nor while a send
     * is unanswered). `kept` are the others: a record someone else wrote
     * (the city moved a student in) that the sender had not heard of when it sent its snapshot.
     */
    async missingFromSnapshot(
      entity: EntityName,
      scope: string,
      keys: readonly string[],
      receivedAt: Date,
      opts: { sender: string; schoolYears?: readonly string[] | undefined; batchId?: string | undefined },
    ): Promise<{ missing: string[]; kept: string[] }> {
      const t = TABLES[entity];
      // Its arrival: the stored snapshot's own (its row's created_at, exactly), or `receivedAt` (a dry run).
      const arrival = opts.batchId === undefined ? '$2' : batchArrival('$7');
      const res = await q.query<{ key: string; held: boolean }>(
        `SELECT r.${t.key} AS key,
                (r.source_system = $5 OR ${carriedAfterWrite(entity, 'r', '$5')}
                 OR EXISTS (SELECT 1 FROM truc.school_systems s
                              JOIN truc.system_copies c ON c.system = s.system AND c.entity = $6 AND c.key = r.${t.key}
                                                       AND c.school = s.school_code
                             WHERE s.school_code = $1 AND ${holdsSql('c', 'r', '$2')})) AS held
           FROM ${t.table} r
          WHERE r.deleted_at IS NULL AND r.${t.scope} = $1 AND ${wordArrival(entity, 'r')} < ${arrival}
            AND NOT (r.${t.key} = ANY($3::text[]))
            AND ($4::text[] IS NULL OR r.data ->> 'schoolYear' = ANY($4::text[])) ORDER BY 1`,
        [
          scope,
          receivedAt,
          [...keys],
          opts.schoolYears === undefined ? null : [...opts.schoolYears],
          opts.sender,
          entity,
          ...(opts.batchId === undefined ? [] : [opts.batchId]),
        ],
      );
      return {
        missing: res.rows.flatMap((r) => (r.held ? [r.key] : [])),
        kept: res.rows.flatMap((r) => (r.held ? [] : [r.key])),
      };
    },
  };
}
