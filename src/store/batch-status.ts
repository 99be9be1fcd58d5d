/**
 * A batch's status after it is received: done with its counts (and what it leaves for its repeats), failed,
 * held by the mass-change guard and released, reopened by a dead-letter replay; its mapping pin.
 * Part of the batches repository (./batches.ts `createBatchesRepo`).
 */
import { SAME_FINDINGS } from './batch-findings.js';
import { repeatParams, repeatSql, type RepeatState, type RepeatTagOf } from './batch-repeats.js';
import type { Queryable } from './db.js';

/**
 * The fields a vendor's batch sent that truc ignored (../jobs/ignored-fields.ts): names shaped like a field name,
 * sorted, at most 50, and how many other distinct names it sent. Names only, never values.
 */
export interface IgnoredFields {
  names: string[];
  more: number;
}

/** What a finished batch leaves beside its counts (each absent: null). */
export interface FinishedWith {
  /**
   * The state it left, for a repeat of it (migrations 098, 280): the one a repeat was judged against, or
   * what to take it with here ({@link RepeatTagOf}).
   */
  repeat?: RepeatState | RepeatTagOf | null;
  /** The batch whose findings it shows, a repeat judged the same (migration 170). */
  findingsOf?: string | null;
  /**
   * The digest `insertFindings` returned in the same closing statement: the batch shows an earlier
   * batch's same findings, if there is one (migration 191).
   */
  findingsDigest?: string | null;
  /** How many findings it shows, kept for its repeats (migration 250; null: not kept). */
  findingsCount?: number | null;
}

/** A batch's status: done with its counts, failed; its pin. */
export function batchStatus(q: Queryable) {
  return {
    /**
     * Done with its counts, and what it leaves for its repeats and readers ({@link FinishedWith}); a batch that
     * wrote or deleted records keeps the id of the transaction that did (`xact`, migration 790: its rows of the
     * change feed, which ./vendor-window.ts reads). Its `finished_at` is the clock's when this statement runs, near
     * the ingest's end (rel29: `now()` is the transaction's start, before the ingest waited for its school and
     * wrote; every batch's and sync run's finish time is stamped so, test/integration/rel29.test.ts).
     */
    async finish(
      id: string,
      counts: { accepted: number; rejected: number; unchanged: number; deleted?: number },
      { repeat = null, findingsOf = null, findingsDigest = null, findingsCount = null }: FinishedWith = {},
    ): Promise<void> {
      await q.query(
        `UPDATE truc.batches SET status = 'done', accepted = $2, rejected = $3, unchanged = $4, deleted = $5,
                finished_at = clock_timestamp(), ${repeatSql(repeat)},
                xact = CASE WHEN $2::int + $5::int > 0 THEN pg_current_xact_id() END,
                findings_digest = $8,
                findings_of = coalesce($7, CASE WHEN $8::text IS NOT NULL THEN ${SAME_FINDINGS('$1', '$8')} END),
                findings_count = $9
          WHERE id = $1`,
        [
          id,
          counts.accepted,
          counts.rejected,
          counts.unchanged,
          counts.deleted ?? 0,
          repeat === null ? null : 'expected' in repeat ? repeat.tag : repeat.repeatTag,
          findingsOf,
          findingsDigest,
          findingsCount,
          ...repeatParams(repeat),
        ],
      );
    },
    /** The fields its records sent that truc ignored (migration 1462), noted when it is judged and ignored any. */
    async noteIgnored(id: string, ignored: IgnoredFields): Promise<void> {
      await q.query(
        'UPDATE truc.batches SET ignored_fields = $2::text[], ignored_fields_more = $3 WHERE id = $1',
        [id, ignored.names, ignored.more],
      );
    },
    /** Adds records deleted later on the batch's account (an approved snapshot hold). */
    async addDeleted(id: string, n: number): Promise<void> {
      await q.query('UPDATE truc.batches SET deleted = deleted + $2 WHERE id = $1', [id, n]);
    },
    async fail(id: string, errorCode: string): Promise<void> {
      await q.query(
        `UPDATE truc.batches SET status = 'failed', error_code = $2, finished_at = clock_timestamp() WHERE id = $1 AND status <> 'done'`,
        [id, errorCode],
      );
    },
    /** The mapping version a replay pins the batch to (null: the current one). */
    async setMappingPin(id: string, pin: string | null): Promise<void> {
      await q.query('UPDATE truc.batches SET mapping_pin = $2 WHERE id = $1', [id, pin]);
    },
  };
}

/** A batch held and released (the mass-change guard), and a failed one reopened (dead-letter replay). */
export function batchHolds(q: Queryable) {
  return {
    /** The mass-change guard held the whole batch: nothing of it is applied until a city admin decides. */
    async hold(id: string): Promise<void> {
      await q.query(`UPDATE truc.batches SET status = 'held' WHERE id = $1 AND status <> 'done'`, [id]);
    },
    /** A held batch approved (true: it was held and is queued again) or rejected (failed with `errorCode`). */
    async release(
      id: string,
      outcome: { approved: true } | { approved: false; errorCode: string },
    ): Promise<boolean> {
      const res = outcome.approved
        ? await q.query(`UPDATE truc.batches SET status = 'queued' WHERE id = $1 AND status = 'held'`, [id])
        : await q.query(
            `UPDATE truc.batches SET status = 'failed', error_code = $2, finished_at = clock_timestamp()
              WHERE id = $1 AND status = 'held'`,
            [id, outcome.errorCode],
          );
      return (res.rowCount ?? 0) > 0;
    },
    /** A failed batch is queued again (dead-letter replay); other batches are left as they are. */
    async reopen(id: string): Promise<void> {
      await q.query(
        `UPDATE truc.batches SET status = 'queued', error_code = NULL, finished_at = NULL WHERE id = $1 AND status = 'failed'`,
        [id],
      );
    },
  };
}
