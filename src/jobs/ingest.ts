/**
 * Ingest: a stored batch goes through six named steps, all in one transaction, so a crash anywhere
 * leaves the batch queued and the retry starts clean. Idempotent: a finished batch is a no-op.
 *
 *   load    lock the vendor batch's school (../store/school-lock.ts), then the batch; stop if it is done;
 *           a repeat of a batch judged before (the same body) whose state still holds is unchanged, with
 *           that batch's findings, at once (./ingest-repeat.ts)
 *   map, check, plan   judge it (./judge.ts, shared with the batch API's dry run): wire → canonical,
 *           the quality engine, which accepted records changed; a pulled page skips first the records
 *           unchanged at the source (./skip-unchanged.ts)
 *   guard   a vendor batch that changes or moves too much of a school is held whole (./guard.ts)
 *   apply   upsert the changed (a deleted record that comes back is restored, even unchanged), touch
 *           the unchanged (a pulled page of a full run notes its keys narrowly instead), one push set
 *           per interested target; a vendor snapshot deletes what it omits (./ingest-apply.ts, ./reconcile.ts)
 *   finish  findings, counts, audit, metrics; close the outbox row; a full run may become due for
 *           reconciliation; a vendor batch keeps the tag of the state it left, for its repeats
 *           (./ingest-finish.ts)
 */
import { vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import type { AuditEvent } from '../store/audit-log.js';
import { createBatchesRepo } from '../store/batches.js';
import { combinedWrites, type CombinedWrites } from '../store/combined.js';
import { sendWrite, type Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { lockSchoolOfBatchOrPass } from '../store/school-lock.js';
import { ingestBatch, PULL_CLIENT } from './contracts.js';
import { DeferJob, defineJob, type JobRun } from './define.js';
import { guardBatch } from './batch-guard.js';
import { arrivalsOf, batchEntries, weighsWithCopies, withRegrades } from './guard.js';
import { pageRegrades } from './guard-rollover.js';
import { noteIgnoredFields } from './ignored-fields.js';
import { inboundMapping } from './inbound.js';
import { apply, heldKeys, pulledSchools, type IngestContext, type IngestResult } from './ingest-apply.js';
import { countIngested, type Counts } from './ingest-counts.js';
import { finish, holdWhole, ingestedAudit, tagAfter } from './ingest-finish.js';
import { judgedAhead, sourceFpsByKey, type PageAhead, type PulledExtras } from './ingest-pulled.js';
import { repeatUnchanged } from './ingest-repeat.js';
import { check, cityCopiesOf, map, plan, type EarlyChecks, type Loaded } from './judge.js';
import { afterPulledPage } from './reconcile.js';
import { rulesStamp } from './refusals.js';
import { asGuardWeighs, rekeysOf, withRekeyFindings } from './rekey.js';
import { runUnit } from './run-counts.js';
import { withLaterYearFindings } from './newer-words.js';
import { takeIngestSlot } from './ingest-slots.js';
import { learnServedSchools } from './served-schools.js';
import { skipUnchanged, type StoredRead } from './skip-unchanged.js';
import { carriedYears } from './snapshot-missing.js';

export type { IngestResult } from './ingest-apply.js';
export { workAhead, type PageAhead } from './ingest-pulled.js';
export {
  checkPageEarly,
  foundNothing,
  presumedEmptyRead,
  sendStoredRead,
  type StoredRead,
} from './skip-unchanged.js';

/**
 * How long a vendor batch's job goes back to its queue when its school is busy (fair26): an ingest of the school is
 * in progress (its big snapshot, say) and another job of the school waits for it already. Waiting would hold one of
 * the worker's slots, so a school's backlog took every slot and other schools' batches queued behind it. Short: the
 * school's own batches go on soon after the lock is free (their arrival, not their ingest's order, orders their
 * words: README "Arrival order").
 */
export const SCHOOL_BUSY_RETRY_MS = 100;

/**
 * Takes the lock of the school of vendor batch `batchId` in `q`'s transaction, waiting for it if no other job of
 * the school waits (../store/school-lock.ts `lockSchoolOfBatchOrPass`), or hands the job back to its queue for
 * {@link SCHOOL_BUSY_RETRY_MS} (no attempt spent; the transaction, its outbox row's closing included, rolls back).
 */
export async function lockSchoolOrDefer(q: Queryable, batchId: string): Promise<void> {
  if (!(await lockSchoolOfBatchOrPass(q, batchId, PULL_CLIENT)))
    throw new DeferJob(SCHOOL_BUSY_RETRY_MS, 'job', 'school-busy');
}

/** Locks the batch and judges it: nothing when it is done or held, a repeat at once, else in full. */
async function ingestStored(
  q: Queryable,
  deps: IngestContext,
  batchId: string,
  closing: CombinedWrites,
): Promise<IngestResult> {
  const batches = createBatchesRepo(q);
  // A vendor batch's school: its vendor words one ingest at a time, the re-push judged at once here too
  // (../store/school-lock.ts). Taken before the batch's row, read after it; one job of a busy school waits for it,
  // the others go back to the queue.
  await lockSchoolOrDefer(q, batchId);
  const batch = await batches.lockForProcessing(batchId);
  // Done, or held whole by the guard (a city admin's approval queues it again).
  if (!batch || batch.status === 'done' || batch.status === 'held') {
    return {
      accepted: batch?.accepted ?? 0,
      rejected: batch?.rejected ?? 0,
      unchanged: batch?.unchanged ?? 0,
      pushSets: [],
    };
  }
  // Its body purged (purge29: only a re-push that found the body as the purge removed it can meet one): failed with
  // the code that says so, nothing judged or written; the vendor sends it again (../store/batch-purge.ts).
  if (batch.recordsPurgedAt !== null) {
    await batches.fail(batch.id, 'ERR_BATCH_RECORDS_PURGED');
    return { accepted: 0, rejected: 0, unchanged: 0, pushSets: [] };
  }
  // Only a batch that points at an earlier one of the same body (`sameAs`) can be a repeat: a body the
  // API had not seen when it accepted the batch is judged in full without looking for one (issue 7).
  const repeated =
    batch.clientId === PULL_CLIENT || batch.sameAs === null
      ? undefined
      : await repeatUnchanged(q, deps, batch);
  if (repeated) return { ...repeated, pushSets: [] };
  const records = batch.records ?? (await batches.recordsOf(batch.sameAs ?? batch.id));
  const loaded: Loaded = {
    batch: { ...batch, records },
    entity: batch.entity,
    mapping: inboundMapping(batch.format, batch.entity, batch.mappingPin ?? undefined),
    trusted: batch.clientId === PULL_CLIENT,
    snapshot: batch.readSnapshot,
  };
  await noteIgnoredFields(q, loaded.batch, loaded.mapping);
  return ingestLoaded(q, deps, loaded, { closing });
}

/** map → check → plan → guard → apply → finish of a loaded batch, in the caller's transaction. */
async function ingestLoaded(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  opts: { pulled?: PulledExtras; closing?: CombinedWrites; early?: EarlyChecks },
): Promise<IngestResult> {
  const { pulled, closing, early } = opts;
  // A pulled page judged ahead (./ingest-pulled.ts) runs only the store checks here (begun already, maybe).
  const mapped = judgedAhead(pulled, deps) ?? map(loaded, deps, pulled?.premapped);
  const today = vietnamDateOf(deps.now());
  const weigh = !loaded.trusted && weighsWithCopies(deps.config.guard, today, loaded.entity);
  const checked = await check(q, loaded, mapped, pulled?.known, weigh, early);
  const planned = plan(checked, pulled && sourceFpsByKey(pulled, checked.records));
  // Students taking over their provisional records (./rekey.ts): weighed by the guard as changes, not arrivals.
  const rekeys = await rekeysOf(q, loaded.entity, planned.toWrite, checked);
  const weighed = asGuardWeighs(checked.existing, rekeys, planned.toWrite);
  // A pulled page's regrades in the rollover window, read before its writes (its run's guard weighs it after them).
  const regraded =
    pulled &&
    (await pageRegrades(q, deps.config.guard, today, loaded.entity, planned.toWrite, checked.existing));
  if (!loaded.trusted) {
    const writes = { toWrite: planned.toWrite, existing: weighed, live: checked.live };
    const holdId = await guardBatch(q, deps, loaded.batch, writes, () => ({
      // A snapshot omits no provisional record a record of it takes over.
      keys: [...heldKeys(mapped).keys, ...rekeys.values()],
      years: carriedYears(mapped.records),
    }));
    if (holdId !== undefined) return holdWhole(q, loaded, holdId, deps.now());
  }
  // A vendor batch's records holding a word that arrived after it (a newer batch ingested first, a held batch
  // approved late) are left as they are: its write says which (./newer-words.ts), `p` is the plan as written.
  const schools = loaded.trusted ? pulledSchools(mapped, pulled) : undefined;
  const judged = { mapped, checked, pulled, rekeys, weighed, ...(schools ? { schools } : {}) };
  const applied = await apply(q, deps, loaded, planned, judged);
  const p = applied.plan;
  const counts: Counts = {
    accepted: p.toWrite.length,
    rejected: p.rejected + (pulled?.refused.length ?? 0),
    unchanged: p.unchangedKeys.length + (pulled?.skipped.length ?? 0),
    ...(loaded.batch.mode === 'snapshot' ? { deleted: applied.snapshot.deleted.length } : {}),
  };
  // A batch that left newer records as they are did not leave the state of its body: no tag for its repeats.
  const tag = (p.leftKeys?.length ?? 0) > 0 ? null : tagAfter(mapped.ctx, loaded, p, checked.existing);
  // Records left to a later school year are refused with a finding (./newer-words.ts).
  const filed = withRekeyFindings(withLaterYearFindings(checked, p), applied.rekeyed);
  const outcome = {
    mapped,
    checked: filed,
    counts,
    applied,
    unchanged: p.unchangedKeys,
    pulled,
    repeatTag: tag,
    ...(schools ? { schools } : {}),
  };
  await finish(q, deps, loaded, outcome, closing);
  const result = { ...counts, pushSets: applied.pushSets };
  if (!pulled) return result;
  const guardEntries = withRegrades(batchEntries(p.toWrite, weighed), regraded ?? new Set());
  // A classes run weighs by school year (./run-guard.ts `runUnit`), what its page brought too.
  const arrived = arrivalsOf(p.toWrite, weighed, runUnit(loaded.entity));
  return { ...result, guardEntries, arrived };
}

async function ingest(
  deps: IngestContext,
  payload: { batchId: string; approvedHold?: number | undefined; received?: number | undefined },
  job: JobRun,
): Promise<IngestResult> {
  // A big batch waits out of the slots while all but one are taken by big ones (./ingest-slots.ts).
  const release = await takeIngestSlot(deps, payload.batchId, payload.received);
  try {
    return await deps.db.tx(async (q) => {
      // The job's outbox row is closed with the batch's closing writes (one statement), or alone.
      const closing = combinedWrites(q);
      await createOutboxRepo(closing).markDone(job.outboxId);
      const result = await ingestStored(q, deps, payload.batchId, closing);
      await closing.flush();
      return result;
    });
  } finally {
    release();
  }
}

/** A pulled page as the pull job (./pull.ts) hands it over. */
interface PulledPageIn {
  id: string;
  syncRunId: number;
  schoolCode: string;
  entity: EntityName;
  format: string;
  records: unknown[];
  /** Per record, its bytes as received (./sources.ts `itemBytes`), where known. */
  recordBytes?: readonly Uint8Array[] | undefined;
  /** The mapping version a pinned replay of the run set; null: the current one. */
  mappingPin: string | null;
  /** The run as the pull job read it (its `since`: full or incremental; when it was requested). */
  run: { id: number; since: string | null; storedBefore: boolean; createdAt: Date };
  /** The batch's audit entry is added here: the pull job appends it with its own. */
  audit: AuditEvent[];
  /** The page as worked on ahead (./pull.ts), if it was. */
  ahead?: PageAhead | undefined;
  /** The pull job's closing writes for the page: a page with nothing to judge writes only there. */
  closing: CombinedWrites;
  /**
   * Stored outside a transaction (./pull.ts): only a page with nothing to judge is stored (undefined
   * otherwise, nothing written), and its read is a hint (refusals that lapsed are left for the
   * transaction that judges them to drop).
   */
  quietOnly?: boolean;
  /** The read of its stored rows, sent already by the pull job (see {@link StoredRead}). */
  sent?: StoredRead | undefined;
  /** When none of its records is stored, insert them as new (the pull job writes again without it on a duplicate key). */
  insertNew?: boolean;
  /** The store checks of the page as judged ahead, begun by the pull job with its read (./skip-unchanged.ts `checkPageEarly`). */
  early?: EarlyChecks | undefined;
}

/**
 * A pulled page, ingested in the pull job's transaction (issue 7): its batch row keeps the counts
 * and findings but not the records (the source keeps them; a failed page is fetched again from the
 * run's cursor), so an unchanged night writes no copy of the pages and reads none back.
 */
export async function ingestPulledPage(
  q: Queryable,
  deps: IngestContext,
  page: PulledPageIn,
): Promise<IngestResult | undefined> {
  const mapping = inboundMapping(page.format, page.entity, page.mappingPin ?? undefined);
  const refusals = { system: page.format, rules: rulesStamp(deps.config, deps.now()) };
  const { entity, records, recordBytes: bytes, ahead } = page;
  const copies = cityCopiesOf(page.format, page.run.createdAt);
  const toSkip = { entity, mapping, records, bytes, ahead, refusals, copies };
  const { rest, extras } = await skipUnchanged(q, toSkip, { dropLapsed: !page.quietOnly, sent: page.sent });
  if (rest.length === 0) return closeSkippedPage(deps, page, extras);
  if (page.quietOnly) return undefined;
  // Not waited for (pipelined with the statements after it; its failure fails the next one).
  await sendWrite(q, (w) =>
    createBatchesRepo(w).insert({
      id: page.id,
      clientId: PULL_CLIENT,
      schoolCode: page.schoolCode,
      entity: page.entity,
      format: page.format,
      records: page.records,
      syncRunId: page.syncRunId,
      mappingPin: page.mappingPin,
      keepRecords: false,
    }),
  );
  const batch: Loaded['batch'] = {
    id: page.id,
    clientId: PULL_CLIENT,
    schoolCode: page.schoolCode,
    entity: page.entity,
    format: page.format,
    status: 'processing',
    received: page.records.length,
    accepted: 0,
    rejected: 0,
    unchanged: 0,
    deleted: 0,
    errorCode: null,
    createdAt: deps.now(),
    finishedAt: null,
    mode: 'delta',
    syncRunId: page.syncRunId,
    mappingPin: page.mappingPin,
    bodySha256: null,
    sameAs: null,
    recordsPurgedAt: null,
    ignoredFields: null,
    records: rest,
  };
  const { run, audit, closing, insertNew } = page;
  const inline = { run, audit, closing, insertNew: insertNew === true };
  const loaded = { batch, entity: page.entity, mapping, trusted: true, listedSince: run.createdAt };
  return ingestLoaded(q, deps, loaded, {
    pulled: { ...extras, inline },
    ...(page.early ? { early: page.early } : {}),
  });
}

/**
 * A pulled page with nothing to judge (every record unchanged at the source, or still refused): nothing is
 * mapped, judged or written but its batch, inserted done with its counts, its seen keys (a full run) and
 * its audit entry, all among the pull job's closing writes for the page (issue 7: an unchanged page costs
 * one read and one write).
 */
async function closeSkippedPage(
  deps: IngestContext,
  page: PulledPageIn,
  extras: PulledExtras,
): Promise<IngestResult> {
  const { closing } = page;
  const counts = { accepted: 0, rejected: extras.refused.length, unchanged: extras.skipped.length };
  await createBatchesRepo(closing).insertPulledDone({
    id: page.id,
    clientId: PULL_CLIENT,
    schoolCode: page.schoolCode,
    entity: page.entity,
    format: page.format,
    syncRunId: page.syncRunId,
    mappingPin: page.mappingPin,
    received: page.records.length,
    counts,
  });
  const schools = pulledSchools({ records: [] }, extras);
  const held = { ...heldKeys({ records: [] }, extras), schools };
  await learnServedSchools(closing, page.format, schools, 'pull');
  await afterPulledPage(closing, { id: page.id, syncRunId: page.syncRunId }, held, { run: page.run });
  page.audit.push(...ingestedAudit(page.id, page.entity, counts));
  closing.afterFlush(() => countIngested(deps, page.entity, counts));
  return { ...counts, pushSets: [], guardEntries: [], quiet: true };
}

export const ingestJob = defineJob({
  ...ingestBatch,
  concurrency: (config) => config.jobs.concurrency,
  process: ingest,
});
