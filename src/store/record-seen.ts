/**
 * Records carried unchanged by a batch: truc.record_seen (migration 550), one narrow row per record, the last
 * time a batch carried it unchanged and the system of that batch (`seen_by`: `vendor:<client>` for a vendor's
 * batch; NULL for what was carried before the migration, whose system is not known, and for a carry of another
 * state than the stored one: a school system's older copy, review18b R4). A batch's unchanged records
 * are noted here instead of rewriting their wide rows (issue 7). A write of the record leaves its row here as it
 * is: "seen" counts only when later than the record's `updated_at`. It keeps the arrival of the latest batch that
 * carried the record (migration 600: ./word-arrival.ts). And who reads it: a snapshot's omissions
 * (precedence (b) rule (ii), ./record-deletions.ts `missingFromSnapshot`), an approved hold's deletions and older
 * copies ({@link heldChangeReads}), the schools list (./overview.ts).
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { chunks, TABLES } from './record-tables.js';
import { batchArrival, rowArrival, wordArrival } from './word-arrival.js';

/** Notes records as carried unchanged now by a batch of `system`. */
export function recordSeenWrites(q: Queryable) {
  return {
    /**
     * Marks `keys` of `entity` seen now by a batch of `system`, without touching the records (liveness, the
     * "sống" criterion). `otherCopies`: those of `keys` the batch carried in another state than the stored one
     * (a school system's older copy: ../jobs/judge.ts `plan`): seen all the same (the sender holds the record at
     * the school), but as no sender's carry (`seen_by` NULL), so a snapshot's rule (ii) does not take the record
     * as it is for one its sender held ({@link carriedAfterWrite}; review18b R4). `batchId`: the vendor batch
     * that carried them, whose arrival the carry keeps when it is the latest (migration 600, ./word-arrival.ts);
     * none: a pulled batch's carry, arrived now. Keys in one order, so two batches carrying the same records lock
     * them in the same order.
     */
    async touch(
      entity: EntityName,
      keys: readonly string[],
      system: string,
      otherCopies: readonly string[] = [],
      batchId?: string,
    ): Promise<void> {
      const sorted = [...new Set(keys)].sort();
      const others = [...new Set(otherCopies)];
      const arrival = batchId === undefined ? 'now()' : batchArrival('$5');
      for (const part of chunks(sorted)) {
        await q.query(
          `INSERT INTO truc.record_seen AS s (entity, key, seen_at, seen_by, arrived_at)
           SELECT $1, k, now(), CASE WHEN k = ANY($4::text[]) THEN NULL ELSE $3 END, ${arrival}
             FROM unnest($2::text[]) AS k
           ON CONFLICT (entity, key) DO UPDATE SET seen_at = EXCLUDED.seen_at, seen_by = EXCLUDED.seen_by,
             arrived_at = greatest(coalesce(s.arrived_at, s.seen_at), EXCLUDED.arrived_at)`,
          batchId === undefined ? [entity, part, system, others] : [entity, part, system, others, batchId],
        );
      }
    },
  };
}

/**
 * SQL boolean on a row `row` of `entity`: a batch of `sender` (SQL text: the snapshot's source system,
 * `vendor:<client>`) carried it unchanged after its last write (the record as it is now reached that sender).
 * A carry of unknown system (before migration 550) is not the sender's: the record is kept (the safe side) until
 * the sender carries it again; nor is a carry of another copy (a school system's older one: `seen_by` NULL). What a snapshot reads to know its sender held the current row
 * (./record-deletions.ts `missingFromSnapshot`).
 */
export function carriedAfterWrite(entity: EntityName, row: string, sender: string): string {
  return `EXISTS (SELECT 1 FROM truc.record_seen seen
                   WHERE seen.entity = '${entity}' AND seen.key = ${row}.${TABLES[entity].key}
                     AND seen.seen_by = ${sender} AND seen.seen_at > ${row}.updated_at)`;
}

/**
 * (The readers here name truc.record_seen `seen`, which a caller's row alias must not be: an inner alias equal
 * to the caller's shadows it, as `s` once did the schools list's `s`, a 500 on every schools list.)
 *
 * SQL timestamp: when a row `row` of `entity` was last written or carried unchanged by a batch (the schools
 * list's `lastSeenAt`).
 */
export function lastSeen(entity: EntityName, row: string): string {
  return `GREATEST(${row}.updated_at, (SELECT seen.seen_at FROM truc.record_seen seen
                                        WHERE seen.entity = '${entity}' AND seen.key = ${row}.${TABLES[entity].key}))`;
}

/** What an approved snapshot hold of the mass-change guard may still delete. */
export function heldChangeReads(q: Queryable) {
  return {
    /**
     * Of `keys`, the live records of one scope whose word arrived before the held snapshot `batchId` did
     * (./word-arrival.ts: neither written, deleted nor carried unchanged by a batch that arrived after it): what
     * its approval may still delete (the others, by anyone, are left alone).
     */
    async liveUnwrittenSince(
      entity: EntityName,
      scope: string,
      keys: readonly string[],
      batchId: string,
    ): Promise<string[]> {
      const t = TABLES[entity];
      const res = await q.query<{ key: string }>(
        `SELECT r.${t.key} AS key FROM ${t.table} r
          WHERE r.deleted_at IS NULL AND r.${t.scope} = $1 AND ${wordArrival(entity, 'r')} < ${batchArrival('$2')}
            AND r.${t.key} = ANY($3::text[])
          ORDER BY 1`,
        [scope, batchId, [...keys]],
      );
      return res.rows.map((r) => r.key);
    },
    /**
     * The newest word each of `keys` holds (./word-arrival.ts): the row's write or the latest carry, whichever is
     * later, when it arrived, and the batch that brought it, found by its arrival (a vendor batch's is its
     * `created_at`; a pulled page's write or carry is its transaction's, as its batch row's) at the record's school,
     * `scope` or a run's `*` (the batches' (school_code, created_at) index); its system otherwise. Of a record an
     * approved snapshot hold's deletions left alone (../jobs/guard-kept.ts): never the held snapshot itself, `held`
     * (the hold row's batch id), which wrote none of them (review6 R6-7: a batch that arrived at the very time of the
     * snapshot, a clock that repeats, was told as the snapshot when the snapshot's id sorted first).
     */
    async newestWords(
      entity: EntityName,
      scope: string,
      keys: readonly string[],
      held: string,
    ): Promise<NewestWord[]> {
      const t = TABLES[entity];
      const res = await q.query<NewestWord>(
        `WITH w AS (
           SELECT k.key, r.${t.scope} AS school, r.deleted_at IS NOT NULL AS deleted, r.source_system,
                  ${rowArrival('r')} AS written_at, coalesce(seen.arrived_at, seen.seen_at) AS carried_at, seen.seen_by
             FROM unnest($1::text[]) AS k(key)
             JOIN ${t.table} r ON r.${t.key} = k.key
             LEFT JOIN truc.record_seen seen ON seen.entity = '${entity}' AND seen.key = k.key),
         n AS (SELECT w.*, coalesce(w.carried_at > w.written_at, false) AS carried FROM w)
         SELECT n.key, n.school, n.deleted, n.carried,
                CASE WHEN n.carried THEN n.carried_at ELSE n.written_at END AS at,
                CASE WHEN n.carried THEN n.seen_by WHEN NOT n.deleted THEN n.source_system END AS system,
                b.id AS "batchId", b.sync_run_id AS "syncRunId"
           FROM n LEFT JOIN LATERAL (
             SELECT b.id, b.sync_run_id FROM truc.batches b
              WHERE b.school_code IN (n.school, $2, '*') AND b.entity = '${entity}'
                AND b.created_at = CASE WHEN n.carried THEN n.carried_at ELSE n.written_at END AND b.id <> $3::uuid
              ORDER BY b.id LIMIT 1) b ON true
          ORDER BY n.key`,
        [[...keys], scope, held],
      );
      return res.rows.map((r) => ({ ...r, syncRunId: r.syncRunId === null ? null : Number(r.syncRunId) }));
    },
  };
}

/** A record's newest word ({@link heldChangeReads} `newestWords`). */
export interface NewestWord {
  key: string;
  /** The record's school now. */
  school: string;
  deleted: boolean;
  /** Carried unchanged by a batch after its last write. */
  carried: boolean;
  at: Date;
  /** The system of that word, when known (a deletion's is not kept: null). */
  system: string | null;
  batchId: string | null;
  syncRunId: number | null;
}
