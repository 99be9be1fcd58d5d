/**
 * Holds of the mass-change guard (issue 7): a batch, a full run's reconciliation or a page of a sync run
 * (the run waits) kept from applying until a city admin decides. The diff holds counts and keys per school, never personal data.
 */
import type { EntityName } from '../config.js';
import { actorNameSql } from './actor-names.js';
import type { Queryable } from './db.js';
import type { HoldReason, KeptRecord, SchoolDiff } from './guard-hold-diff.js';
import { type HoldWeighing, holdWeighing } from './guard-hold-weighing.js';

export { CITY_SCHOOLS, type HoldReason, type KeptRecord, type SchoolDiff } from './guard-hold-diff.js';
export type { HoldWeighing, WeighResume } from './guard-hold-weighing.js';

/** batch: a vendor batch; reconcile: a full run's reconciliation; run: a page of a sync run. */
export const HOLD_KINDS = ['batch', 'reconcile', 'run'] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];
/** superseded: a run's reconciliation or held page approved after a newer full run of its scope decided (nothing applied). */
export type HoldStatus = 'held' | 'approved' | 'rejected' | 'superseded';

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
  /**
   * Who decided, by name as it was when they decided (store/actor-names.ts: the API client's display name or the CLI
   * operator's name, fix35a); the actor id when truc knew no name; null while held.
   */
  decidedBy: string | null;
  /** Who decided: the API client's id or `operator:cli:<name>`; null while held. */
  decidedById: string | null;
  /** Why, in the deciding admin's words (one line; also kept in the decision's audit entry), or null. */
  decisionReason: string | null;
  /** When an approved snapshot's deletions were applied, and how many records they deleted. */
  appliedAt: Date | null;
  applied: number | null;
  /** Of how many held deletions `applied` is (migration 1438); null until applied, or applied before it. */
  appliedOf: number | null;
  /** The held records the application left alone, each with why (walk5 W5-12); null until applied, or before 1438. */
  kept: KeptRecord[] | null;
  /** A held run's next pages being weighed (../jobs/run-weigh.ts): not decidable until then; null otherwise. */
  weighingUntil: Date | null;
  /** How far a held run's weighing got (fix34e); null for a hold that was never weighed. */
  weighing: HoldWeighing | null;
  /**
   * The schools an approval left out (migration 1385): their changes not applied by the run (asked again by the next), the run goes on for the others; empty
   * otherwise.
   */
  exceptSchools: string[];
}

/**
 * A hold as lists show it: totals over its schools, no keys (neither its diff's nor the records its application
 * kept: review6), its first reasons ({@link REASONS_FIRST}) of all.
 */
export type GuardHoldSummary = Omit<GuardHold, 'diff' | 'kept'> & {
  reasonsTotal: number;
  schools: number;
  totals: { live: number; deleted: number; moved: number; changed: number; restored: number };
};

const COLUMNS = `id, kind, batch_id AS "batchId", sync_run_id AS "syncRunId", entity, status, diff, reasons,
  created_at AS "createdAt", decided_at AS "decidedAt",
  COALESCE(decided_by_name, decided_by) AS "decidedBy", decided_by AS "decidedById",
  decision_reason AS "decisionReason", applied_at AS "appliedAt", applied, applied_of AS "appliedOf", kept,
  weighing_until AS "weighingUntil",
  except_schools AS "exceptSchools",
  CASE WHEN weighing->>'state' = 'weighing' AND (weighing_until IS NULL OR weighing_until <= now())
       THEN jsonb_set(weighing, '{state}', '"interrupted"') ELSE weighing END AS weighing`;

/** Totals over a hold's schools, computed in the database (a list never reads the keys): a list's, a batch's hold's. */
const TOTALS = `(SELECT jsonb_build_object(
     'live', COALESCE(sum((d->>'live')::int), 0), 'deleted', COALESCE(sum((d->>'deleted')::int), 0),
     'moved', COALESCE(sum((d->>'moved')::int), 0), 'changed', COALESCE(sum((d->>'changed')::int), 0),
     'restored', COALESCE(sum((d->>'restored')::int), 0)) FROM jsonb_array_elements(diff) d) AS totals`;
const SUMMARY = `jsonb_array_length(diff) AS schools, ${TOTALS}`;

/** A summary's reasons: the highest ratios (fix35a: 2,500 of a city-wide run were sent whole); all: reasonsTotal. */
export const REASONS_FIRST = 50;
/**
 * A hold's reasons ranked (`o` their place) as they are shown and paged in (walk5 W5-6: a school's reasons came grade
 * 7, 8, 9, the school, grade 6): the school with the highest ratio first (fix35a: of a city-wide run's 2,500), each
 * school's together, by school year, the whole school first, then its grades in order (6 before 10), then kind.
 * `from`: the reasons' jsonb_array_elements, as `e(r, n)` with its ordinality.
 */
export const rankedReasons = (from: string) => `SELECT r, row_number() OVER (ORDER BY top DESC,
    r->>'school' COLLATE "C", coalesce(r->>'schoolYear', '') COLLATE "C", r->>'grade' IS NOT NULL,
    CASE WHEN r->>'grade' ~ '^[0-9]{1,4}$' THEN (r->>'grade')::int END NULLS LAST, r->>'grade' COLLATE "C",
    r->>'kind', n) AS o
  FROM (SELECT r, n, max((r->>'ratio')::float8) OVER (PARTITION BY r->>'school') AS top
          FROM ${from} WITH ORDINALITY AS e(r, n)) x`;
/**
 * A hold as lists show it: its columns but the diff and the kept records (keys, up to a snapshot's 5,000 a hold:
 * review6), its first reasons, totals over its schools.
 */
const SUMMARY_COLUMNS = `${COLUMNS.replace('diff, reasons,', '').replace(' kept,', '')}, ${SUMMARY},
  jsonb_array_length(reasons) AS "reasonsTotal",
  (SELECT coalesce(jsonb_agg(f.r ORDER BY f.o), '[]'::jsonb)
     FROM (${rankedReasons('jsonb_array_elements(reasons)')} ORDER BY o LIMIT ${REASONS_FIRST}) f) AS reasons`;

type Row = Omit<GuardHold, 'id' | 'syncRunId'> & { id: string | number; syncRunId: string | number | null };
const fromRow = (r: Row): GuardHold => ({
  ...r,
  id: Number(r.id),
  syncRunId: r.syncRunId === null ? null : Number(r.syncRunId),
});

/** A hold: created, read. */
function holdRows(q: Queryable) {
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
        // A vendor batch's hold is made under its school's lock (./school-lock.ts), stamped by the clock (not the
        // transaction's start, which may be before it waited for that lock): after every batch of the school that
        // finished before it (each stamped by the clock too, ./batch-status.ts), so ./vendor-window.ts's cut is right.
        `INSERT INTO truc.guard_holds (kind, batch_id, sync_run_id, entity, status, diff, reasons, created_at)
         VALUES ($1, $2, $3, $4, 'held', $5, $6, CASE WHEN $2::uuid IS NULL THEN now() ELSE clock_timestamp() END)
         RETURNING id`,
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
    /**
     * One hold as lists show it (totals over all its schools, no diff keys) with the records its application kept, or
     * undefined: its page heads it (fix34a).
     */
    async summary(id: number): Promise<(GuardHoldSummary & Pick<GuardHold, 'kept'>) | undefined> {
      const res = await q.query<
        Omit<Row, 'diff'> & Pick<GuardHoldSummary, 'schools' | 'totals' | 'reasonsTotal'>
      >(`SELECT ${SUMMARY_COLUMNS}, kept FROM truc.guard_holds WHERE id = $1`, [id]);
      const r = res.rows[0];
      return r
        ? { ...r, id: Number(r.id), syncRunId: r.syncRunId === null ? null : Number(r.syncRunId) }
        : undefined;
    },
  };
}

/** Holds as listed, and a vendor batch's newest. */
function holdLists(q: Queryable) {
  return {
    /** Newest first, optionally by status and entity, as summaries (no keys), with the total matching. */
    async list(opts: {
      status?: HoldStatus | undefined;
      entity?: EntityName | undefined;
      limit: number;
      offset: number;
    }): Promise<{ total: number; items: GuardHoldSummary[] }> {
      const filter = `WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR entity = $2)`;
      const params = [opts.status ?? null, opts.entity ?? null];
      const [count, res] = await Promise.all([
        q.query<{ n: number }>(`SELECT count(*)::int AS n FROM truc.guard_holds ${filter}`, params),
        q.query<Omit<Row, 'diff'> & Pick<GuardHoldSummary, 'schools' | 'totals' | 'reasonsTotal'>>(
          `SELECT ${SUMMARY_COLUMNS} FROM truc.guard_holds ${filter}
            ORDER BY id DESC LIMIT $3 OFFSET $4`,
          [...params, opts.limit, opts.offset],
        ),
      ]);
      return {
        total: count.rows[0]?.n ?? 0,
        items: res.rows.map((r) => ({
          ...r,
          id: Number(r.id),
          syncRunId: r.syncRunId === null ? null : Number(r.syncRunId),
        })),
      };
    },
    /** A sync run's newest hold still waiting for a decision, as lists show it (no keys), or undefined. */
    async heldOfRun(syncRunId: number): Promise<GuardHoldSummary | undefined> {
      const res = await q.query<
        Omit<Row, 'diff'> & Pick<GuardHoldSummary, 'schools' | 'totals' | 'reasonsTotal'>
      >(
        `SELECT ${SUMMARY_COLUMNS} FROM truc.guard_holds
          WHERE sync_run_id = $1 AND status = 'held' ORDER BY id DESC LIMIT 1`,
        [syncRunId],
      );
      const r = res.rows[0];
      return r ? { ...r, id: Number(r.id), syncRunId: Number(r.syncRunId) } : undefined;
    },
    /**
     * The newest hold of a vendor batch (what its status shows the vendor), or undefined. A batch's hold is
     * never superseded (only a run's change is).
     */
    async ofBatch(
      batchId: string,
    ): Promise<
      | (Pick<GuardHold, 'id' | 'reasons' | 'decidedAt' | 'decisionReason' | 'appliedAt'> &
          Pick<GuardHoldSummary, 'totals'> & { status: Exclude<HoldStatus, 'superseded'> })
      | undefined
    > {
      const res = await q.query<
        Pick<Row, 'id' | 'reasons' | 'decidedAt' | 'decisionReason' | 'appliedAt'> &
          Pick<GuardHoldSummary, 'totals'> & { status: Exclude<HoldStatus, 'superseded'> }
      >(
        `SELECT id, status, reasons, decided_at AS "decidedAt", decision_reason AS "decisionReason",
                applied_at AS "appliedAt", ${TOTALS}
           FROM truc.guard_holds WHERE batch_id = $1 ORDER BY id DESC LIMIT 1`,
        [batchId],
      );
      const r = res.rows[0];
      return r ? { ...r, id: Number(r.id) } : undefined;
    },
  };
}

/** An admin's decision on a hold, and what it lets through. */
function holdDecisions(q: Queryable) {
  return {
    /**
     * Decides a held hold (locks it), with the admin's `reason` when given and the schools an approval leaves out
     * (`exceptSchools`); undefined when it is not held (absent, or decided already), or for an approval while the
     * run's next pages are weighed (it would let through schools not shown yet); a rejection lets nothing through
     * and is taken then too (review33b F4: an admin could not stop a visibly broken run until its weighing ended).
     */
    async decide(
      id: number,
      status: 'approved' | 'rejected' | 'superseded',
      by: string,
      reason?: string,
      exceptSchools: readonly string[] = [],
    ): Promise<GuardHold | undefined> {
      const res = await q.query<Row>(
        `UPDATE truc.guard_holds SET status = $2, decided_at = now(), decided_by = $3, decision_reason = $4,
                except_schools = $5, decided_by_name = ${actorNameSql('$3::text')}
          WHERE id = $1 AND status = 'held'
            AND ($2 <> 'approved' OR weighing_until IS NULL OR weighing_until <= now())
          RETURNING ${COLUMNS}`,
        [id, status, by, reason ?? null, [...exceptSchools]],
      );
      return res.rows[0] ? fromRow(res.rows[0]) : undefined;
    },
    /** True when an admin approved the change of this batch (its hold is the whole batch), so the guard lets it through. */
    async approved(ref: { batchId: string }): Promise<boolean> {
      const res = await q.query(
        `SELECT 1 FROM truc.guard_holds WHERE batch_id = $1 AND status = 'approved'`,
        [ref.batchId],
      );
      return res.rows.length > 0;
    },
    /**
     * The reasons of a run's approved holds (its pages' and its reconciliation's): what an admin was shown and let
     * through (../jobs/run-guard.ts `approvedAlready`); not those of the schools an approval left out.
     */
    async approvedReasons(syncRunId: number): Promise<HoldReason[]> {
      const res = await q.query<{ reasons: HoldReason[]; except: string[] }>(
        `SELECT reasons, except_schools AS except FROM truc.guard_holds WHERE sync_run_id = $1 AND status = 'approved'`,
        [syncRunId],
      );
      return res.rows.flatMap((r) => r.reasons.filter((x) => !r.except.includes(x.school)));
    },
    /**
     * Notes that an approved hold's change was applied (once): `applied` of `of` held deletions, the others `kept`;
     * false when it was already.
     */
    async markApplied(
      id: number,
      done: { applied: number; of: number; kept: readonly KeptRecord[] },
    ): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.guard_holds SET applied_at = now(), applied = $2, applied_of = $3, kept = $4
          WHERE id = $1 AND status = 'approved' AND applied_at IS NULL`,
        [id, done.applied, done.of, JSON.stringify(done.kept)],
      );
      return (res.rowCount ?? 0) > 0;
    },
  };
}

/** What the operations gauges read. */
function holdCounts(q: Queryable) {
  return {
    /** Holds waiting for a city admin's decision, by kind (the `truc_guard_holds_waiting` gauge). */
    async waitingByKind(): Promise<Array<{ kind: HoldKind; waiting: number }>> {
      const res = await q.query<{ kind: HoldKind; waiting: number }>(
        `SELECT kind, count(*)::int AS waiting FROM truc.guard_holds WHERE status = 'held' GROUP BY kind`,
      );
      return res.rows;
    },
    /** Holds waiting for a decision: how many, and since when the oldest waits (the operations overview, W6-2). */
    async waiting(): Promise<{ waiting: number; oldestAt: Date | null }> {
      const res = await q.query<{ waiting: number; oldestAt: Date | null }>(
        `SELECT count(*)::int AS waiting, min(created_at) AS "oldestAt" FROM truc.guard_holds WHERE status = 'held'`,
      );
      return res.rows[0] ?? { waiting: 0, oldestAt: null };
    },
  };
}

export function createGuardHoldsRepo(q: Queryable) {
  return { ...holdRows(q), ...holdLists(q), ...holdDecisions(q), ...holdWeighing(q), ...holdCounts(q) };
}
export type GuardHoldsRepo = ReturnType<typeof createGuardHoldsRepo>;
