/**
 * Ingest: a stored batch → map → validate → quality checks → set-based upsert of changed records,
 * findings, push sets for every interested target, audit — all in one transaction, so a crash
 * anywhere leaves the batch queued and the retry starts clean. Idempotent: a finished batch is a no-op.
 */
import { appendAudit } from '../audit/chain.js';
import { createBatchesRepo, type FindingRow } from '../store/batches.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createRecordsRepo, fingerprint, type UpsertRow } from '../store/records.js';
import type { MappingFinding } from '../mappings/types.js';
import { enqueue, ingestBatch, PULL_CLIENT, pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { inboundMapping, type InboundRecord } from './inbound.js';
import { qualityChecks } from '../quality/checks.js';
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';

type IngestContext = Pick<WorkerContext, 'db' | 'metrics' | 'now' | 'routes'>;

export interface IngestResult {
  accepted: number;
  rejected: number;
  unchanged: number;
  pushSets: number[];
}

/** The criterion a rule code belongs to: DUNG_ → dung, DU_ → du, SACH_ → sach, SONG_ → song, else its prefix. */
export function criterionOf(rule: string): string {
  const prefix = rule.split('_')[0]!.toLowerCase();
  if (prefix === 'map') return 'mapping';
  if (prefix === 'wire') return 'schema';
  return prefix;
}

const toFindingRow = (
  index: number,
  key: string | null,
  criterion: string,
  f: MappingFinding,
): FindingRow => ({
  recordIndex: index,
  recordKey: key,
  criterion,
  rule: f.rule,
  severity: f.severity,
  pointer: f.pointer,
  messageVi: f.vi,
  messageEn: f.en,
});

async function ingest(deps: IngestContext, payload: { batchId: string }, job: JobRun): Promise<IngestResult> {
  return deps.db.tx(async (q) => {
    const batches = createBatchesRepo(q);
    const outbox = createOutboxRepo(q);
    const batch = await batches.lockForProcessing(payload.batchId);
    if (!batch || batch.status === 'done') {
      await outbox.markDone(job.outboxId);
      return {
        accepted: batch?.accepted ?? 0,
        rejected: batch?.rejected ?? 0,
        unchanged: batch?.unchanged ?? 0,
        pushSets: [],
      };
    }
    const entity = batch.entity;
    const mapping = inboundMapping(batch.format, entity);
    // Pulled batches come from the systems of record: they may span schools and move records.
    const trusted = batch.clientId === PULL_CLIENT;
    const sourceSystem = trusted ? batch.format : `vendor:${batch.clientId}`;
    const ctx = trusted
      ? { now: deps.now }
      : { schoolCode: batch.schoolCode, schoolYear: schoolYearOf(vietnamDateOf(deps.now())), now: deps.now };
    const findings: FindingRow[] = [];
    const candidates: Array<{ index: number; rec: InboundRecord }> = [];
    const seen = new Set<string>();
    batch.records.forEach((raw, index) => {
      const mapped = mapping.map(raw, ctx);
      const key = mapped.ok ? mapped.value.key : null;
      for (const f of mapped.findings) findings.push(toFindingRow(index, key, criterionOf(f.rule), f));
      if (!mapped.ok) return;
      const rec = mapped.value;
      for (const f of qualityChecks(entity, rec.data as Record<string, unknown>)) {
        findings.push(toFindingRow(index, rec.key, criterionOf(f.rule), f));
      }
      if (!trusted && rec.scope !== batch.schoolCode) {
        findings.push(toFindingRow(index, rec.key, 'tenancy', TENANCY_OTHER_SCHOOL));
        return;
      }
      if (seen.has(rec.key)) {
        findings.push(toFindingRow(index, rec.key, 'sach', DUPLICATE_IN_BATCH));
        return;
      }
      seen.add(rec.key);
      candidates.push({ index, rec });
    });
    const records = createRecordsRepo(q);
    const existing = await records.existing(
      entity,
      candidates.map((c) => c.rec.key),
    );
    const toWrite: UpsertRow[] = [];
    const unchangedKeys: string[] = [];
    let rejected = batch.records.length - candidates.length;
    for (const { index, rec } of candidates) {
      const prior = existing.get(rec.key);
      if (!trusted && prior && prior.scope !== batch.schoolCode) {
        // Moving a record between schools is a transfer, decided by the city flow, not by a push.
        findings.push(toFindingRow(index, rec.key, 'tenancy', TENANCY_OWNED_ELSEWHERE));
        rejected += 1;
        continue;
      }
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
    }
    await records.upsert(entity, toWrite, { system: sourceSystem, mappingVersion: mapping.version });
    await records.touch(entity, unchangedKeys);
    const pushSets: number[] = [];
    if (toWrite.length > 0) {
      for (const system of deps.routes(entity, batch.format)) {
        const pushSetId = await createPushSetsRepo(q).create({
          system,
          entity,
          keys: toWrite.map((r) => r.key),
          batchId: batch.id,
        });
        pushSets.push(pushSetId);
        await enqueue(q, pushSet(system), { pushSetId });
      }
    }
    await batches.insertFindings(batch.id, findings);
    const counts = { accepted: toWrite.length, rejected, unchanged: unchangedKeys.length };
    await batches.finish(batch.id, counts);
    await outbox.markDone(job.outboxId);
    await appendAudit(q, [
      {
        actor: 'system:ingest',
        action: 'batch.ingested',
        subject: `batch:${batch.id}`,
        details: { entity, ...counts, findings: findings.length, pushSets: pushSets.map(String) },
      },
    ]);
    deps.metrics.recordsIngested.inc({ entity, outcome: 'accepted' }, counts.accepted);
    deps.metrics.recordsIngested.inc({ entity, outcome: 'rejected' }, counts.rejected);
    deps.metrics.recordsIngested.inc({ entity, outcome: 'unchanged' }, counts.unchanged);
    return { ...counts, pushSets };
  });
}

const TENANCY_OTHER_SCHOOL: MappingFinding = {
  pointer: '/schoolCode',
  rule: 'TENANCY_OTHER_SCHOOL',
  severity: 'error',
  vi: 'Bản ghi thuộc trường khác với trường của lô.',
  en: 'The record belongs to a school other than the batch’s school.',
};
const TENANCY_OWNED_ELSEWHERE: MappingFinding = {
  pointer: '',
  rule: 'TENANCY_OWNED_ELSEWHERE',
  severity: 'error',
  vi: 'Mã này đang thuộc một trường khác; chuyển trường phải qua quy trình chuyển trường.',
  en: 'This code belongs to another school; moving it requires the transfer flow.',
};
const DUPLICATE_IN_BATCH: MappingFinding = {
  pointer: '',
  rule: 'SACH_DUPLICATE_IN_BATCH',
  severity: 'error',
  vi: 'Mã bị lặp lại trong cùng lô; chỉ bản ghi đầu tiên được nhận.',
  en: 'The key repeats within the batch; only the first record is taken.',
};

export const ingestJob = defineJob({
  ...ingestBatch,
  concurrency: (config) => config.jobs.concurrency,
  process: ingest,
});
