/**
 * The arrival of the word a record holds (migration 600; review18 R1, review18b R6, review19 R19-7/R19-8): what
 * orders a vendor's batches, not when they were ingested. A record's word is the latest of: the write that made
 * its row (a vendor batch's arrival, `arrived_at`; a pull's or the city's tombstone, the write itself: NULL,
 * read as `updated_at`, or `deleted_at` for a tombstone), a batch that carried it unchanged (truc.record_seen
 * `arrived_at`, NULL before the migration: `seen_at`), and a vendor's re-push of a body judged at once, which
 * writes nothing (its batch row: `created_at`, the keys its body carried: `carried_keys`).
 *
 * A vendor batch writes a record only when no word newer than its own arrival is there, compared in the write
 * statement itself ({@link writableBy}): under READ COMMITTED PostgreSQL re-checks an UPDATE's WHERE on the
 * newest row version once it holds the row's lock, so a newer batch's write committed after the older batch read
 * the stored copies still stops it (./record-writes.ts `upsert`).
 */
import type { EntityName } from '../config.js';
import { TABLES } from './record-tables.js';

/** SQL timestamp: the arrival of the batch whose id is the SQL text `batchId` (a uuid parameter). */
export function batchArrival(batchId: string): string {
  return `(SELECT b.created_at FROM truc.batches b WHERE b.id = ${batchId}::uuid)`;
}

/** SQL timestamp: the arrival of the word the row `row` of a record table holds by its own write. */
export function rowArrival(row: string): string {
  return `coalesce(${row}.arrived_at, greatest(${row}.updated_at, ${row}.deleted_at))`;
}

/**
 * SQL timestamp: the arrival of the word a row `row` of `entity` holds, its write's or the latest carry's
 * (truc.record_seen), whichever is later. A carry older than the row's write can only be earlier: a write
 * passes {@link writableBy} only with an arrival at or after every carry's.
 */
export function wordArrival(entity: EntityName, row: string): string {
  return `greatest(${rowArrival(row)},
                   (SELECT coalesce(seen.arrived_at, seen.seen_at) FROM truc.record_seen seen
                     WHERE seen.entity = '${entity}' AND seen.key = ${row}.${TABLES[entity].key}))`;
}

/**
 * SQL boolean on a row `row` of `entity`: a batch of the school `school` (SQL text) that arrived at `arrival`
 * (SQL timestamp) may write it: no word newer than that arrival is there — the row's write or a carry
 * ({@link wordArrival}), or a vendor's re-push judged at once (no record written) at that school that arrived
 * after it and carried the key. Equal arrivals: the later ingest writes (as before migration 600).
 *
 * `keys`: SQL text[] of the statement's keys (every row it may write is among them). The carries newer than the
 * arrival are read for those keys once, with the re-pushes' keys, into one list the row's key must not be in
 * (`key`: that key's SQL, default the row's): the same truth as `wordArrival(row) <= arrival` (`greatest` passes
 * over a row with no carry, and a row's own arrival is never NULL), read in the statement's one snapshot as
 * before. Issue 7 (perf21, test/bench/lib/write-where.ts): read by a subquery at each row, the carries cost
 * ~23–27 % of a changed 1000-student batch's `UPDATE` where every student had one; read once, 6–8 % less for the
 * whole statement (the same where none had). In an `UPDATE … FROM` of the batch's rows give the batch row's key
 * (`v.key`): a `NOT IN` on the stored row is costed at every row probe, and the planner (tables never analysed)
 * then scans every student.
 */
export function writableBy(
  entity: EntityName,
  row: string,
  arrival: string,
  school: string,
  keys: string,
  key = `${row}.${TABLES[entity].key}`,
): string {
  return `${rowArrival(row)} <= ${arrival}
          AND ${key} NOT IN (${carriedKeysAfter(entity, keys, arrival)}
                             UNION ALL ${repushedKeysAfter(entity, school, arrival)})`;
}

/**
 * SQL query of one text column, never NULL: of the keys `keys` (SQL text[]), those a batch that arrived after
 * `arrival` carried unchanged (truc.record_seen, its arrival or, NULL, when it was seen). One probe a key (`LIMIT`
 * keeps it a lateral probe: as a join, the planner of a table never analysed read every carry of the entity).
 */
export function carriedKeysAfter(entity: EntityName, keys: string, arrival: string): string {
  return `SELECT n.key FROM unnest(${keys}) AS c(key)
            CROSS JOIN LATERAL (SELECT seen.key FROM truc.record_seen seen
                                 WHERE seen.entity = '${entity}' AND seen.key = c.key
                                   AND coalesce(seen.arrived_at, seen.seen_at) > ${arrival} LIMIT 1) n`;
}

/**
 * SQL query of one text column, never NULL (a NULL would make `NOT IN` false for every row): the keys carried by vendors' delta re-pushes judged at once (done, nothing
 * accepted or rejected, `same_as` set) at the school `school` that arrived after `arrival`. A batch of the same
 * body judged in full keeps them (`carried_keys`, set with its repeat tag). By the batches' (school, created_at)
 * index: after an older batch's arrival there is usually none.
 */
export function repushedKeysAfter(entity: EntityName, school: string, arrival: string): string {
  return `SELECT k FROM truc.batches rp
            CROSS JOIN LATERAL (SELECT j.carried_keys FROM truc.batches j
                                 WHERE j.school_code = rp.school_code AND j.body_sha256 = rp.body_sha256
                                   AND j.carried_keys IS NOT NULL LIMIT 1) h
            CROSS JOIN LATERAL unnest(h.carried_keys) AS k
           WHERE rp.school_code = ${school}::text AND rp.created_at > ${arrival} AND rp.entity = '${entity}'
             AND rp.same_as IS NOT NULL AND rp.status = 'done' AND rp.mode = 'delta'
             AND rp.accepted = 0 AND rp.rejected = 0 AND k IS NOT NULL`;
}
