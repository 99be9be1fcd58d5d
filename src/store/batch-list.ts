/**
 * A school's batches, newest first (W3-3, GET /v1/schools/{code}/batches): a vendor's own, or every one of the school
 * for the city. Paged by keyset (the last batch read), so a batch received meanwhile never shifts a later page.
 */
import type { EntityName } from '../config.js';
import { COLUMNS, fromRow, type Batch, type Row } from './batches.js';
import type { Queryable } from './db.js';
import type { HoldStatus } from './guard-holds.js';

/** Which batches of a school a list asks for. */
export interface BatchListFilter {
  schoolCode: string;
  /** Only this client's (a vendor's own); undefined: every client's (the city's read). */
  clientId?: string | undefined;
  entity?: EntityName | undefined;
  /** Received at or after. */
  from?: Date | undefined;
  /** Received before. */
  to?: Date | undefined;
}

/** A listed batch with its newest guard hold's status and times (none: undefined), which its status as told reads. */
export type ListedBatch = Batch & {
  /** Its received time as the database keeps it (microseconds), to page after it. */
  at: string;
  hold:
    { status: Exclude<HoldStatus, 'superseded'>; decidedAt: Date | null; appliedAt: Date | null } | undefined;
};

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
    /**
     * Up to `n` batches of the filter, newest first (then by id), after `after` when given, each with its newest hold.
     * No status here: the status a batch shows is told in JS (src/jobs/batch-status.ts `listBatchesTold`, one rule).
     */
    async rows(f: BatchListFilter, n: number, after?: { id: string; at: string }): Promise<ListedBatch[]> {
      const res = await q.query<
        Row & {
          at: string;
          holdStatus: Exclude<HoldStatus, 'superseded'> | null;
          decidedAt: Date | null;
          appliedAt: Date | null;
        }
      >(
        `SELECT ${COLUMNS}, created_at::text AS at, h.hold_status AS "holdStatus", h.hold_decided_at AS "decidedAt",
                h.hold_applied_at AS "appliedAt"
           FROM truc.batches
           LEFT JOIN LATERAL (SELECT g.status AS hold_status, g.decided_at AS hold_decided_at,
                                     g.applied_at AS hold_applied_at FROM truc.guard_holds g
                               WHERE g.batch_id = batches.id ORDER BY g.id DESC LIMIT 1) h ON true
          WHERE school_code = $1 AND ($2::text IS NULL OR client_id = $2)
            AND ($3::text IS NULL OR entity = $3) AND ($4::timestamptz IS NULL OR created_at >= $4)
            AND ($5::timestamptz IS NULL OR created_at < $5)
            AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::uuid))
          ORDER BY created_at DESC, id DESC LIMIT $8`,
        [
          f.schoolCode,
          f.clientId ?? null,
          f.entity ?? null,
          f.from ?? null,
          f.to ?? null,
          after?.at ?? null,
          after?.id ?? null,
          n,
        ],
      );
      return res.rows.map(({ at, holdStatus, decidedAt, appliedAt, ...r }) => ({
        ...fromRow(r),
        at,
        hold: holdStatus === null ? undefined : { status: holdStatus, decidedAt, appliedAt },
      }));
    },
  };
}
