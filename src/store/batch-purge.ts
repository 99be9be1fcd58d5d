/**
 * purge29: a finished batch's body (its records as sent: personal data) is removed once `api.batchRetentionDays`
 * have passed (Decree 13/2023: personal data kept no longer than needed); its row stays, with its counts, status,
 * times, error code, deliveries and findings, and `records_purged_at` (migration 1020) says when the body went.
 *
 * A body is spared while anything may still read it. Its readers, and the rule each gives:
 * - the ingest of a batch not finished (queued, processing, held whole by the mass-change guard: an approval
 *   queues it again), its own body or, for a repeat (`same_as`), the earlier batch's that keeps it;
 * - a dead letter's replay, which re-opens the batch and ingests it again: every batch named by work still to do
 *   (an outbox row neither done nor dead, or dead with its letter open), directly (`batchId`) or through a guard
 *   hold (`holdId`: an approved snapshot's held deletions, ../jobs/guard-apply.ts);
 * - a guard hold awaiting its decision (`held`);
 * - a re-push of the same body (./repeats.ts, ./batch-repeats.ts, ../jobs/ingest-repeat.ts): the body of a batch is
 *   spared while one of its repeats is itself spared or younger than the retention, so a body a vendor still
 *   re-pushes stays (it is today's word, not an old one);
 * - what re-pushes carried (../jobs/repeat-carried.ts): work still to do reads the bodies of the repeats judged
 *   since its batch arrived; a body is spared while one of its repeats finished at or after the arrival of the
 *   oldest such batch of its entity (any school: a batch may weigh records now at another school).
 * An Idempotency-Key replay answers the response it stored (../store/idempotency.ts: ids and counts), never the
 * body. A body no batch keeps any more is not offered to a new re-push (`HOLDER`, ./batches.ts): the push keeps its
 * own. A reader that meets a purged body all the same (a re-push that found its body in the instant the purge
 * removed it) refuses it with ERR_BATCH_RECORDS_PURGED: nothing is judged or changed.
 */
import type { Queryable } from './db.js';
import { OPEN } from './dead-letters.js';

/** A finished batch's body older than `$1` days. */
const old = (t: string) => `${t} < now() - make_interval(days => $1)`;

/**
 * The batches whose body work still to do may read ({@link purgeBodies}'s rule), with their entity and arrival.
 * `work`: the payloads of outbox rows neither done nor dead, and of dead ones whose letter is open.
 */
const PENDING = `work AS (
    SELECT o.payload FROM truc.outbox o WHERE o.done_at IS NULL AND o.dead_at IS NULL
    UNION ALL
    SELECT o.payload FROM truc.dead_letters d JOIN truc.outbox o ON o.id = d.outbox_id WHERE ${OPEN}
  ), pending AS (
    SELECT b.id, b.entity, b.created_at FROM truc.batches b WHERE b.status IN ('queued', 'processing', 'held')
    UNION
    SELECT b.id, b.entity, b.created_at FROM work w
      JOIN truc.batches b ON b.id = (CASE WHEN w.payload ->> 'batchId' ~ '^[0-9a-fA-F-]{36}$'
                                          THEN w.payload ->> 'batchId' END)::uuid
    UNION
    SELECT b.id, b.entity, b.created_at FROM truc.guard_holds h JOIN truc.batches b ON b.id = h.batch_id
     WHERE h.status = 'held'
        OR h.id IN (SELECT (w.payload ->> 'holdId')::bigint FROM work w WHERE w.payload ->> 'holdId' ~ '^[0-9]{1,18}$')
  ), since AS (
    SELECT p.entity, min(p.created_at) AS at FROM pending p GROUP BY p.entity
  )`;

/** Where the last chunk ended (its last body's arrival and id), to go on after it. */
export interface PurgeCursor {
  /** As PostgreSQL writes a timestamptz (to the microsecond). */
  createdAt: string;
  id: string;
}

export function createBatchPurgeRepo(q: Queryable) {
  return {
    /**
     * Removes the bodies of at most `limit` finished batches (done or failed) that arrived and finished more than
     * `days` ago and that nothing may still read (see the module's rule), oldest first after `after`; each body is
     * replaced by '[]' and its `records_purged_at` set, in one statement (its own transaction: no long lock). Rows
     * another transaction holds (an ingest, a re-push pointing at it) are skipped this time. Returns the bodies
     * purged and where to go on (undefined: none purged).
     */
    async purgeBodies(
      days: number,
      limit: number,
      after?: PurgeCursor,
    ): Promise<{ purged: number; next: PurgeCursor | undefined }> {
      const res = await q.query<{ n: number; at: string | null; id: string | null }>(
        `WITH ${PENDING}, doomed AS (
           SELECT b.id FROM truc.batches b
            WHERE b.records_purged_at IS NULL AND b.same_as IS NULL AND octet_length(b.records) > 2
              AND ${old('b.created_at')} AND ($3::timestamptz IS NULL OR (b.created_at, b.id) > ($3, $4::uuid))
              AND b.status IN ('done', 'failed') AND ${old('b.finished_at')}
              AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.id = b.id)
              AND NOT EXISTS (
                    SELECT 1 FROM truc.batches r
                     WHERE r.same_as = b.id
                       AND (NOT ${old('r.created_at')} OR r.id IN (SELECT p.id FROM pending p)
                            OR r.finished_at >= (SELECT s.at FROM since s WHERE s.entity = b.entity)))
            ORDER BY b.created_at, b.id LIMIT $2
              FOR UPDATE OF b SKIP LOCKED
         ), purged AS (
           UPDATE truc.batches t SET records = '[]', records_purged_at = now()
             FROM doomed WHERE t.id = doomed.id
           RETURNING t.id, t.created_at
         )
         SELECT (SELECT count(*)::int FROM purged) AS n, l.at, l.id
           FROM (SELECT 1) one
           LEFT JOIN LATERAL (SELECT created_at::text AS at, id::text AS id FROM purged
                               ORDER BY created_at DESC, id DESC LIMIT 1) l ON true`,
        [days, limit, after?.createdAt ?? null, after?.id ?? null],
      );
      const r = res.rows[0];
      const next = r?.at && r.id ? { createdAt: r.at, id: r.id } : undefined;
      return { purged: r?.n ?? 0, next };
    },
  };
}
export type BatchPurgeRepo = ReturnType<typeof createBatchPurgeRepo>;
