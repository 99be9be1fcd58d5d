/**
 * The batch API's dry run (issue 9, `?dryRun=true`): a batch that is not stored goes through the judging
 * steps of ./judge.ts (`map`, `check`, `plan`) exactly as the ingest job would take it, reading the
 * store and writing nothing: the findings and counts the batch would get, whether the mass-change guard
 * would hold it (whole, or a snapshot's deletions), and for a snapshot the deletions it would infer.
 */
import { randomUUID } from 'node:crypto';
import { vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import type { FindingRow } from '../store/batch-findings.js';
import type { BatchMode } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { type GuardKind, guardKinds } from '../store/guard-hold-diff.js';
import { createRecordsRepo } from '../store/records.js';
import { senderView } from '../quality/index.js';
import { PULL_CLIENT } from './contracts.js';
import { batchWouldHold } from './batch-guard.js';
import { sentKeyOf } from './finding-pointers.js';
import { diffsOf, evaluate } from './guard.js';
import { inboundMapping } from './inbound.js';
import { pendingStudents, snapshotGradeReasons } from './grade-guard.js';
import { carriedYears, snapshotMissing, snapshotYears } from './snapshot-missing.js';
import { rekeysOf, withRekeyFindings } from './rekey.js';
import {
  check,
  map,
  plan,
  toRow,
  type Checked,
  type JudgeContext,
  type Loaded,
  type Mapped,
  type Plan,
} from './judge.js';

/** A batch as a vendor would push it, judged without being stored. */
export interface DryRunBatch {
  clientId: string;
  schoolCode: string;
  entity: EntityName;
  format: string;
  records: unknown[];
  mode: BatchMode;
}

/**
 * Whether the mass-change guard would hold the batch, as its status (`GET /v1/batches/{id}` `guard`) would show
 * the hold: the thresholds it would go over (`kinds`, no codes), and `whole`: nothing of the batch would apply
 * until a city admin approves it (its changes or moves go over a school's thresholds: ./guard.ts `guardBatch`),
 * or (false) its records would apply and only a snapshot's deletions would wait.
 */
export interface GuardPreview {
  whole: boolean;
  kinds: GuardKind[];
}

/**
 * What a snapshot batch would delete (counts only, never keys: a dry run may show no personal data):
 * the school's live records the batch omits, as the ingest's `applySnapshot` infers them. None when
 * a record of the batch has no key (the ingest then deletes nothing either). `guardWouldHold`: the
 * mass-change guard would hold these deletions for a city admin instead of applying them (alone, or with
 * the whole batch).
 */
export interface SnapshotPreview {
  wouldDelete: number;
  skipped: 'unkeyed-records' | null;
  guardWouldHold: boolean;
}

export interface DryRunOutcome {
  counts: { received: number; accepted: number; rejected: number; unchanged: number };
  findings: FindingRow[];
  /** The guard's hold, if the batch would be held; null when it would apply. */
  guard: GuardPreview | null;
  /** Snapshot mode only. */
  snapshot?: SnapshotPreview;
}

/** The deletions a snapshot batch would infer, read from the store, nothing written. */
async function previewSnapshot(
  q: Queryable,
  deps: JudgeContext,
  req: Pick<DryRunBatch, 'entity' | 'schoolCode' | 'clientId'>,
  mapped: Mapped,
  now: Date,
  toWrite: Plan['toWrite'],
  takenOver: readonly string[],
): Promise<SnapshotPreview> {
  // A provisional record a record of it takes over is not omitted (./rekey.ts).
  const keys = new Set<string>(takenOver);
  for (const rec of mapped.records) {
    if (rec === undefined) return { wouldDelete: 0, skipped: 'unkeyed-records', guardWouldHold: false };
    keys.add(rec.key);
  }
  const records = createRecordsRepo(q);
  const carried = { keys: [...keys], years: carriedYears(mapped.records) };
  const { missing } = await snapshotMissing(q, deps, req.entity, req.schoolCode, carried, {
    receivedAt: now,
    clientId: req.clientId,
  });
  const settings = deps.config.guard;
  let guardWouldHold = false;
  if (settings.enabled && missing.length > 0) {
    const years = snapshotYears(req.entity, () => carried, now);
    const live = await records.liveCounts(req.entity, [req.schoolCode], years);
    // Weighed as its ingest weighs them, after its writes: a student of last year it carries as this year's counts
    // among this year's (snap24).
    if (years && req.entity === 'students') {
      const into = await records.liveOfOtherYears(req.entity, req.schoolCode, carried.keys, years);
      if (into > 0) live.set(req.schoolCode, (live.get(req.schoolCode) ?? 0) + into);
    }
    const entries = missing.map((key) => ({ school: req.schoolCode, kind: 'deleted' as const, key }));
    guardWouldHold =
      evaluate(diffsOf(entries, live), settings, vietnamDateOf(now)).length > 0 ||
      (req.entity === 'students' &&
        (
          await snapshotGradeReasons(
            q,
            settings,
            { code: req.schoolCode, live: live.get(req.schoolCode) ?? 0 },
            missing,
            years,
            // Its grades as its ingest weighs them, once its records are written (./grade-guard.ts).
            pendingStudents(toWrite),
          )
        ).length > 0);
  }
  return { wouldDelete: missing.length, skipped: null, guardWouldHold };
}

/** Whether the guard would hold the batch whole (its `guard` step, before anything is written), or a snapshot's deletions. */
async function previewGuard(
  q: Queryable,
  deps: JudgeContext,
  loaded: Loaded,
  judged: { mapped: Mapped; checked: Checked; p: Plan },
  preview: SnapshotPreview | undefined,
): Promise<{ guard: GuardPreview | null; snapshot: SnapshotPreview | undefined }> {
  const { mapped, checked, p } = judged;
  const keys = () => ({
    keys: mapped.records.flatMap((r) => (r === undefined ? [] : [r.key])),
    years: carriedYears(mapped.records),
  });
  const writes = { toWrite: p.toWrite, existing: checked.existing, live: checked.live };
  const whole = loaded.trusted ? [] : await batchWouldHold(q, deps, loaded.batch, writes, keys);
  if (whole.length > 0) {
    const kinds = guardKinds(whole);
    // Held whole, its snapshot's deletions wait with it.
    return { guard: { whole: true, kinds }, snapshot: preview && { ...preview, guardWouldHold: true } };
  }
  return { guard: preview?.guardWouldHold ? { whole: false, kinds: ['deleted'] } : null, snapshot: preview };
}

/**
 * `?dryRun=true` (issue 9): the batch goes through `map`, `check` and `plan` exactly as the ingest job
 * would take it, reading the store (the stored copies, the lookups of the store-backed rules) and
 * writing nothing: no batch row, no records, no outbox row, no findings, no verdicts, no audit entry.
 */
export async function dryRunBatch(
  q: Queryable,
  deps: JudgeContext,
  req: DryRunBatch,
): Promise<DryRunOutcome> {
  const now = deps.now();
  const batch: Loaded['batch'] = {
    id: randomUUID(),
    clientId: req.clientId,
    schoolCode: req.schoolCode,
    entity: req.entity,
    format: req.format,
    status: 'processing',
    received: req.records.length,
    accepted: 0,
    rejected: 0,
    unchanged: 0,
    deleted: 0,
    errorCode: null,
    createdAt: now,
    finishedAt: null,
    mode: req.mode,
    syncRunId: null,
    mappingPin: null,
    bodySha256: null,
    sameAs: null,
    recordsPurgedAt: null,
    ignoredFields: null,
    records: req.records,
  };
  const loaded: Loaded = {
    batch,
    entity: req.entity,
    mapping: inboundMapping(req.format, req.entity),
    trusted: req.clientId === PULL_CLIENT,
  };
  const mapped = map(loaded, deps);
  const judged = await check(q, loaded, mapped);
  const p = plan(judged);
  // The provisional records its students would take over (./rekey.ts), shown as the ingest files them.
  const rekeys = await rekeysOf(q, req.entity, p.toWrite, judged);
  const checked = withRekeyFindings(judged, rekeys);
  const preview =
    req.mode === 'snapshot'
      ? await previewSnapshot(q, deps, req, mapped, now, p.toWrite, [...rekeys.values()])
      : undefined;
  const { guard, snapshot } = await previewGuard(q, deps, loaded, { mapped, checked, p }, preview);
  return {
    counts: {
      received: req.records.length,
      accepted: p.toWrite.length,
      rejected: p.rejected,
      unchanged: p.unchangedKeys.length,
    },
    findings: senderView(checked.findings).map((f) =>
      toRow(f, checked, (i) => sentKeyOf(req.format, req.entity, req.records[i])),
    ),
    guard,
    ...(snapshot ? { snapshot } : {}),
  };
}
