/**
 * Ingest: a stored batch goes through six named steps, all in one transaction, so a crash anywhere
 * leaves the batch queued and the retry starts clean. Idempotent: a finished batch is a no-op.
 *
 *   load    lock the batch; stop if it is done
 *   map     wire → canonical record (the format's mapping; schema and mapping findings)
 *   check   the quality engine (src/quality): tenancy, in-batch duplicates, the record checks;
 *           one store lookup (the stored copies of the batch's keys), shared with `plan`
 *   plan    which accepted records changed (fingerprint) and which are unchanged
 *   apply   upsert the changed, touch the unchanged, one push set per interested target
 *   finish  findings, counts, audit, metrics; close the outbox row
 */
import { appendAudit } from '../audit/chain.js';
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import { qualityChecks } from '../quality/checks.js';
import {
  BatchSink,
  checkBatch,
  DEFAULT_QUALITY_CONFIG,
  findingOf,
  INGEST_CHECKS,
  RULES,
  type BatchContext,
  type Finding,
  type QualityConfig,
  type Rec,
} from '../quality/index.js';
import { DUPLICATE_IN_BATCH } from '../quality/rules/sach.js';
import { createBatchesRepo, type Batch, type FindingRow } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createRecordsRepo, fingerprint, type ExistingRow, type UpsertRow } from '../store/records.js';
import { enqueue, ingestBatch, PULL_CLIENT, pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { inboundMapping, type InboundMapping, type InboundRecord } from './inbound.js';

type IngestContext = Pick<WorkerContext, 'db' | 'metrics' | 'now' | 'routes'>;

export interface IngestResult {
  accepted: number;
  rejected: number;
  unchanged: number;
  pushSets: number[];
}

type Counts = Omit<IngestResult, 'pushSets'>;

/**
 * The rules the ingest enforces today: the tenancy gate (never switched off) and in-batch duplicates;
 * every other rule of the catalogue is off until the ingest runs the whole engine (issue 8).
 */
const INGEST_QUALITY: QualityConfig = Object.freeze({
  ...DEFAULT_QUALITY_CONFIG,
  policy: {
    '*': Object.fromEntries(
      RULES.filter((r) => r !== DUPLICATE_IN_BATCH).map((r) => [r.code, 'off' as const]),
    ),
  },
});

/** A batch being ingested: the stored batch, its mapping, and whether it is trusted. */
interface Loaded {
  readonly batch: Batch & { records: unknown[] };
  readonly entity: EntityName;
  readonly mapping: InboundMapping;
  /** Pulled batches come from the systems of record: they may span schools and move records. */
  readonly trusted: boolean;
}

/** `map`'s output: per index, the mapped record (undefined where mapping failed), and its findings. */
interface Mapped {
  readonly records: readonly (InboundRecord | undefined)[];
  readonly findings: readonly Finding[];
}

/** `check`'s output: every finding so far, the indexes rejected, and the stored copies of the keys. */
interface Checked {
  readonly findings: readonly Finding[];
  readonly rejected: ReadonlySet<number>;
  readonly existing: ReadonlyMap<string, ExistingRow>;
}

interface Plan {
  readonly toWrite: readonly UpsertRow[];
  readonly unchangedKeys: readonly string[];
  readonly rejected: number;
}

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
    mapping: inboundMapping(batch.format, batch.entity),
    trusted: batch.clientId === PULL_CLIENT,
  };
}

function map({ batch, mapping, trusted }: Loaded, now: () => Date): Mapped {
  const ctx = trusted
    ? { now }
    : { schoolCode: batch.schoolCode, schoolYear: schoolYearOf(vietnamDateOf(now())), now };
  const findings: Finding[] = [];
  const records = batch.records.map((raw, index) => {
    const mapped = mapping.map(raw, ctx);
    for (const f of mapped.findings) findings.push(findingOf(index, f));
    return mapped.ok ? mapped.value : undefined;
  });
  return { records, findings };
}

async function check(q: Queryable, loaded: Loaded, mapped: Mapped, now: () => Date): Promise<Checked> {
  const { batch, entity, trusted } = loaded;
  const findings = [...mapped.findings];
  const canonical: (Rec | undefined)[] = mapped.records.map((rec, index) => {
    if (rec === undefined) return undefined;
    const data = rec.data as Rec;
    findings.push(...qualityChecks(entity, data, index));
    return data;
  });
  const keys = mapped.records.flatMap((rec) => (rec ? [rec.key] : []));
  const existing = await createRecordsRepo(q).existing(entity, keys);
  const today = vietnamDateOf(now());
  const ctx: BatchContext = {
    entity,
    today,
    schoolYear: schoolYearOf(today),
    schoolCode: trusted ? undefined : batch.schoolCode,
    config: INGEST_QUALITY,
  };
  const owners = async () => new Map([...existing].map(([key, row]) => [key, row.scope]));
  const result = await checkBatch(ctx, canonical, { owners }, new BatchSink(ctx, canonical), INGEST_CHECKS);
  findings.push(...result.findings);
  // Stable: per record, mapping findings first, then the checks' in the order they ran.
  findings.sort((a, b) => a.index - b.index);
  return { findings, rejected: result.rejected, existing };
}

function plan(mapped: Mapped, checked: Checked): Plan {
  const toWrite: UpsertRow[] = [];
  const unchangedKeys: string[] = [];
  let rejected = 0;
  mapped.records.forEach((rec, index) => {
    if (rec === undefined || checked.rejected.has(index)) {
      rejected += 1;
      return;
    }
    const prior = checked.existing.get(rec.key);
    const fp = fingerprint(rec.data);
    if (prior && prior.fingerprint === fp) unchangedKeys.push(rec.key);
    else
      toWrite.push({
        key: rec.key,
        scope: rec.scope,
        personalId: rec.personalId,
        data: rec.data,
        fingerprint: fp,
      });
  });
  return { toWrite, unchangedKeys, rejected };
}

/** Writes the plan; returns the push sets made, one per target interested in the changes. */
async function apply(q: Queryable, deps: IngestContext, loaded: Loaded, p: Plan): Promise<number[]> {
  const { batch, entity, mapping, trusted } = loaded;
  const records = createRecordsRepo(q);
  const system = trusted ? batch.format : `vendor:${batch.clientId}`;
  await records.upsert(entity, p.toWrite, { system, mappingVersion: mapping.version });
  await records.touch(entity, p.unchangedKeys);
  const pushSets: number[] = [];
  if (p.toWrite.length === 0) return pushSets;
  const keys = p.toWrite.map((r) => r.key);
  for (const target of deps.routes(entity, batch.format)) {
    const pushSetId = await createPushSetsRepo(q).create({ system: target, entity, keys, batchId: batch.id });
    pushSets.push(pushSetId);
    await enqueue(q, pushSet(target), { pushSetId });
  }
  return pushSets;
}

/** A finding as the store keeps it, with the key of its record (null where mapping failed). */
const toRow = (f: Finding, mapped: Mapped): FindingRow => ({
  recordIndex: f.index,
  recordKey: mapped.records[f.index]?.key ?? null,
  criterion: f.criterion,
  rule: f.rule,
  severity: f.severity,
  pointer: f.pointer,
  messageVi: f.vi,
  messageEn: f.en,
});

async function finish(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  outcome: { mapped: Mapped; checked: Checked; counts: Counts; pushSets: number[] },
): Promise<void> {
  const { batch, entity } = loaded;
  const { mapped, checked, counts, pushSets } = outcome;
  const batches = createBatchesRepo(q);
  await batches.insertFindings(
    batch.id,
    checked.findings.map((f) => toRow(f, mapped)),
  );
  await batches.finish(batch.id, counts);
  await appendAudit(q, [
    {
      actor: 'system:ingest',
      action: 'batch.ingested',
      subject: `batch:${batch.id}`,
      details: { entity, ...counts, findings: checked.findings.length, pushSets: pushSets.map(String) },
    },
  ]);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'accepted' }, counts.accepted);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'rejected' }, counts.rejected);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'unchanged' }, counts.unchanged);
}

async function ingest(deps: IngestContext, payload: { batchId: string }, job: JobRun): Promise<IngestResult> {
  return deps.db.tx(async (q) => {
    const loaded = await load(q, payload.batchId);
    if (!('batch' in loaded)) {
      await createOutboxRepo(q).markDone(job.outboxId);
      return { ...loaded, pushSets: [] };
    }
    const mapped = map(loaded, deps.now);
    const checked = await check(q, loaded, mapped, deps.now);
    const p = plan(mapped, checked);
    const pushSets = await apply(q, deps, loaded, p);
    const counts = { accepted: p.toWrite.length, rejected: p.rejected, unchanged: p.unchangedKeys.length };
    await finish(q, deps, loaded, { mapped, checked, counts, pushSets });
    await createOutboxRepo(q).markDone(job.outboxId);
    return { ...counts, pushSets };
  });
}

export const ingestJob = defineJob({
  ...ingestBatch,
  concurrency: (config) => config.jobs.concurrency,
  process: ingest,
});
