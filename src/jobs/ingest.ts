/**
 * Ingest: a stored batch goes through six named steps, all in one transaction, so a crash anywhere
 * leaves the batch queued and the retry starts clean. Idempotent: a finished batch is a no-op.
 *
 *   load    lock the batch; stop if it is done
 *   map, check, plan   judge it (./judge.ts, shared with the batch API's dry run): wire → canonical,
 *           the quality engine, which accepted records changed
 *   apply   upsert the changed (a deleted record that comes back is restored, even unchanged), touch
 *           the unchanged (a pulled page of a full run notes its keys narrowly instead), one push set
 *           per interested target; a vendor snapshot deletes what it omits (./reconcile.ts)
 *   finish  findings, counts, audit, metrics; close the outbox row; a full run may become due for
 *           reconciliation
 */
import { appendAudit } from '../audit/chain.js';
import { SYSTEMS } from '../canonical/systems.js';
import type { EntityName } from '../config.js';
import type { Finding } from '../quality/index.js';
import { createQualityRepo, type Verdict } from '../store/quality.js';
import { createBatchesRepo } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createSchoolSystemsRepo } from '../store/school-systems.js';
import { createRecordsRepo } from '../store/records.js';
import { enqueue, ingestBatch, PULL_CLIENT, pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { inboundMapping } from './inbound.js';
import { check, map, plan, toRow, type Checked, type Loaded, type Mapped, type Plan } from './judge.js';
import { afterPulledPage, applySnapshot } from './reconcile.js';
import { deliveriesFor } from './targets.js';

/** Each system's push scope, by format name (formats that are no system have none). */
const SYSTEM_PUSH_SCOPE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SYSTEMS).map(([name, caps]) => [name, caps.pushScope]),
);

type IngestContext = Pick<WorkerContext, 'db' | 'metrics' | 'now' | 'routes' | 'config' | 'targets'>;

export interface IngestResult {
  accepted: number;
  rejected: number;
  unchanged: number;
  /** Records a snapshot batch deleted (snapshot mode only). */
  deleted?: number;
  pushSets: number[];
}

type Counts = Omit<IngestResult, 'pushSets'>;

async function load(q: Queryable, batchId: string): Promise<Loaded | Counts> {
  const batch = await createBatchesRepo(q).lockForProcessing(batchId);
  if (!batch || batch.status === 'done') {
    return {
      accepted: batch?.accepted ?? 0,
      rejected: batch?.rejected ?? 0,
      unchanged: batch?.unchanged ?? 0,
    };
  }
  return {
    batch,
    entity: batch.entity,
    mapping: inboundMapping(batch.format, batch.entity, batch.mappingPin ?? undefined),
    trusted: batch.clientId === PULL_CLIENT,
  };
}

/** Every key the batch holds, taken or not, and how many records had no key (reconciliation's input). */
function heldKeys(mapped: Mapped): { keys: string[]; unkeyed: number } {
  const keys = new Set<string>();
  let unkeyed = 0;
  for (const rec of mapped.records) {
    if (rec === undefined) unkeyed += 1;
    else keys.add(rec.key);
  }
  return { keys: [...keys], unkeyed };
}

/** A page of a sync run: its unchanged records are noted narrowly (./reconcile.ts), not rewritten. */
const isPulledPage = ({ batch, trusted }: Loaded): boolean => trusted && batch.syncRunId !== null;

interface Applied {
  pushSets: number[];
  /** What a snapshot deleted, or why it deleted nothing. */
  snapshot: { deleted: string[]; skipped: string | null };
}

/** Writes the plan; returns the push sets made, one per target interested in the changes. */
async function apply(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  p: Plan,
  mapped: Mapped,
): Promise<Applied> {
  const { batch, entity, mapping, trusted } = loaded;
  const records = createRecordsRepo(q);
  const system = trusted ? batch.format : `vendor:${batch.clientId}`;
  await records.upsert(entity, p.toWrite, { system, mappingVersion: mapping.version });
  if (!isPulledPage(loaded)) await records.touch(entity, p.unchangedKeys);
  const snapshot =
    !trusted && batch.mode === 'snapshot'
      ? await applySnapshot(q, deps, batch, { ...heldKeys(mapped), sourceSystem: system })
      : { deleted: [], skipped: null };
  await learnServedSchools(q, loaded, mapped);
  const pushSets: number[] = [];
  if (p.toWrite.length === 0) return { pushSets, snapshot };
  const routed = deps.routes(entity, batch.format);
  for (const { system: target, keys } of await deliveriesFor(q, deps.targets, routed, p.toWrite)) {
    const pushSetId = await createPushSetsRepo(q).create({ system: target, entity, keys, batchId: batch.id });
    pushSets.push(pushSetId);
    await enqueue(q, pushSet(target), { pushSetId });
  }
  return { pushSets, snapshot };
}

/**
 * A page pulled from a school-management system, or a vendor batch in its format, shows which system
 * serves the schools of its records: where the city's changes to them are delivered.
 */
async function learnServedSchools(q: Queryable, loaded: Loaded, mapped: Mapped): Promise<void> {
  const { batch, trusted } = loaded;
  if (SYSTEM_PUSH_SCOPE[batch.format] !== 'served-schools') return;
  const schools = trusted
    ? mapped.records.flatMap((r) => (r === undefined ? [] : [r.scope]))
    : [batch.schoolCode];
  await createSchoolSystemsRepo(q).learn(batch.format, schools, trusted ? 'pull' : 'batch');
}

const CRITERIA = new Set(['dung', 'du', 'sach', 'song']);

/**
 * The last verdict on every keyed record of a vendor's batch (the records a school sent), with its
 * findings of the four criteria: what scorecards count. Pulled batches span schools and are the
 * systems of record's view; they are judged too, filed under each record's own school.
 */
function verdictsOf(loaded: Loaded, checked: Checked): Verdict[] {
  const byIndex = new Map<number, Finding[]>();
  for (const f of checked.findings) {
    if (f.index < 0 || !CRITERIA.has(f.criterion)) continue;
    const list = byIndex.get(f.index) ?? [];
    list.push(f);
    byIndex.set(f.index, list);
  }
  const seen = new Set<string>();
  const out: Verdict[] = [];
  checked.records.forEach((rec, index) => {
    if (rec === undefined || seen.has(rec.key)) return;
    // A record of another school (tenancy) is not that school's verdict to keep.
    if (!loaded.trusted && rec.scope !== loaded.batch.schoolCode) return;
    seen.add(rec.key);
    out.push({
      recordKey: rec.key,
      schoolCode: rec.scope,
      accepted: !checked.rejected.has(index),
      findings: (byIndex.get(index) ?? []).map((f) => ({
        rule: f.rule,
        criterion: f.criterion,
        severity: f.severity,
        pointer: f.pointer,
        ...(f.value !== undefined ? { value: f.value } : {}),
      })),
    });
  });
  return out;
}

async function finish(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  outcome: {
    mapped: Mapped;
    checked: Checked;
    counts: Counts;
    applied: Applied;
    unchanged: readonly string[];
  },
): Promise<void> {
  const { batch, entity } = loaded;
  const { mapped, checked, counts } = outcome;
  const { pushSets, snapshot } = outcome.applied;
  const batches = createBatchesRepo(q);
  // A pulled page does not file again the findings of records that did not change (an unchanged night
  // writes almost nothing): they are on the batch that brought the record, and in its verdict.
  const unchanged = isPulledPage(loaded) ? new Set(outcome.unchanged) : undefined;
  const filed = unchanged
    ? checked.findings.filter((f) => {
        const key = checked.records[f.index]?.key;
        return key === undefined || !unchanged.has(key);
      })
    : checked.findings;
  await batches.insertFindings(
    batch.id,
    filed.map((f) => toRow(f, checked)),
  );
  if (entity !== 'persons') {
    await createQualityRepo(q).saveVerdicts(entity, batch.id, deps.now(), verdictsOf(loaded, checked));
  }
  await batches.finish(batch.id, counts);
  if (isPulledPage(loaded)) await afterPulledPage(q, batch, heldKeys(mapped));
  await appendAudit(q, [
    {
      actor: 'system:ingest',
      action: 'batch.ingested',
      subject: `batch:${batch.id}`,
      details: {
        entity,
        ...counts,
        findings: checked.findings.length,
        pushSets: pushSets.map(String),
        ...(snapshot.skipped ? { snapshotSkipped: snapshot.skipped } : {}),
      },
    },
  ]);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'accepted' }, counts.accepted);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'rejected' }, counts.rejected);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'unchanged' }, counts.unchanged);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'deleted' }, counts.deleted ?? 0);
}

/** map → check → plan → apply → finish of a loaded batch, in the caller's transaction. */
async function ingestLoaded(q: Queryable, deps: IngestContext, loaded: Loaded): Promise<IngestResult> {
  const mapped = map(loaded, deps);
  const checked = await check(q, loaded, mapped);
  const p = plan(checked);
  const applied = await apply(q, deps, loaded, p, mapped);
  const counts: Counts = {
    accepted: p.toWrite.length,
    rejected: p.rejected,
    unchanged: p.unchangedKeys.length,
    ...(loaded.batch.mode === 'snapshot' ? { deleted: applied.snapshot.deleted.length } : {}),
  };
  await finish(q, deps, loaded, { mapped, checked, counts, applied, unchanged: p.unchangedKeys });
  return { ...counts, pushSets: applied.pushSets };
}

async function ingest(deps: IngestContext, payload: { batchId: string }, job: JobRun): Promise<IngestResult> {
  return deps.db.tx(async (q) => {
    const loaded = await load(q, payload.batchId);
    if (!('batch' in loaded)) {
      await createOutboxRepo(q).markDone(job.outboxId);
      return { ...loaded, pushSets: [] };
    }
    const result = await ingestLoaded(q, deps, loaded);
    await createOutboxRepo(q).markDone(job.outboxId);
    return result;
  });
}

/**
 * A pulled page, ingested in the pull job's transaction (issue 7): its batch row keeps the counts
 * and findings but not the records (the source keeps them; a failed page is fetched again from the
 * run's cursor), so an unchanged night writes no copy of the pages and reads none back.
 */
export async function ingestPulledPage(
  q: Queryable,
  deps: IngestContext,
  page: {
    id: string;
    syncRunId: number;
    schoolCode: string;
    entity: EntityName;
    format: string;
    records: unknown[];
    /** The mapping version a pinned replay of the run set; null: the current one. */
    mappingPin: string | null;
  },
): Promise<IngestResult> {
  await createBatchesRepo(q).insert({
    id: page.id,
    clientId: PULL_CLIENT,
    schoolCode: page.schoolCode,
    entity: page.entity,
    format: page.format,
    records: page.records,
    syncRunId: page.syncRunId,
    mappingPin: page.mappingPin,
    keepRecords: false,
  });
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
    records: page.records,
  };
  return ingestLoaded(q, deps, {
    batch,
    entity: page.entity,
    mapping: inboundMapping(page.format, page.entity, page.mappingPin ?? undefined),
    trusted: true,
  });
}

export const ingestJob = defineJob({
  ...ingestBatch,
  concurrency: (config) => config.jobs.concurrency,
  process: ingest,
});
