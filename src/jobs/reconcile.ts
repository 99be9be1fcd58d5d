/**
 * Reconciliation (issue 7, sync-data): what a source no longer has becomes a tombstone, and the
 * deletion travels to every target that holds the record.
 *
 * - A **full** sync run records the keys of every ingested page in a narrow per-run table (no wide
 *   record row is rewritten for a record that did not change). When the run has fetched its last page
 *   and every page is ingested, its reconciliation (the `reconcile-run` job's work, run by the pull job
 *   that stored the last page right after its commit: {@link reconcileLeased}) deletes the live records
 *   of the run's scope that the run did not see and that were last written by the run's system before it
 *   began — unless a newer full run of the scope has fetched its last page by then (a held reconciliation
 *   approved late): a record this run missed may be one the newer run saw unchanged (not rewritten), so this one
 *   deletes nothing (`superseded`) and the newer run's reconciliation decides. A classes run, and a school
 *   system's students run, delete only within the school years they listed at each school (./reconcile-unseen.ts `ofListedYears`).
 * - A vendor batch in **snapshot** mode is every record of the entity of its school: the school's live
 *   records it omits (and nobody wrote since it arrived) are deleted when it is ingested.
 * In both, records whose key is unknown (a record that did not map) make the deletion unsafe: nothing is
 * deleted and the reason is kept.
 */
import { appendAudit } from '../audit/chain.js';
import type { Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createRecordsRepo } from '../store/records.js';
import { createRunExceptRepo } from '../store/run-except.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { enqueue, reconcileRun } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { reconcileTimes, sendDeletes } from './deletes.js';
import { guardChange } from './guard.js';
import { inboundMapping } from './inbound.js';
import { windowOver } from './vendor-window.js';
import { guardReconcile } from './run-guard.js';
import { unseenOfRun } from './reconcile-unseen.js';
import { type Carried, snapshotMissing, snapshotYears } from './snapshot-missing.js';

type ReconcileContext = Pick<WorkerContext, 'db' | 'routes' | 'targets' | 'metrics' | 'config' | 'now'>;

/** Note kept on a run (or counted on a batch) when records without a key made deleting unsafe. */
const UNKEYED_NOTE = 'unkeyed-records';
/** Note kept on a run whose listing gave up on schools (BUG 7): nothing of them was deleted. */
const UNSTABLE_NOTE = 'unstable-schools';

/** Note kept on a run whose reconciliation came due after a newer full run of its scope fetched its last page. */
const SUPERSEDED_NOTE = 'superseded';

/**
 * After a pulled page is ingested (in its transaction): a full run keeps the page's keys, and the run
 * is queued for reconciliation once its last page is fetched and every page is ingested. A run that could
 * find nothing unseen when it was requested (a first sync: `storedBefore` false) reconciles without reading
 * its keys, so it keeps only how many records had none (issue 7: 1,000 keys a page written and deleted
 * for nothing).
 */
export async function afterPulledPage(
  q: Queryable,
  batch: Pick<Batch, 'id' | 'syncRunId'>,
  seen: { keys: readonly string[]; unkeyed: number; schools: readonly string[] },
  opts: {
    /**
     * The page is ingested by its pull job, which read the run and queues its reconciliation after
     * the last page itself (./pull.ts): no second read, no check here.
     */
    run?: { id: number; since: string | null; storedBefore: boolean };
  } = {},
): Promise<void> {
  if (batch.syncRunId === null) return;
  const runs = createSyncRunsRepo(q);
  const run = opts.run ?? (await runs.get(batch.syncRunId));
  if (!run || run.since !== null) return; // incremental runs do not reconcile
  // Keys are dropped only when the run is known to have stored nothing before (fail safe: a run read without
  // the column keeps them, where a falsy test would leave its reconciliation deleting every record it saw).
  const keys = run.storedBefore === false ? [] : seen.keys;
  await runs.recordSeen(run.id, batch.id, { keys, unkeyed: seen.unkeyed, schools: seen.schools });
  if (!opts.run) await queueReconcileIfDue(q, run.id);
}

/**
 * Queues the run's reconciliation if it is due (once; serialised on the run's row): its outbox row's id.
 * With `leaseSeconds` the row is leased to the caller, who reconciles the run itself once its transaction
 * commits ({@link reconcileLeased}); the relay leaves it alone until the lease runs out, so a crash in
 * between only delays the reconciliation by the lease. Without it, the relay is woken.
 */
export async function queueReconcileIfDue(
  q: Queryable,
  syncRunId: number,
  opts: { leaseSeconds?: number } = {},
): Promise<number | undefined> {
  const runs = createSyncRunsRepo(q);
  await runs.lock(syncRunId);
  if (!(await runs.claimReconcile(syncRunId))) return undefined;
  return enqueue(q, reconcileRun, { syncRunId }, opts);
}

/**
 * The run's reconciliation from the outbox row leased to this process ({@link queueReconcileIfDue}), run
 * here and now: what the pull job that stored a full run's last page does right after that page's commit
 * (issue 7: the reconcile-run job's hop through the relay and the queue cost each run 0.15–0.58 s). It is
 * the reconcile-run job's own work ({@link reconcileSyncRun}: once, under the run's lock, while the
 * reconciliation is queued). When it fails, the row is handed to the relay, and its job runs it again and
 * reports the failure, as any other (a lost database: the lease runs out first). The failure is thrown.
 */
export async function reconcileLeased(
  ctx: ReconcileContext,
  syncRunId: number,
  outboxId: number,
): Promise<void> {
  try {
    await reconcileSyncRun(ctx, { syncRunId }, { outboxId });
  } catch (err) {
    await createOutboxRepo(ctx.db)
      .handOver(outboxId)
      .catch(() => undefined);
    throw err;
  }
}

/** Note kept (in the ingest's audit entry) when the guard held a snapshot's deletions. */
const GUARD_HELD_NOTE = 'guard-held';

/** What a vendor snapshot deleted, what it omitted but left (its sender had not heard of them), or why it deleted nothing. */
export interface SnapshotApplied {
  deleted: string[];
  /** Keys omitted but kept: the snapshot's sender is not known to have held them as they are (precedence (b)). */
  kept: string[];
  skipped: string | null;
  holdId?: number;
}

/**
 * Deletes what a vendor snapshot omits, in the ingest's transaction, of what its sender is known to have
 * held as it is now (./snapshot-missing.ts: not a student the city moved in that it has not heard of, which is
 * `kept`). Returns the keys deleted. The
 * mass-change guard judges the deletions first, against the school as it was before the batch (its records
 * are written by now: those they brought, `arrived`, are counted back): over a school's threshold they are
 * held (the records the snapshot carries are still applied) until a city admin decides (./guard-apply.ts
 * applies them).
 */
export async function applySnapshot(
  q: Queryable,
  ctx: Pick<WorkerContext, 'routes' | 'targets' | 'config' | 'now'>,
  batch: Pick<Batch, 'id' | 'entity' | 'schoolCode' | 'createdAt' | 'clientId' | 'format'>,
  seen: Carried & { unkeyed: number; sourceSystem: string },
  arrived: ReadonlyMap<string, number>,
): Promise<SnapshotApplied> {
  if (seen.unkeyed > 0) return { deleted: [], kept: [], skipped: UNKEYED_NOTE };
  const records = createRecordsRepo(q);
  const { missing, kept } = await snapshotMissing(q, ctx, batch.entity, batch.schoolCode, seen, {
    receivedAt: batch.createdAt,
    clientId: batch.clientId,
    batchId: batch.id,
  });
  const entries = missing.map((key) => ({ school: batch.schoolCode, kind: 'deleted' as const, key }));
  const years = snapshotYears(batch.entity, () => seen, batch.createdAt);
  const holdId = await guardChange(q, ctx, {
    kind: 'batch',
    batchId: batch.id,
    entity: batch.entity,
    entries,
    arrived,
    schoolYears: years,
    // With the deletions its school's earlier vendor batches made over the window (./vendor-window.ts).
    window: async (live, today) => (await windowOver(q, ctx, batch, entries, { live, years, today }))?.window,
  });
  if (holdId !== undefined) return { deleted: [], kept, skipped: GUARD_HELD_NOTE, holdId };
  // Its deletions are its word, at its arrival (migration 600): not of a record a newer word reached meanwhile.
  const arrival = { batchId: batch.id, school: batch.schoolCode };
  const deleted = await records.tombstone(batch.entity, missing, { naturalKeys: true, arrival });
  await sendDeletes(q, ctx, {
    entity: batch.entity,
    keys: deleted,
    sourceSystem: seen.sourceSystem,
    format: batch.format,
    batchId: batch.id,
  });
  return { deleted, kept, skipped: null };
}

/** The run's source's reading of its records' own times (./inbound.ts `sourceTime`), if it tells them. */
function sourceTimeOf(run: SyncRun): ((raw: unknown) => string | undefined) | undefined {
  try {
    return inboundMapping(run.system, run.entity).sourceTime;
  } catch {
    return undefined;
  }
}

/**
 * Deletes what the run's reconciliation would delete (./reconcile-unseen.ts `unseenOfRun`), unless the guard holds
 * it: the hold's id then, nothing deleted.
 */
async function deleteUnseen(
  q: Queryable,
  ctx: ReconcileContext,
  run: SyncRun,
): Promise<{ holdId: number } | { deleted: string[]; pushSets: number[] }> {
  const { unseen, left, yearsAt } = await unseenOfRun(q, run, ctx.now());
  // Judged with the run's counts so far (its pages' tombstones and moves): one guard story per run.
  const holdId = await guardReconcile(
    q,
    ctx,
    run,
    unseen.map((r) => ({ school: r.scope, kind: 'deleted' as const, key: r.key })),
    yearsAt,
  );
  if (holdId !== undefined) return { holdId };
  await createRunExceptRepo(q).count(run.id, 'deletions', left);
  const keys = unseen.map((r) => r.key);
  // The run's start, as the source's time of these deletions (a source that tells its records' times).
  const sourceAt = reconcileTimes(run, keys, sourceTimeOf(run));
  const deleted = await createRecordsRepo(q).tombstone(run.entity, keys, {
    naturalKeys: true,
    ...(sourceAt ? { sourceAt } : {}),
  });
  // Its delete sets carry the run (no batch): the run's deliveries count them (runs2).
  const pushSets = await sendDeletes(q, ctx, {
    entity: run.entity,
    keys: deleted,
    sourceSystem: run.system,
    syncRunId: run.id,
  });
  return { deleted, pushSets };
}
/**
 * A run's reconciliation, once: under the run's lock, only while it is queued; closes the job's outbox row
 * in the same transaction (the reconcile-run job, or the pull job that stored the run's last page:
 * {@link reconcileLeased}).
 */
export async function reconcileSyncRun(
  ctx: ReconcileContext,
  payload: { syncRunId: number },
  job: Pick<JobRun, 'outboxId'>,
) {
  return ctx.db.tx(async (q) => {
    const runs = createSyncRunsRepo(q);
    await runs.lock(payload.syncRunId);
    // Its row closed first: the row stays locked until the commit, so the relay (which skips locked rows)
    // does not queue a reconciliation run here for longer than its lease (./pull.ts), and a rollback reopens it.
    await createOutboxRepo(q).markDone(job.outboxId);
    const run = await runs.get(payload.syncRunId);
    if (!run || run.reconcile !== 'queued') return { deleted: 0, skipped: 'not-due' };
    // A newer full run of the scope fetched every page (e.g. a held reconciliation approved late): it decides.
    const superseded = await runs.supersededByNewer(run.id);
    const unkeyed = superseded ? 0 : await runs.unkeyedSeen(run.id);
    const skip = superseded ? SUPERSEDED_NOTE : unkeyed > 0 ? UNKEYED_NOTE : null;
    const done = skip === null ? await deleteUnseen(q, ctx, run) : { deleted: [], pushSets: [] };
    const note = skip ?? (run.unstableScopes.length > 0 ? UNSTABLE_NOTE : null);
    if ('holdId' in done) {
      await runs.holdReconcile(run.id);
      return { deleted: 0, skipped: 'held', holdId: done.holdId };
    }
    const { deleted, pushSets } = done;
    await runs.finishReconcile(run.id, deleted.length, note);
    const { system, entity, scope } = run;
    const details = {
      system,
      entity,
      scope,
      deleted: deleted.length,
      unkeyed,
      unstableSchools: run.unstableScopes,
      ...(run.rejectedSchools.length > 0 ? { exceptSchools: run.rejectedSchools } : {}),
      pushSets: pushSets.map(String),
    };
    await appendAudit(
      q,
      [{ actor: 'system:reconcile', action: 'sync.reconciled', subject: `sync:${run.id}`, details }],
      ctx.now(),
    );
    ctx.metrics.recordsIngested.inc({ entity: run.entity, outcome: 'deleted' }, deleted.length);
    return { deleted: deleted.length, skipped: note };
  });
}

export const reconcileRunJob = defineJob({ ...reconcileRun, concurrency: 1, process: reconcileSyncRun });
