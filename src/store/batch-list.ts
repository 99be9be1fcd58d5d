/**
 * A school's batches, newest first (W3-3, GET /v1/schools/{code}/batches): a vendor's own, or every one of the school
 * for the city. Paged by keyset (the last batch served), so a batch received meanwhile never shifts a later page.
 */
import type { EntityName } from '../config.js';
import { COLUMNS, fromRow, type Batch, type BatchStatus, type Row } from './batches.js';
import type { Queryable } from './db.js';

/**
 * The status GET /v1/batches/{id} shows (src/jobs/batch-status.ts `batchView`), as SQL, for the `status` filter only:
 * a done batch with a delivery failed for good (a target's set dead-lettered, or every record of its sets refused:
 * src/store/push-sets.ts `deliveryState`) is failed, else a done batch whose newest guard hold is held is held, else
 * its row's status. What a listed batch shows is told by `batchView` itself; test/integration/vendor-batch-list.test.ts
 * checks that both agree on every status.
 */
const SHOWN_STATUS = `CASE
  WHEN batches.status = 'done' AND EXISTS (
    SELECT 1 FROM truc.push_sets s WHERE s.batch_id = batches.id GROUP BY s.system
    HAVING count(s.failed_at) > 0
        OR (count(s.delivered_at) = count(*) AND coalesce(sum((s.receipt->>'rejected')::int), 0) > 0
            AND coalesce(sum((s.receipt->>'accepted')::int), 0) = 0)) THEN 'failed'
  WHEN batches.status = 'done' AND (SELECT g.status FROM truc.guard_holds g WHERE g.batch_id = batches.id
                                     ORDER BY g.id DESC LIMIT 1) = 'held' THEN 'held'
  ELSE batches.status END`;

/** Which batches of a school a list asks for. */
export interface BatchListFilter {
  schoolCode: string;
  /** Only this client's (a vendor's own); undefined: every client's (the city's read). */
  clientId?: string | undefined;
  status?: BatchStatus | undefined;
  entity?: EntityName | undefined;
  /** Received at or after. */
  from?: Date | undefined;
  /** Received before. */
  to?: Date | undefined;
}

/** A page of a school's batches and the id of its last one when more follow (null: the end). */
export interface BatchListPage {
  items: Batch[];
  next: string | null;
}

export function createBatchListRepo(q: Queryable) {
  return {
    /**
     * When a batch of the listed school (and client) was received, to page after it; undefined when `afterId` names
     * none of them (a cursor of another list).
     */
    async anchor(f: Pick<BatchListFilter, 'schoolCode' | 'clientId'>, afterId: string) {
      const res = await q.query<{ at: string }>(
        `SELECT created_at::text AS at FROM truc.batches
          WHERE id = $1 AND school_code = $2 AND ($3::text IS NULL OR client_id = $3)`,
        [afterId, f.schoolCode, f.clientId ?? null],
      );
      return res.rows[0] ? { id: afterId, at: res.rows[0].at } : undefined;
    },
    /** Up to `limit` batches of the filter, newest first (then by id), after `after` when given. */
    async page(
      f: BatchListFilter,
      limit: number,
      after?: { id: string; at: string },
    ): Promise<BatchListPage> {
      const res = await q.query<Row>(
        `SELECT ${COLUMNS} FROM truc.batches
          WHERE school_code = $1 AND ($2::text IS NULL OR client_id = $2)
            AND ($3::text IS NULL OR entity = $3) AND ($4::timestamptz IS NULL OR created_at >= $4)
            AND ($5::timestamptz IS NULL OR created_at < $5)
            AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::uuid))
            AND ($8::text IS NULL OR (${SHOWN_STATUS})::text = $8)
          ORDER BY created_at DESC, id DESC LIMIT $9`,
        [
          f.schoolCode,
          f.clientId ?? null,
          f.entity ?? null,
          f.from ?? null,
          f.to ?? null,
          after?.at ?? null,
          after?.id ?? null,
          f.status ?? null,
          limit + 1,
        ],
      );
      const rows = res.rows.slice(0, limit).map(fromRow);
      return { items: rows, next: res.rows.length > limit ? rows[rows.length - 1]!.id : null };
    },
  };
}
