/**
 * Holds of the mass-change guard (issue 7): a batch or a full run's reconciliation kept from applying
 * until a city admin decides. The diff holds counts and keys per school, never personal data.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';

export type HoldKind = 'batch' | 'reconcile';
export type HoldStatus = 'held' | 'approved' | 'rejected';

/** What a held change would do to one school. */
export interface SchoolDiff {
  school: string;
  /** Live records of the school before the change. */
  live: number;
  deleted: number;
  moved: number;
  changed: number;
  keys: { deleted: string[]; moved: string[]; changed: string[] };
}

/** One threshold a school's change went over. */
export interface HoldReason {
  school: string;
  kind: 'deleted' | 'changed';
  count: number;
  live: number;
  ratio: number;
  threshold: number;
}

export interface GuardHold {
  id: number;
  kind: HoldKind;
  batchId: string | null;
  syncRunId: number | null;
  entity: EntityName;
  status: HoldStatus;
  diff: SchoolDiff[];
  reasons: HoldReason[];
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
}

const COLUMNS = `id, kind, batch_id AS "batchId", sync_run_id AS "syncRunId", entity, status, diff, reasons,
  created_at AS "createdAt", decided_at AS "decidedAt", decided_by AS "decidedBy"`;

type Row = Omit<GuardHold, 'id' | 'syncRunId'> & { id: string | number; syncRunId: string | number | null };
const fromRow = (r: Row): GuardHold => ({
  ...r,
  id: Number(r.id),
  syncRunId: r.syncRunId === null ? null : Number(r.syncRunId),
});

export function createGuardHoldsRepo(q: Queryable) {
  return {
    async create(hold: {
      kind: HoldKind;
      batchId?: string;
      syncRunId?: number;
      entity: EntityName;
      diff: readonly SchoolDiff[];
      reasons: readonly HoldReason[];
    }): Promise<number> {
      const res = await q.query<{ id: string }>(
        `INSERT INTO truc.guard_holds (kind, batch_id, sync_run_id, entity, status, diff, reasons)
         VALUES ($1, $2, $3, $4, 'held', $5, $6) RETURNING id`,
        [
          hold.kind,
          hold.batchId ?? null,
          hold.syncRunId ?? null,
          hold.entity,
          JSON.stringify(hold.diff),
          JSON.stringify(hold.reasons),
        ],
      );
      return Number(res.rows[0]!.id);
    },
    async get(id: number): Promise<GuardHold | undefined> {
      const res = await q.query<Row>(`SELECT ${COLUMNS} FROM truc.guard_holds WHERE id = $1`, [id]);
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
    /** Newest first, optionally by status. */
    async list(opts: { status?: HoldStatus; limit: number; offset: number }): Promise<GuardHold[]> {
      const res = await q.query<Row>(
        `SELECT ${COLUMNS} FROM truc.guard_holds WHERE ($1::text IS NULL OR status = $1)
          ORDER BY id DESC LIMIT $2 OFFSET $3`,
        [opts.status ?? null, opts.limit, opts.offset],
      );
      return res.rows.map(fromRow);
    },
    /** True when an admin approved the change of this batch or run (the guard then lets it through). */
    async approved(ref: { batchId: string } | { syncRunId: number }): Promise<boolean> {
      const res = await q.query(
        'batchId' in ref
          ? `SELECT 1 FROM truc.guard_holds WHERE batch_id = $1 AND status = 'approved'`
          : `SELECT 1 FROM truc.guard_holds WHERE sync_run_id = $1 AND kind = 'reconcile' AND status = 'approved'`,
        ['batchId' in ref ? ref.batchId : ref.syncRunId],
      );
      return res.rows.length > 0;
    },
    /** Decides a held hold (locks it); undefined when it is not held (absent, or decided already). */
    async decide(id: number, status: 'approved' | 'rejected', by: string): Promise<GuardHold | undefined> {
      const res = await q.query<Row>(
        `UPDATE truc.guard_holds SET status = $2, decided_at = now(), decided_by = $3
          WHERE id = $1 AND status = 'held' RETURNING ${COLUMNS}`,
        [id, status, by],
      );
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
  };
}
export type GuardHoldsRepo = ReturnType<typeof createGuardHoldsRepo>;
