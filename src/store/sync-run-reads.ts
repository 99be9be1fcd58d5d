/**
 * Sync runs as they are read: one run by id, and runs listed with their outcome counts (the sync runs
 * API, `truc sync run`). The writes (a run created, advanced page by page, failed, reconciled) and the
 * watermarks are in ./sync-runs.ts.
 */
import type { EntityName, SystemName } from '../config.js';
import { namedActorColumns } from './actor-names.js';
import type { Queryable } from './db.js';
import { readEndpointSql, type Circuit, type GateState, type PauseReason } from './delivery-gates.js';
import { lettersOfRuns, OPEN } from './dead-letters.js';

/** 'held': the mass-change guard holds one of its pages until a city admin decides (issue 7). */
export type SyncRunStatus = 'queued' | 'running' | 'held' | 'done' | 'failed';

export interface SyncRun {
  id: number;
  system: SystemName;
  entity: EntityName;
  /** School or commune code; '' = everything the system serves. */
  scope: string;
  status: SyncRunStatus;
  /**
   * Its status as a city admin means it ({@link SHOWN_STATUS}, read with the run: the one rule, in SQL): `held`
   * for a done run whose reconciliation the guard holds, else `status`.
   */
  shownStatus: SyncRunStatus;
  /** Watermark the run started from; null for a full run. */
  since: string | null;
  /**
   * Why a run is full (migration 830): asked full (`requested`), or asked incremental with no watermark kept
   * (`no_watermark`: it pulls everything, and reconciles); null for an incremental run (and a full run of before).
   */
  fullBecause: 'requested' | 'no_watermark' | null;
  cursor: string | null;
  pages: number;
  records: number;
  tombstones: number;
  watermark: string | null;
  errorCode: string | null;
  /** Reconciliation of a full run: null (not due), 'queued', 'held' (by the mass-change guard), 'done'. */
  reconcile: 'queued' | 'held' | 'done' | null;
  /** Records the reconciliation deleted. */
  reconciled: number;
  /** Why a due reconciliation deleted nothing (e.g. records of the run that did not map). */
  reconcileNote: string | null;
  /**
   * Who asked for the run, by name as it was when they asked (./actor-names.ts: the API client's display name or the
   * CLI operator's name, fix36b); the actor id when truc knew no name (`schedule:<name>`).
   */
  requestedBy: string;
  /** Who asked: the API client's id, `operator:cli:<name>` or `schedule:<name>`. */
  requestedById: string;
  createdAt: Date;
  finishedAt: Date | null;
  /**
   * A full run: when it was requested, a live record of its scope was last written by its system (or another
   * run of its system and entity was under way), so its reconciliation may find records it did not see.
   * False for a first sync: nothing can be unseen (migration 420).
   */
  storedBefore: boolean;
  /**
   * Schools its listing gave up on: their set kept changing between their pages, so it may not have seen
   * all their records; a full run's reconciliation deletes nothing of them (migration 500).
   */
  unstableScopes: string[];
  /**
   * Schools an approval of its held page or reconciliation left out (migration 1385, ./run-except.ts): their changes
   * rejected, the run leaves their records alone.
   */
  rejectedSchools: string[];
}

/**
 * SQL: run `r`'s status as a city admin means it: `held` is every run waiting for a decision, a full run whose
 * pages passed but whose reconciliation the guard held (`status` 'done', `reconcile` 'held') included, and `done`
 * leaves such a run out while it waits (review23: its deletions are not applied). What every list shows
 * (pullyear25: the run's body said `done` with `reconcile: held`) and filters by ({@link statusIs}), and what a
 * run read whole carries ({@link SyncRun} `shownStatus`): the rule is written here only.
 */
export const SHOWN_STATUS = `CASE WHEN r.reconcile = 'held' AND r.status = 'done' THEN 'held' ELSE r.status END`;

/** SQL: run `r` is in the status the parameter `p` names, as a city admin means it ({@link SHOWN_STATUS}). */
export const statusIs = (p: string): string => `(${SHOWN_STATUS}) = ${p}`;

/**
 * SQL: the delivery gate of run `r`'s system where the run is queued or running and the gate holds something back (a
 * pause: an open circuit, a probe in flight, a Retry-After; or a Retry-After kept beside the writes' circuit): what
 * the run may be waiting on (pullyear25). Column `waitGate`, the gate's row as {@link WaitGate} (null: nothing paused);
 * whether it holds the run's reads is the gate's rules' to say (src/jobs/gate-view.ts `readsHeld`, fix36c item 1: the
 * row's pause_reason was shown, and a pull passing a circuit the writes opened read `circuit-open`); a Retry-After of
 * its entity's reads alone too (`<entity>:read`, ./delivery-gates.ts `readEndpointSql`). Joined as `g`.
 */
export const WAITING_JOIN = `LEFT JOIN truc.delivery_gates g ON g.system = r.system
  AND r.status IN ('queued', 'running')
  AND (g.paused_until > clock_timestamp() OR g.retry_after_until > clock_timestamp()
    OR (g.endpoint_retry_after ->> ${readEndpointSql('r.entity')})::timestamptz > clock_timestamp())`;
export const WAITING_COLUMNS = `CASE WHEN g.system IS NULL THEN NULL ELSE json_build_object(
  'circuit', g.circuit, 'pausedUntil', g.paused_until, 'pauseReason', g.pause_reason, 'failures', g.failures,
  'writeFailures', g.write_failures, 'endpointFailures', g.endpoint_failures, 'retryAfterUntil', g.retry_after_until,
  'openedAt', g.opened_at, 'endpointRetryAfter', g.endpoint_retry_after, 'now', clock_timestamp()) END AS "waitGate"`;

/** A run's system's gate as {@link WAITING_COLUMNS} reads it (times as JSON strings). */
export interface WaitGate {
  circuit: Circuit;
  pausedUntil: string | null;
  pauseReason: PauseReason | null;
  failures: number;
  writeFailures: number;
  endpointFailures: Record<string, number> | null;
  retryAfterUntil: string | null;
  openedAt: string | null;
  /** The endpoints a Retry-After holds alone (endpoint -> ISO time), a read's among them (`students:read`). */
  endpointRetryAfter: Record<string, string> | null;
  /** The database clock when read. */
  now: string;
}

/** What a listed run may wait on ({@link WAITING_COLUMNS}). */
export interface RunWaiting {
  waitGate: WaitGate | null;
}

/** A {@link WaitGate} as the gate's state (the columns a read's decision reads) and the database clock's now. */
export function gateOfWait(system: string, g: WaitGate): { state: GateState; now: Date } {
  const at = (t: string | null) => (t === null ? null : new Date(t));
  const now = new Date(g.now);
  const state: GateState = {
    system,
    nextSendAt: now,
    pausedUntil: at(g.pausedUntil),
    pauseReason: g.pauseReason,
    circuit: g.circuit,
    failures: g.failures,
    writeFailures: g.writeFailures,
    endpointFailures: g.endpointFailures ?? {},
    retryAfterUntil: at(g.retryAfterUntil),
    endpointRetryAfter: g.endpointRetryAfter ?? {},
    openings: 0,
    lastErrorCode: null,
    lastErrorAt: null,
    openedAt: at(g.openedAt),
    closedAt: null,
  };
  return { state, now };
}

/**
 * A run's scope as every view shows it (walk6 W6-9): its school or commune code, or null for everything its system
 * serves (kept as '' in `truc.sync_runs`), as a schedule's scope and POST /v1/syncs' omitted one say it.
 */
export const shownScope = (scope: string): string | null => (scope === '' ? null : scope);

/** What every view of a run shows first (the API's GET /v1/syncs/{id}, `truc sync run`): no bookkeeping. */
export function syncRunSummary(r: SyncRun) {
  return {
    syncRunId: r.id,
    system: r.system,
    entity: r.entity,
    scope: shownScope(r.scope),
    status: r.shownStatus,
    pages: r.pages,
    records: r.records,
    tombstones: r.tombstones,
    unstableSchools: r.unstableScopes,
    errorCode: r.errorCode,
  };
}

/** Who asked for a run (fix36b): by name as kept when they asked (migration 1424), else the id; and the id. */
export const requestedBy = (alias: 'r.' | ''): string =>
  namedActorColumns(`${alias}requested_by`, `${alias}requested_by_name`, 'requestedBy');

/** A run's columns, of `truc.sync_runs r`. */
const COLUMNS = `id, system, entity, scope, status, ${SHOWN_STATUS} AS "shownStatus", since, cursor, pages, records, tombstones, watermark,
  error_code AS "errorCode", reconcile, reconciled, reconcile_note AS "reconcileNote", ${requestedBy('')}, created_at AS "createdAt", finished_at AS "finishedAt",
  stored_before AS "storedBefore", unstable_scopes AS "unstableScopes", full_because AS "fullBecause",
  rejected_schools AS "rejectedSchools"`;

/** Filter of {@link createSyncRunReads}'s `list`. */
export interface SyncRunFilter {
  /** One run (`truc sync show`): its summary as a list shows it. */
  id?: number | undefined;
  system?: string | undefined;
  entity?: string | undefined;
  status?: SyncRunStatus | undefined;
  /** Created at or after. */
  from?: Date | undefined;
  /** Created before. */
  to?: Date | undefined;
  limit: number;
  offset: number;
}

/** A run as listed: the run, what its batches came to, how long it took, and what went wrong. */
export interface SyncRunSummary extends SyncRun, RunWaiting {
  mappingVersion: string | null;
  accepted: number;
  rejected: number;
  unchanged: number;
  batches: number;
  failedBatches: number;
  /**
   * Its open dead letters: its own jobs' (pull, reconcile) and its deliveries' (the push sets it caused: its batches',
   * its reconciliation's), neither replayed nor resolved.
   */
  deadLetters: number;
  durationSeconds: number;
  /** Where the changes it made (its batches', its reconciliation's deletes) stand at each target ({@link RunDelivery}). */
  deliveries: RunDelivery[];
}

/**
 * Where a run's changes stand at one target (runs item 1, issue 7 item 5): the records (keys) of the push sets the run
 * caused to that system (its batches', and its reconciliation's deletes: runs2, migration 1433), delivered, pending
 * (neither delivered nor dead-lettered) or failed (dead-lettered); of the delivered, those the target refused; the
 * newest dead letter's code while any set is failed, else null.
 */
export interface RunDelivery {
  system: string;
  delivered: number;
  pending: number;
  failed: number;
  rejected: number;
  errorCode: string | null;
}

/** Runs `ids`' deliveries per target ({@link RunDelivery}), by run, targets by name; a run with none is absent. */
export async function runDeliveries(
  q: Queryable,
  ids: readonly number[],
): Promise<Map<number, RunDelivery[]>> {
  const by = new Map<number, RunDelivery[]>();
  if (ids.length === 0) return by;
  const res = await q.query<RunDelivery & { runId: string }>(
    `SELECT s.sync_run_id AS "runId", s.system,
            coalesce(sum(cardinality(s.keys)) FILTER (WHERE s.delivered_at IS NOT NULL), 0)::int AS delivered,
            coalesce(sum(cardinality(s.keys)) FILTER (WHERE s.delivered_at IS NULL AND s.failed_at IS NULL), 0)::int
              AS pending,
            coalesce(sum(cardinality(s.keys)) FILTER (WHERE s.failed_at IS NOT NULL), 0)::int AS failed,
            coalesce(sum((s.receipt->>'rejected')::int) FILTER (WHERE s.delivered_at IS NOT NULL), 0)::int AS rejected,
            (array_agg(s.error_code ORDER BY s.failed_at DESC, s.id DESC) FILTER (WHERE s.failed_at IS NOT NULL))[1]
              AS "errorCode"
       FROM truc.push_sets s
      WHERE s.sync_run_id = ANY($1::bigint[])
      GROUP BY s.sync_run_id, s.system ORDER BY s.sync_run_id, s.system`,
    [[...ids]],
  );
  for (const { runId, ...d } of res.rows) {
    const id = Number(runId);
    by.set(id, [...(by.get(id) ?? []), d]);
  }
  return by;
}

/** SQL: {@link createSyncRunReads}'s `list` filter, $1 system, $2 entity, $3 status, $4 from, $5 to, $6 id. */
const LIST_WHERE = `($1::text IS NULL OR r.system = $1) AND ($2::text IS NULL OR r.entity = $2)
  AND ($3::text IS NULL OR ${statusIs('$3')}) AND ($4::timestamptz IS NULL OR r.created_at >= $4)
  AND ($5::timestamptz IS NULL OR r.created_at < $5) AND ($6::bigint IS NULL OR r.id = $6)`;

/** What run `id` waits on now ({@link WAITING_COLUMNS}: all null when nothing, or no such run). */
async function runWaiting(q: Queryable, id: number): Promise<RunWaiting> {
  const res = await q.query<RunWaiting>(
    `SELECT ${WAITING_COLUMNS} FROM truc.sync_runs r ${WAITING_JOIN} WHERE r.id = $1`,
    [id],
  );
  return res.rows[0] ?? { waitGate: null };
}

/** Runs matching the filter, newest first, with their outcome counts and deliveries; and how many match in all. */
async function listRuns(q: Queryable, f: SyncRunFilter): Promise<{ total: number; items: SyncRunSummary[] }> {
  const where = LIST_WHERE;
  const params = [
    f.system ?? null,
    f.entity ?? null,
    f.status ?? null,
    f.from ?? null,
    f.to ?? null,
    f.id ?? null,
  ];
  const total = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM truc.sync_runs r WHERE ${where}`,
    params,
  );
  const res = await q.query<Omit<SyncRunSummary, 'deliveries'>>(
    `SELECT r.id, r.system, r.entity, r.scope, r.status, ${SHOWN_STATUS} AS "shownStatus", r.since, r.full_because AS "fullBecause", r.cursor, r.pages, r.records,
            r.tombstones, r.watermark, r.error_code AS "errorCode", r.reconcile, r.reconciled,
            r.reconcile_note AS "reconcileNote", ${requestedBy('r.')},
            r.created_at AS "createdAt", r.finished_at AS "finishedAt", r.stored_before AS "storedBefore",
            r.unstable_scopes AS "unstableScopes", r.rejected_schools AS "rejectedSchools", r.mapping_version AS "mappingVersion",
            COALESCE(b.accepted, 0)::int AS accepted, COALESCE(b.rejected, 0)::int AS rejected,
            COALESCE(b.unchanged, 0)::int AS unchanged, COALESCE(b.batches, 0)::int AS batches,
            COALESCE(b.failed, 0)::int AS "failedBatches", COALESCE(dl.dead, 0)::int AS "deadLetters",
            EXTRACT(EPOCH FROM (COALESCE(r.finished_at, now()) - r.created_at))::float8 AS "durationSeconds",
            ${WAITING_COLUMNS}
       FROM truc.sync_runs r
       ${WAITING_JOIN}
       LEFT JOIN LATERAL (
         SELECT sum(accepted) AS accepted, sum(rejected) AS rejected, sum(unchanged) AS unchanged,
                count(*) AS batches, count(*) FILTER (WHERE status = 'failed') AS failed
           FROM truc.batches WHERE sync_run_id = r.id) b ON true
       LEFT JOIN (
         SELECT lr.run, count(*) AS dead FROM (${lettersOfRuns(OPEN)}) lr GROUP BY lr.run) dl ON dl.run = r.id::text
      WHERE ${where}
      ORDER BY r.created_at DESC, r.id DESC LIMIT $7 OFFSET $8`,
    [...params, f.limit, f.offset],
  );
  const deliveries = await runDeliveries(
    q,
    res.rows.map((r) => r.id),
  );
  const items = res.rows.map((r) => ({ ...r, deliveries: deliveries.get(Number(r.id)) ?? [] }));
  return { total: total.rows[0]?.n ?? 0, items };
}

export function createSyncRunReads(q: Queryable) {
  return {
    async get(id: number): Promise<SyncRun | undefined> {
      const res = await q.query<SyncRun>(`SELECT ${COLUMNS} FROM truc.sync_runs r WHERE id = $1`, [id]);
      return res.rows[0];
    },
    /** What run `id` waits on now ({@link runWaiting}). */
    waiting: (id: number) => runWaiting(q, id),
    /**
     * Whether a done full run's reconciliation is still to come: queued, or not yet claimed while its pages'
     * batches are being ingested (a failed batch keeps it from ever reconciling). False for any other run.
     */
    async awaitsReconcile(id: number): Promise<boolean> {
      const res = await q.query<{ waits: boolean }>(
        `SELECT r.reconcile = 'queued' OR (r.reconcile IS NULL AND NOT EXISTS (
                  SELECT 1 FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status = 'failed')) AS waits
           FROM truc.sync_runs r WHERE r.id = $1 AND r.status = 'done' AND r.since IS NULL`,
        [id],
      );
      return res.rows[0]?.waits === true;
    },
    /** Runs matching the filter, newest first, with their outcome counts; and how many match in all. */
    list: (f: SyncRunFilter) => listRuns(q, f),
    /**
     * Run `id`'s batches (its pages) that rejected records, the most rejections first, at most `limit`: where its
     * rejected records' findings are (walk8 W8-3: a run told `rejected: 2` and named no batch).
     */
    async rejectedBatches(id: number, limit: number, offset = 0): Promise<RejectedBatches> {
      // dash10: and how many there are in all (a run's 21st such batch was nowhere)
      const res = await q.query<{ batchId: string; rejected: number; total: number }>(
        `SELECT id AS "batchId", rejected, count(*) OVER ()::int AS total FROM truc.batches
          WHERE sync_run_id = $1 AND rejected > 0
          ORDER BY rejected DESC, created_at, id LIMIT $2 OFFSET $3`,
        [id, limit, offset],
      );
      const items = res.rows.map(({ batchId, rejected }) => ({ batchId, rejected }));
      // past the last one no row tells the total: counted alone
      const total = res.rows[0]?.total ?? (offset > 0 ? await countRejected(q, id) : 0);
      return { items, total };
    },
  };
}
export type SyncRunReads = ReturnType<typeof createSyncRunReads>;

/** A page of a run's batches that rejected records, and how many such batches it has in all. */
export interface RejectedBatches {
  items: Array<{ batchId: string; rejected: number }>;
  total: number;
}

async function countRejected(q: Queryable, id: number): Promise<number> {
  const res = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM truc.batches WHERE sync_run_id = $1 AND rejected > 0`,
    [id],
  );
  return res.rows[0]?.n ?? 0;
}
