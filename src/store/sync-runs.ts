/**
 * Sync runs as they are written, and watermarks. A run pulls one (system, entity, scope) page by page;
 * its cursor, counts and status advance with every page. The watermark of the last finished run is
 * where the next incremental run starts. A run's reads (one by id, the list) are in ./sync-run-reads.ts,
 * what a full run's reconciliation may decide over (the schools it listed, newer runs that overtook it) in
 * ./sync-run-scope.ts; this repository offers them too, for the jobs that read and write a run.
 */
import { createHash } from 'node:crypto';
import type { EntityName, SystemName } from '../config.js';
import { actorNameSql } from './actor-names.js';
import type { Queryable } from './db.js';
import { TABLES, writtenBy } from './record-tables.js';
import type { CombinedWrites } from './combined.js';
import { OUTBOX_CHANNEL } from './outbox.js';
import { createSyncRunReads, type SyncRunStatus } from './sync-run-reads.js';
import { runListedSchools, runOvertaken } from './sync-run-scope.js';
import { watermarks } from './sync-watermarks.js';

/** One page of a run, as recorded: the cursor after it and what it held. */
export interface PageRecord {
  /** The feed ended with this page: the run is done. */
  last: boolean;
  cursor: string | null;
  records: number;
  tombstones: number;
  watermark: string | null;
  /**
   * The source's working year the page's records are of, where it tells one (moet-pcgd persons: the Ministry's
   * PCGD-XMC year, migration 1460); null keeps the run's.
   */
  workingYear?: number | null;
}

/** A run's row: created, failed and reopened. */
function runRows(q: Queryable) {
  return {
    async create(run: {
      system: SystemName;
      entity: EntityName;
      scope: string;
      since: string | null;
      requestedBy: string;
      /** Why a run with no `since` is full (migration 830); none for an incremental run. */
      fullBecause?: 'requested' | 'no_watermark' | undefined;
    }): Promise<number> {
      // A full run notes whether its reconciliation may find a record it does not see (migration 420): a
      // live record of its scope its system wrote, or one being written (by a run of the same system and
      // entity not finished: the only writers of its system's records, whose pages may commit after this
      // one with a time before it). Asked now, it stops at the first such record, and a first sync's
      // table holds none yet; asked at the end, it scanned every row the run wrote (issue 7, the city).
      const res = await q.query<{ id: number }>(
        `INSERT INTO truc.sync_runs (system, entity, scope, status, since, requested_by, requested_by_name, full_because,
                                     stored_before)
         VALUES ($1, $2, $3, 'queued', $4, $5, ${actorNameSql('$5::text')}, $6,
                 $4::text IS NOT NULL
                 OR EXISTS (SELECT 1 FROM ${TABLES[run.entity].table} r WHERE ${writtenBy(run.entity, '$1', '$3')})
                 OR EXISTS (SELECT 1 FROM truc.sync_runs o WHERE o.system = $1 AND o.entity = $2
                               AND o.status IN ('queued', 'running')))
         RETURNING id`,
        [
          run.system,
          run.entity,
          run.scope,
          run.since,
          run.requestedBy,
          run.since === null ? (run.fullBecause ?? null) : null,
        ],
      );
      return res.rows[0]!.id;
    },
    async fail(id: number, errorCode: string): Promise<void> {
      await q.query(
        `UPDATE truc.sync_runs SET status = 'failed', error_code = $2, finished_at = clock_timestamp()
          WHERE id = $1 AND status <> 'done'`,
        [id, errorCode],
      );
    },
    /** A failed run runs again (dead-letter replay); other runs are left as they are. */
    async reopen(id: number): Promise<void> {
      await q.query(
        `UPDATE truc.sync_runs SET status = 'running', error_code = NULL, finished_at = NULL
          WHERE id = $1 AND status = 'failed'`,
        [id],
      );
    },
  };
}

/** What storing a page reads of its run, under the run's lock. */
interface LockedRun {
  pages: number;
  status: SyncRunStatus;
  version: string | null;
  pin: string | null;
}

/** The next page's outbox row: leased to the caller for `leaseSeconds`, else the relay is woken. */
interface NextRow {
  queue: string;
  name: string;
  payload: Record<string, unknown>;
  leaseSeconds?: number;
}

const ADVANCE = `WITH run AS (
    UPDATE truc.sync_runs SET status = $2, cursor = COALESCE($3, cursor), pages = pages + 1,
           records = records + $4, tombstones = tombstones + $5, watermark = COALESCE($6, watermark),
           finished_at = CASE WHEN $2 = 'done' THEN clock_timestamp() ELSE NULL END,
           mapping_version = COALESCE(mapping_version, $7), working_year = COALESCE($15::smallint, working_year)
     WHERE id = $1 AND ($13::int IS NULL OR (pages = $13 AND status IN ('queued', 'running') AND mapping_pin IS NULL))
     RETURNING id),
  done AS (
    UPDATE truc.outbox SET done_at = now(), enqueued_at = COALESCE(enqueued_at, now())
     WHERE id = $8 AND done_at IS NULL RETURNING id),
  next AS (
    INSERT INTO truc.outbox (queue, job_name, payload, claimed_until)
    SELECT $9, $10, $11, now() + make_interval(secs => $12) WHERE $9::text IS NOT NULL RETURNING id),
  followed AS (
    INSERT INTO truc.sync_run_cursors (sync_run_id, cursor_hash)
    SELECT $1, decode($14::text, 'hex') WHERE $14::text IS NOT NULL AND EXISTS (SELECT 1 FROM run)
    ON CONFLICT DO NOTHING RETURNING 1),
  forgotten AS (
    DELETE FROM truc.sync_run_cursors WHERE sync_run_id = $1 AND $2 = 'done' AND EXISTS (SELECT 1 FROM run))
  SELECT (SELECT id FROM next) AS next,
         CASE WHEN $9::text IS NOT NULL AND $12::float8 IS NULL THEN pg_notify('${OUTBOX_CHANNEL}', '') END,
         CASE WHEN $13::int IS NOT NULL THEN truc.page_still_due(EXISTS (SELECT 1 FROM run)) END,
         CASE WHEN $14::text IS NOT NULL AND EXISTS (SELECT 1 FROM run)
              THEN truc.cursor_not_followed(EXISTS (SELECT 1 FROM followed)) END`;

/** SQLSTATE of {@link ADVANCE} with an expected page that is no longer the run's next one (migration 210). */
const PAGE_NOT_DUE = 'TR409';

/** The error of an advance whose page was no longer due: nothing of its statement was written. */
export function isPageNotDue(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === PAGE_NOT_DUE;
}

/** SQLSTATE of {@link ADVANCE} whose next cursor the run followed before (migration 984). */
const CURSOR_FOLLOWED = 'TR410';

/**
 * The error of an advance whose next cursor the run had followed already (a source whose cursors loop: A→A,
 * A→B→A): nothing of its statement was written.
 */
export function isCursorFollowed(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === CURSOR_FOLLOWED;
}

/** What a run keeps of a cursor it followed (migration 984): a 16-byte digest, in hex. */
const cursorDigest = (cursor: string) => createHash('sha256').update(cursor).digest('hex').slice(0, 32);

/**
 * A stored page's bookkeeping in one statement (issue 7: a page's statements are its latency): the run
 * advances by the page (its mapping version kept from its first page), the page's outbox row is closed
 * and the next page's row is added, with the writes `with_` recorded (the page's closing writes: its
 * audit entries, an unchanged page's batch and seen keys). The next cursor is kept among those the run
 * followed (migration 984; all dropped with its last page): one it followed before fails the statement
 * ({@link isCursorFollowed}) and nothing of it is written. Returns the next row's id.
 */
function runAdvance(q: Queryable) {
  return {
    async advance(
      id: number,
      page: PageRecord & {
        mappingVersion: string | null;
        /**
         * Outside a transaction: the page number the run must be at (and running, unpinned), else the
         * statement writes nothing and fails ({@link isPageNotDue}).
         */
        due?: number;
      },
      outbox: { done: number | undefined; next?: NextRow },
      with_?: CombinedWrites,
    ): Promise<number | undefined> {
      const next = outbox.next;
      const params = [
        id,
        page.last ? 'done' : 'running',
        page.cursor,
        page.records,
        page.tombstones,
        page.watermark,
        page.mappingVersion,
        outbox.done ?? null,
        next?.queue ?? null,
        next?.name ?? null,
        next ? JSON.stringify(next.payload) : null,
        next?.leaseSeconds ?? null,
        page.due ?? null,
        page.cursor === null ? null : cursorDigest(page.cursor),
        page.workingYear ?? null,
      ];
      // An unchanged page's closing statement is one of a few texts: prepared (see QueryOptions).
      const opts = { prepared: page.due !== undefined };
      const res = with_
        ? await with_.flushWith<{ next: number | null }>(ADVANCE, params, opts)
        : await q.query<{ next: number | null }>(ADVANCE, params, opts);
      return res.rows[0]?.next ?? undefined;
    },
  };
}

/** A run's pages: each one's bookkeeping, the keys it held, the mapping version its pages use. */
function runPages(q: Queryable) {
  return {
    /**
     * Locks the run's row until the caller's transaction ends and reads what storing a page needs:
     * pages stored so far, the mapping version its pages were first mapped with and the pinned one
     * (one statement: a page's bookkeeping is on the pull's hot path).
     */
    async lockForPage(id: number): Promise<LockedRun | undefined> {
      const res = await q.query<LockedRun>(
        `SELECT pages, status, mapping_version AS version, mapping_pin AS pin FROM truc.sync_runs WHERE id = $1 FOR UPDATE`,
        [id],
      );
      return res.rows[0];
    },
    /** Advances the run by one page (and finishes it on the last page). */
    async recordPage(id: number, page: PageRecord): Promise<void> {
      await q.query(
        `UPDATE truc.sync_runs SET status = $2, cursor = COALESCE($3, cursor), pages = pages + 1,
                records = records + $4, tombstones = tombstones + $5, watermark = COALESCE($6, watermark),
                finished_at = CASE WHEN $2 = 'done' THEN clock_timestamp() ELSE NULL END
          WHERE id = $1`,
        [id, page.last ? 'done' : 'running', page.cursor, page.records, page.tombstones, page.watermark],
      );
    },
    /**
     * The keys one ingested page of a run held (narrow: no wide record row is rewritten), and the schools its
     * records named (migration 640).
     */
    async recordSeen(
      id: number,
      batchId: string,
      seen: { keys: readonly string[]; unkeyed: number; schools: readonly string[] },
    ): Promise<void> {
      await q.query(
        `INSERT INTO truc.sync_run_seen (sync_run_id, batch_id, keys, unkeyed, schools) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sync_run_id, batch_id) DO NOTHING`,
        [id, batchId, [...seen.keys], seen.unkeyed, [...new Set(seen.schools)]],
      );
    },
    /** Schools the run's listing gave up on (their set kept changing): added once each. */
    async markUnstable(id: number, scopes: readonly string[]): Promise<void> {
      await q.query(
        `UPDATE truc.sync_runs SET unstable_scopes = ARRAY(
           SELECT DISTINCT s FROM unnest(unstable_scopes || $2::text[]) s ORDER BY s) WHERE id = $1`,
        [id, [...scopes]],
      );
    },
    /** The mapping version the run's pages are mapped with (kept from its first page). */
    async setMappingVersion(id: number, version: string): Promise<void> {
      await q.query(
        'UPDATE truc.sync_runs SET mapping_version = COALESCE(mapping_version, $2) WHERE id = $1',
        [id, version],
      );
    },
    /** The mapping version the run's pages were first mapped with, and the one a pinned replay set. */
    async mappingOf(id: number): Promise<{ version: string | null; pin: string | null }> {
      const res = await q.query<{ version: string | null; pin: string | null }>(
        'SELECT mapping_version AS version, mapping_pin AS pin FROM truc.sync_runs WHERE id = $1',
        [id],
      );
      return res.rows[0] ?? { version: null, pin: null };
    },
    /** Pins the run's next pages to a mapping version (null: the current one). */
    async setMappingPin(id: number, pin: string | null): Promise<void> {
      await q.query('UPDATE truc.sync_runs SET mapping_pin = $2 WHERE id = $1', [id, pin]);
    },
  };
}

/** A full run's reconciliation: claimed once, held by the guard, released, finished. */
function runReconciliation(q: Queryable) {
  return {
    /** Locks the run's row until the caller's transaction ends (serialises the reconcile decision). */
    async lock(id: number): Promise<void> {
      await q.query('SELECT id FROM truc.sync_runs WHERE id = $1 FOR UPDATE', [id]);
    },
    /**
     * Marks a finished full run as due for reconciliation, once: when every batch of its pages is
     * ingested (a failed batch keeps it from reconciling). Call with the run locked. True when claimed.
     */
    async claimReconcile(id: number): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.sync_runs r SET reconcile = 'queued'
          WHERE r.id = $1 AND r.status = 'done' AND r.since IS NULL AND r.reconcile IS NULL
            AND NOT EXISTS (SELECT 1 FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status <> 'done')`,
        [id],
      );
      return (res.rowCount ?? 0) > 0;
    },
    /** Records of the run's pages that did not map, so their keys are unknown. */
    async unkeyedSeen(id: number): Promise<number> {
      const res = await q.query<{ n: number }>(
        'SELECT COALESCE(sum(unkeyed), 0)::int AS n FROM truc.sync_run_seen WHERE sync_run_id = $1',
        [id],
      );
      return res.rows[0]?.n ?? 0;
    },
    /** The guard held the run's reconciliation. */
    async holdReconcile(id: number): Promise<void> {
      await q.query(`UPDATE truc.sync_runs SET reconcile = 'held' WHERE id = $1 AND reconcile = 'queued'`, [
        id,
      ]);
    },
    /** An admin approved a held reconciliation: it is due again. True when it was held. */
    async releaseReconcile(id: number): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.sync_runs SET reconcile = 'queued' WHERE id = $1 AND reconcile = 'held'`,
        [id],
      );
      return (res.rowCount ?? 0) > 0;
    },
    /**
     * Closes the run's reconciliation with the number of records it deleted; its seen keys go, and so do
     * those of the older full runs of its system and entity, over its scope (or any, the run being of
     * everything), that never reconcile: failed (a run the guard rejected too), or done but never due (a
     * batch of its pages failed). Such a run, replayed, could only reconcile as superseded by this one
     * ({@link runOvertaken} `supersededByNewer`: no key read), so its keys would stay for good. A run in
     * progress keeps its own: one queued, running or held, one whose reconciliation is queued or held, and
     * any newer one. An incremental run keeps none (../jobs/reconcile.ts `afterPulledPage`).
     */
    async finishReconcile(id: number, deleted: number, note: string | null = null): Promise<void> {
      await q.query(
        `UPDATE truc.sync_runs SET reconcile = 'done', reconciled = $2, reconcile_note = $3 WHERE id = $1`,
        [id, deleted, note],
      );
      await q.query('DELETE FROM truc.sync_run_seen WHERE sync_run_id = $1', [id]);
      await q.query(
        `DELETE FROM truc.sync_run_seen s USING truc.sync_runs r, truc.sync_runs o
          WHERE r.id = $1 AND r.status = 'done' AND r.since IS NULL
            AND o.system = r.system AND o.entity = r.entity AND (o.scope = r.scope OR r.scope = '')
            AND o.id < r.id AND (o.status = 'failed' OR (o.status = 'done' AND o.reconcile IS NULL))
            AND s.sync_run_id = o.id`,
        [id],
      );
    },
  };
}

export function createSyncRunsRepo(q: Queryable) {
  return {
    ...runRows(q),
    ...runPages(q),
    ...runAdvance(q),
    ...runReconciliation(q),
    ...runOvertaken(q),
    ...runListedSchools(q),
    ...createSyncRunReads(q),
    ...watermarks(q),
  };
}
export type SyncRunsRepo = ReturnType<typeof createSyncRunsRepo>;
