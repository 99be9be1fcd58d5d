/**
 * Ingest: a stored batch goes through six named steps, all in one transaction, so a crash anywhere
 * leaves the batch queued and the retry starts clean. Idempotent: a finished batch is a no-op.
 *
 *   load    lock the batch; stop if it is done
 *   map     wire → canonical record (the format's mapping; schema and mapping findings)
 *   check   the quality engine (src/quality): tenancy, in-batch duplicates, the record checks;
 *           one store lookup (the stored copies of the batch's keys), shared with `plan`
 *   plan    which accepted records changed (fingerprint) and which are unchanged
 *   apply   upsert the changed (a deleted record that comes back is restored, even unchanged), touch
 *           the unchanged (a pulled page of a full run notes its keys narrowly instead), one push set
 *           per interested target; a vendor snapshot deletes what it omits (./reconcile.ts)
 *   finish  findings, counts, audit, metrics; close the outbox row; a full run may become due for
 *           reconciliation
 */
import { appendAudit } from '../audit/chain.js';
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import {
  BatchSink,
  checkBatch,
  findingOf,
  INGEST_CHECKS,
  prepareCanonicalBatch,
  ruleByCode,
  type BatchContext,
  type Finding,
  type QualityLookups,
  type Rec,
  type StoredRecord,
} from '../quality/index.js';
import { createQualityRepo, type Verdict } from '../store/quality.js';
import { createBatchesRepo, type Batch, type FindingRow } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createRecordsRepo, fingerprint, type ExistingRow, type UpsertRow } from '../store/records.js';
import { enqueue, ingestBatch, PULL_CLIENT, pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { inboundMapping, keyed, type InboundMapping, type InboundRecord } from './inbound.js';
import { afterPulledPage, applySnapshot } from './reconcile.js';

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

/** A batch being ingested: the stored batch, its mapping, and whether it is trusted. */
interface Loaded {
  readonly batch: Batch & { records: unknown[] };
  readonly entity: EntityName;
  readonly mapping: InboundMapping;
  /** Pulled batches come from the systems of record: they may span schools and move records. */
  readonly trusted: boolean;
}

/**
 * `map`'s output: per index, the mapped record (undefined where mapping or the input step refused
 * it), the findings outside the catalogue, and the engine's sink holding the catalogue's findings
 * so far (the canonical input step's, and the mappings' findings of catalogued codes, which the
 * city's policy judges the same in every format).
 */
interface Mapped {
  readonly records: readonly (InboundRecord | undefined)[];
  readonly findings: readonly Finding[];
  readonly ctx: BatchContext;
  readonly sink: BatchSink;
}

/** `check`'s output: every finding so far, the indexes rejected, the stored copies of the keys, the records as repaired. */
interface Checked {
  readonly findings: readonly Finding[];
  readonly rejected: ReadonlySet<number>;
  readonly existing: ReadonlyMap<string, ExistingRow>;
  readonly records: readonly (InboundRecord | undefined)[];
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

/** The quality engine's context for a batch: today in Vietnam, the current school year, the city's settings. */
function qualityContext(loaded: Loaded, deps: IngestContext): BatchContext {
  const today = vietnamDateOf(deps.now());
  return {
    entity: loaded.entity,
    today,
    schoolYear: schoolYearOf(today),
    schoolCode: loaded.trusted ? undefined : loaded.batch.schoolCode,
    config: deps.config.quality,
  };
}

function map(loaded: Loaded, deps: IngestContext): Mapped {
  const { batch, entity, mapping, trusted } = loaded;
  const ctx = qualityContext(loaded, deps);
  if (batch.format === 'canonical') {
    // truc's own format: the input step (personal-ID form, text normalised and reported, mojibake,
    // control characters), then the canonical schema, each issue a catalogue finding.
    const sink = prepareCanonicalBatch(ctx, batch.records);
    const records = sink.records.map((rec) => (rec === undefined ? undefined : keyed(entity, { ...rec })));
    return { records, findings: [], ctx, sink };
  }
  const mapCtx = trusted
    ? { now: deps.now }
    : { schoolCode: batch.schoolCode, schoolYear: ctx.schoolYear, now: deps.now };
  const findings: Finding[] = [];
  const judged: { index: number; code: string; pointer: string }[] = [];
  const records = batch.records.map((raw, index) => {
    const mapped = mapping.map(raw, mapCtx);
    for (const f of mapped.findings) {
      if (ruleByCode(f.rule)) judged.push({ index, code: f.rule, pointer: f.pointer });
      else findings.push(findingOf(index, f));
    }
    return mapped.ok ? mapped.value : undefined;
  });
  const sink = new BatchSink(
    ctx,
    records.map((r) => r?.data as Rec | undefined),
  );
  for (const j of judged) sink.add(j.index, ruleByCode(j.code)!, j.pointer);
  return { records, findings, ctx, sink };
}

/** The store lookups of the store-backed rules, each one query for the whole batch. */
function lookupsFor(
  q: Queryable,
  loaded: Loaded,
  existing: ReadonlyMap<string, ExistingRow>,
): QualityLookups {
  const repo = createQualityRepo(q);
  const fromCity = loaded.trusted && loaded.batch.format === 'hcm-csdl';
  return {
    owners: async () => new Map([...existing].map(([key, row]) => [key, row.scope])),
    schools: async (codes) =>
      new Map(
        [...(await repo.schoolLevels(codes))].map(([code, level]) => [
          code,
          { schoolCode: code, level: level as never },
        ]),
      ),
    classes: (pairs) =>
      repo.classKeys([...new Set(pairs.map((p) => p[0]))], [...new Set(pairs.map((p) => p[1]))]),
    activeHolders: (entity, ids) => repo.activeHolders(entity, ids),
    // The city database is the authoritative source: compared with what others send, not with itself.
    ...(fromCity
      ? {}
      : {
          authoritative: async (entity: EntityName, keys: readonly string[]) =>
            repo.fromSystem(entity, keys, 'hcm-csdl') as Promise<Map<string, Rec>>,
        }),
    lastSyncs: (schools) => repo.lastSyncs(schools),
    currentYearCounts: (entity, schools, year) => repo.yearCounts(entity, schools, year),
    bornOn: async (entity, dates) => {
      const out = new Map<string, StoredRecord[]>();
      if (entity !== 'students') return out;
      for (const row of await repo.studentsBornOn(dates)) {
        const rec = row.data as Rec;
        const day = String(rec['birthDate']);
        out.set(day, [...(out.get(day) ?? []), { key: row.key, rec }]);
      }
      return out;
    },
  };
}

async function check(q: Queryable, loaded: Loaded, mapped: Mapped): Promise<Checked> {
  const { entity } = loaded;
  const keys = mapped.records.flatMap((rec) => (rec ? [rec.key] : []));
  const existing = await createRecordsRepo(q).existing(entity, keys);
  const result = await checkBatch(
    mapped.ctx,
    mapped.sink.records,
    lookupsFor(q, loaded, existing),
    mapped.sink,
    INGEST_CHECKS,
  );
  // Repairs (mojibake, name case) are what is stored.
  const records = mapped.records.map((rec, index) => {
    const repaired = result.records[index];
    return rec === undefined || repaired === undefined || repaired === rec.data
      ? rec
      : keyed(entity, { ...repaired });
  });
  // Stable: per record, mapping findings first, then the engine's in the order they ran; the batch's own last.
  const findings = [...mapped.findings, ...result.findings].sort((a, b) =>
    a.index < 0 ? (b.index < 0 ? 0 : 1) : b.index < 0 ? -1 : a.index - b.index,
  );
  return { findings, rejected: result.rejected, existing, records };
}

function plan(checked: Checked): Plan {
  const toWrite: UpsertRow[] = [];
  const unchangedKeys: string[] = [];
  let rejected = 0;
  checked.records.forEach((rec, index) => {
    if (rec === undefined || checked.rejected.has(index)) {
      rejected += 1;
      return;
    }
    const prior = checked.existing.get(rec.key);
    const fp = fingerprint(rec.data);
    // A deleted record that comes back is restored, even unchanged.
    if (prior && prior.fingerprint === fp && !prior.deleted) unchangedKeys.push(rec.key);
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
  const pushSets: number[] = [];
  if (p.toWrite.length === 0) return { pushSets, snapshot };
  const keys = p.toWrite.map((r) => r.key);
  for (const target of deps.routes(entity, batch.format)) {
    const pushSetId = await createPushSetsRepo(q).create({ system: target, entity, keys, batchId: batch.id });
    pushSets.push(pushSetId);
    await enqueue(q, pushSet(target), { pushSetId });
  }
  return { pushSets, snapshot };
}

/** A finding as the store keeps it, with the key of its record (null where mapping failed). */
const toRow = (f: Finding, checked: Checked): FindingRow => ({
  recordIndex: f.index,
  recordKey: checked.records[f.index]?.key ?? null,
  criterion: f.criterion,
  rule: f.rule,
  severity: f.severity,
  pointer: f.pointer,
  messageVi: f.vi,
  messageEn: f.en,
  value: f.value ?? null,
  hintVi: f.hintVi || null,
  hintEn: f.hintEn || null,
  detailVi: f.detail?.vi ?? null,
  detailEn: f.detail?.en ?? null,
});

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
  outcome: { mapped: Mapped; checked: Checked; counts: Counts; applied: Applied },
): Promise<void> {
  const { batch, entity } = loaded;
  const { mapped, checked, counts } = outcome;
  const { pushSets, snapshot } = outcome.applied;
  const batches = createBatchesRepo(q);
  await batches.insertFindings(
    batch.id,
    checked.findings.map((f) => toRow(f, checked)),
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

async function ingest(deps: IngestContext, payload: { batchId: string }, job: JobRun): Promise<IngestResult> {
  return deps.db.tx(async (q) => {
    const loaded = await load(q, payload.batchId);
    if (!('batch' in loaded)) {
      await createOutboxRepo(q).markDone(job.outboxId);
      return { ...loaded, pushSets: [] };
    }
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
    await finish(q, deps, loaded, { mapped, checked, counts, applied });
    await createOutboxRepo(q).markDone(job.outboxId);
    return { ...counts, pushSets: applied.pushSets };
  });
}

export const ingestJob = defineJob({
  ...ingestBatch,
  concurrency: (config) => config.jobs.concurrency,
  process: ingest,
});
