/**
 * The ingest's `finish` step (./ingest.ts): the batch's findings and its records' verdicts filed, its
 * counts and the tag of the state it left (for its repeats), a pulled page's progress, the audit entry
 * and the metrics. And the guard's other ending: a vendor batch held whole.
 */
import { appendAudit, recordAudit } from '../audit/chain.js';
import { senderView, type BatchContext, type Finding } from '../quality/index.js';
import type { EntityName } from '../config.js';
import type { AuditEvent } from '../store/audit-log.js';
import { createBatchesRepo, type RepeatTagOf } from '../store/batches.js';
import { combinedWrites, type CombinedWrites } from '../store/combined.js';
import type { Queryable } from '../store/db.js';
import { createQualityRepo, type Verdict, type VerdictFinding } from '../store/quality.js';
import {
  heldKeys,
  pulledSchools,
  isPulledPage,
  type Applied,
  type IngestContext,
  type IngestResult,
  type Judged,
} from './ingest-apply.js';
import { findingPointers, sentKeyOf } from './finding-pointers.js';
import { countIngested, type Counts } from './ingest-counts.js';
import { repeatTag } from './ingest-repeat.js';
import { toRow, type Checked, type Loaded, type Plan } from './judge.js';
import { afterPulledPage } from './reconcile.js';

const CRITERIA = new Set(['dung', 'du', 'sach', 'song']);

/** The findings of the four criteria, by record index. */
function criteriaFindings(checked: Checked): Map<number, Finding[]> {
  const byIndex = new Map<number, Finding[]>();
  for (const f of checked.findings) {
    if (f.index < 0 || !CRITERIA.has(f.criterion)) continue;
    const list = byIndex.get(f.index) ?? [];
    list.push(f);
    byIndex.set(f.index, list);
  }
  return byIndex;
}

/** A record's findings when it has none: one array for all (issue 7: not an empty array made a record). */
const NO_FINDINGS: readonly never[] = Object.freeze([]);

/**
 * The last verdict on every keyed record of a vendor's batch (the records a school sent), with its
 * findings of the four criteria: what scorecards count. Pulled batches span schools and are the
 * systems of record's view; they are judged too, filed under each record's own school.
 */
function verdictsOf(loaded: Loaded, checked: Checked): Verdict[] {
  const byIndex = criteriaFindings(checked);
  // A verdict is about the canonical record: a finding the mapping filed at a wire field (a smas batch's refused
  // `/SoCCCD`) is kept at the canonical one (`/personalId`), as the record routes read it (./finding-pointers.ts).
  const pointers = findingPointers(loaded.batch.format, loaded.entity);
  const canonical = (pointer: string) => pointers(pointer).canonicalPointer ?? pointer;
  const seen = new Set<string>();
  const out: Verdict[] = [];
  const { records } = checked;
  for (let index = 0; index < records.length; index++) {
    const rec = records[index];
    if (rec === undefined || seen.has(rec.key)) continue;
    // A record of another school (tenancy) is not that school's verdict to keep.
    if (!loaded.trusted && rec.scope !== loaded.batch.schoolCode) continue;
    seen.add(rec.key);
    const found = byIndex.get(index);
    out.push({
      recordKey: rec.key,
      schoolCode: rec.scope,
      accepted: !checked.rejected.has(index),
      // A record without findings shares the one empty list (issue 7: `[].map` made a new one a record).
      findings: found === undefined ? NO_FINDINGS : found.map((f) => verdictFinding(f, canonical)),
    });
  }
  return out;
}

/** A finding as its record's verdict keeps it, at its canonical pointer. */
function verdictFinding(f: Finding, canonical: (pointer: string) => string): VerdictFinding {
  return {
    rule: f.rule,
    criterion: f.criterion,
    severity: f.severity,
    pointer: canonical(f.pointer),
    ...(f.value !== undefined ? { value: f.value } : {}),
    // Kept with the verdict: a vendor's reads of its school leave it out (../quality/sender-view.ts).
    ...(f.elsewhere ? { elsewhere: true as const } : {}),
  };
}

export interface Outcome extends Judged {
  counts: Counts;
  applied: Applied;
  unchanged: readonly string[];
  /** The state the batch left, for its repeats (./ingest-repeat.ts, {@link tagAfter}). */
  repeatTag: RepeatTagOf | null;
}

/**
 * The batch's findings, filed (or shown by reference when an earlier batch of its school filed the same:
 * ../store/batches.ts insertFindings); returns their digest. A pulled page does not file again the
 * findings of records that did not change (an unchanged night writes almost nothing): they are on the
 * batch that brought the record, and in its verdict; a pulled page's findings keep the record's index in
 * the page (skipped records left gaps). Returns their digest and how many were filed (or are shown).
 */
async function fileFindings(
  q: Queryable,
  loaded: Loaded,
  outcome: Outcome,
): Promise<{ digest: string | null; count: number }> {
  const { checked } = outcome;
  const unchanged = isPulledPage(loaded) ? new Set(outcome.unchanged) : undefined;
  // Filed for the batch's sender (GET /v1/batches/{id}/findings, findings.ready): a vendor's view (the city's
  // own pulls keep all); the verdicts keep every finding.
  const told = loaded.trusted ? checked.findings : senderView(checked.findings);
  const filed = unchanged
    ? told.filter((f) => {
        const key = checked.records[f.index]?.key;
        return key === undefined || !unchanged.has(key);
      })
    : told;
  const pageIndex = outcome.pulled?.pageIndex;
  // A vendor's record refused before it was keyed: the key it was sent with (a pulled page's indexes are its own).
  const { format, records } = loaded.batch;
  const sent = loaded.trusted ? undefined : (i: number) => sentKeyOf(format, loaded.entity, records[i]);
  const digest = await createBatchesRepo(q).insertFindings(
    loaded.batch.id,
    filed.map((f) => {
      const row = toRow(f, checked, sent);
      return pageIndex && f.index >= 0 ? { ...row, recordIndex: pageIndex[f.index] ?? f.index } : row;
    }),
  );
  return { digest, count: filed.length };
}

/**
 * The batch's closing writes: findings, verdicts, its counts, its audit entry (off the chain's lock) and
 * whatever the caller added to `given` (its outbox row closed) go as one statement (../store/combined.ts),
 * with a pulled page's progress when its pull job ingests it; a pulled page's progress otherwise after them.
 * A page ingested by its pull job records them among the job's closing writes instead, which the job sends
 * with the run's advance (issue 7: one statement fewer per page).
 */
export async function finish(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  outcome: Outcome,
  given: CombinedWrites = combinedWrites(q),
): Promise<void> {
  const { batch, entity } = loaded;
  const { mapped, checked, counts } = outcome;
  // A page ingested by its pull job: its closing writes go with the run's advance (./pull-store.ts sends them).
  const inline = outcome.pulled?.inline;
  const closing = inline?.closing ?? given;
  const findings = await fileFindings(closing, loaded, outcome);
  if (entity !== 'persons') {
    // None of the records stored yet (a first sync's page): their verdicts are new, not tested one by one;
    // inserted as new where the pull job writes the page again on a duplicate (as the records, ./ingest-apply.ts).
    const fresh = checked.existing.size === 0;
    await createQualityRepo(closing).saveVerdicts(entity, batch.id, deps.now(), verdictsOf(loaded, checked), {
      fresh,
      insertNew: fresh && inline?.insertNew === true,
    });
  }
  await createBatchesRepo(closing).finish(batch.id, counts, {
    repeat: outcome.repeatTag,
    findingsDigest: findings.digest,
    findingsCount: findings.count,
  });
  const audit = auditOf(loaded, outcome);
  // Off the chain's global lock (held until commit, it serialised every ingest's commit): recorded with
  // the batch and chained shortly after by the worker's audit chainer, as pulled pages are (issue 7).
  if (inline) inline.audit.push(...audit);
  else await recordAudit(closing, audit, deps.now());
  // A page ingested by its pull job notes the keys it saw with the closing writes (issue 7: one round
  // trip less per page); otherwise after them, as its run's reconciliation may become due (read: the batch done).
  const seen = isPulledPage(loaded)
    ? {
        ...heldKeys(mapped, outcome.pulled, { keys: inline?.run.storedBefore !== false }),
        schools: outcome.schools ?? pulledSchools(mapped, outcome.pulled),
      }
    : undefined;
  if (seen && inline) await afterPulledPage(closing, batch, seen, { run: inline.run });
  if (!inline) await closing.flush();
  if (seen && !inline) await afterPulledPage(q, batch, seen);
  // A page ingested by its pull job is counted once its closing writes are sent (as ./ingest.ts
  // `closeSkippedPage`'s): written again on a duplicate key (./pull-page-tx.ts `storeOrHold`), it counts once.
  if (inline) closing.afterFlush(() => countIngested(deps, entity, counts));
  else countIngested(deps, entity, counts);
}

/** The batch's audit entry. */
function auditOf(loaded: Loaded, outcome: Outcome): AuditEvent[] {
  const { pushSets, snapshot } = outcome.applied;
  return ingestedAudit(loaded.batch.id, loaded.entity, outcome.counts, {
    findings: outcome.checked.findings.length,
    pushSets,
    snapshotSkipped: snapshot.skipped,
    snapshotKept: snapshot.kept,
    rekeyed: [...outcome.applied.rekeyed.keys()],
  });
}

/** How many omitted keys a snapshot's audit entry names (the count is always whole). */
const KEPT_KEYS_NAMED = 100;

/** A batch's `batch.ingested` audit entry (with no findings and no push sets unless given). */
export function ingestedAudit(
  batchId: string,
  entity: EntityName,
  counts: Counts,
  more: {
    findings?: number;
    pushSets?: readonly number[];
    snapshotSkipped?: string | null;
    /** Keys a snapshot omitted but kept (its sender had not heard of them): counted, and named (keys only). */
    snapshotKept?: readonly string[];
    /**
     * Keys written that took over a provisional record (./rekey.ts): counted, and named (the sector codes only:
     * a provisional code holds the personal ID).
     */
    rekeyed?: readonly string[];
  } = {},
): AuditEvent[] {
  return [
    {
      actor: 'system:ingest',
      action: 'batch.ingested',
      subject: `batch:${batchId}`,
      details: {
        entity,
        ...counts,
        findings: more.findings ?? 0,
        pushSets: (more.pushSets ?? []).map(String),
        ...(more.snapshotSkipped ? { snapshotSkipped: more.snapshotSkipped } : {}),
        ...(more.snapshotKept && more.snapshotKept.length > 0
          ? {
              snapshotKept: more.snapshotKept.length,
              snapshotKeptKeys: more.snapshotKept.slice(0, KEPT_KEYS_NAMED),
            }
          : {}),
        ...(more.rekeyed && more.rekeyed.length > 0
          ? { rekeyed: more.rekeyed.length, rekeyedKeys: more.rekeyed.slice(0, KEPT_KEYS_NAMED) }
          : {}),
      },
    },
  ];
}

/**
 * The tag a vendor batch leaves for its repeats (./ingest-repeat.ts): a delta batch whose body the API
 * hashed, mapped with the current mapping, every record accepted, in the school, and still as the batch
 * left it (live in the school with its fingerprint). Taken by the statement that finishes the batch, with
 * the snapshot of the judgment's first read (`loaded.snapshot`: a change committed while the batch was
 * judged is one its repeats see; ../store/batches.ts `RepeatTagOf`: no round trip of its own); a repeat is
 * unchanged while the change feed shows no write to the school's records since (vendor batches are of
 * students, staff and classes, which the feed follows). Tagged with the day and the quality policy the
 * batch was judged under (`judged`, its quality context), not the clock at its end. Null: a repeat of it is judged in full.
 */
export function tagAfter(
  judged: Pick<BatchContext, 'today' | 'config'>,
  loaded: Loaded,
  p: Plan,
  existing: Checked['existing'],
): RepeatTagOf | null {
  const { batch, mapping, trusted, snapshot } = loaded;
  if (trusted || batch.bodySha256 === null || batch.mode !== 'delta' || batch.mappingPin !== null)
    return null;
  if (snapshot === undefined) return null;
  if (p.rejected > 0 || p.toWrite.length + p.unchangedKeys.length === 0) return null;
  // A record written into another school is not the school's state to tag (the school's feed cannot show it).
  if (p.toWrite.some((r) => r.scope !== batch.schoolCode)) return null;
  // Only the unchanged are checked: the batch's transaction wrote the changed (live, in the school, with
  // their fingerprints) and holds their rows until it commits (issue 7: 1,000 probes less a changed batch).
  const expected = new Map(p.unchangedKeys.map((key) => [key, existing.get(key)!.fingerprint]));
  return {
    entity: loaded.entity,
    schoolCode: batch.schoolCode,
    tag: repeatTag(mapping.version, judged.today, judged.config),
    snapshot,
    expected,
    keys: [...p.toWrite.map((r) => r.key), ...p.unchangedKeys],
  };
}

/** The guard held the whole vendor batch: nothing is written until a city admin decides. */
export async function holdWhole(
  q: Queryable,
  loaded: Loaded,
  holdId: number,
  at: Date,
): Promise<IngestResult> {
  await createBatchesRepo(q).hold(loaded.batch.id);
  await appendAudit(
    q,
    [
      {
        actor: 'system:ingest',
        action: 'batch.held',
        subject: `batch:${loaded.batch.id}`,
        details: { entity: loaded.entity, holdId: String(holdId) },
      },
    ],
    at,
  );
  return { accepted: 0, rejected: 0, unchanged: 0, pushSets: [] };
}
