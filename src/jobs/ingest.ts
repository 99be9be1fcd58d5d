/**
 * Ingest: a stored batch goes through six named steps, all in one transaction, so a crash anywhere
 * leaves the batch queued and the retry starts clean. Idempotent: a finished batch is a no-op.
 *
 *   load    lock the batch; stop if it is done; a repeat of a batch judged before (the same body) whose
 *           state still holds is unchanged, with that batch's findings, at once ({@link repeatUnchanged})
 *   map, check, plan   judge it (./judge.ts, shared with the batch API's dry run): wire → canonical,
 *           the quality engine, which accepted records changed
 *   guard   a vendor batch that changes or moves too much of a school is held whole (./guard.ts)
 *   apply   upsert the changed (a deleted record that comes back is restored, even unchanged), touch
 *           the unchanged (a pulled page of a full run notes its keys narrowly instead), one push set
 *           per interested target; a vendor snapshot deletes what it omits (./reconcile.ts)
 *   finish  findings, counts, audit, metrics; close the outbox row; a full run may become due for
 *           reconciliation; a vendor batch keeps the tag of the state it left, for its repeats
 */
import { createHash } from 'node:crypto';
import { appendAudit, recordAudit, type AuditEvent } from '../audit/chain.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import { SYSTEMS } from '../canonical/systems.js';
import type { EntityName } from '../config.js';
import { CATALOGUE_VERSION, type Finding } from '../quality/index.js';
import { createQualityRepo, type Verdict } from '../store/quality.js';
import { createBatchesRepo, type Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createSchoolSystemsRepo } from '../store/school-systems.js';
import { createRecordsRepo } from '../store/records.js';
import { enqueue, ingestBatch, PULL_CLIENT, pushSet } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { inboundMapping, type InboundMapping } from './inbound.js';
import {
  check,
  map,
  plan,
  toRow,
  type Checked,
  type KnownRows,
  type Loaded,
  type Mapped,
  type Plan,
  type Premapped,
} from './judge.js';
import type { MapResult } from '../mappings/types.js';
import { batchEntries, guardBatch, type GuardEntry } from './guard.js';
import type { InboundRecord } from './inbound.js';
import { afterPulledPage, applySnapshot } from './reconcile.js';
import { noteRefusals, rulesStamp } from './refusals.js';
import { createRefusalsRepo, type Refusal } from '../store/refusals.js';
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
  /** A pulled page: the live records it changed or moved, for the run's mass-change guard (./run-guard.ts). */
  guardEntries?: GuardEntry[];
}

type Counts = Omit<IngestResult, 'pushSets' | 'guardEntries'>;

/**
 * A pulled page whose unchanged records were skipped before mapping (see {@link skipUnchanged}): what
 * the judged rest needs to be written and counted as the whole page.
 */
interface PulledExtras {
  /** Records skipped: their source fingerprint matched their stored, live row. */
  readonly skipped: readonly { key: string; scope: string }[];
  /**
   * Records skipped as still refused: refused before for reasons of their own, from the same source
   * fingerprint under the same rules (./refusals.ts). Counted rejected; their findings are on the batch
   * that refused them.
   */
  readonly refused: readonly Refusal[];
  /** Where refusals are remembered: the source system, and the stamp of the rules judging this page. */
  readonly refusals: { readonly system: string; readonly rules: string };
  /** Per judged record: its index in the page (findings keep the page's index). */
  readonly pageIndex: readonly number[];
  /** Per judged record: its source key and source fingerprint, where its source key is unique in the page. */
  readonly sourceKeys: readonly (string | undefined)[];
  readonly sourceFps: readonly (string | undefined)[];
  /** The stored rows the skip read (by source key): the judging does not read them again. */
  readonly known?: KnownRows;
  /** Per judged record: its mapping's result where the page was mapped ahead (./pull.ts). */
  readonly premapped?: Premapped;
  /**
   * Ingested inline by its pull job (./pull.ts): the run as the job read it, and where the batch's audit
   * entry goes (the job appends it with its own, one append per page); the job queues the run's
   * reconciliation itself after its last page.
   */
  inline?: { run: { id: number; since: string | null }; audit: AuditEvent[] };
}

/** Fingerprint of a source record as a given mapping and quality catalogue turn it into a stored row. */
function sourceFpOf(mapping: InboundMapping, raw: unknown): string {
  return createHash('sha256')
    .update(`${mapping.version}\n${CATALOGUE_VERSION}\n`)
    .update(JSON.stringify(raw))
    .digest('hex');
}

/**
 * A pulled page worked on ahead of its transaction (./pull.ts: while the page before it is written):
 * each record's source fingerprint and, when asked, its mapping's result. Pure CPU, done in slices
 * that yield to the event loop so the transaction in flight is not held up.
 */
export interface PageAhead {
  readonly version: string;
  /** Per record of the page: its source fingerprint (undefined: the mapping has no source keys). */
  readonly fps: readonly (string | undefined)[];
  /** Per record of the page: its mapping's result, when the page was mapped ahead. */
  readonly results?: readonly (MapResult<InboundRecord> | undefined)[];
}

const AHEAD_SLICE = 50;

export async function workAhead(
  deps: Pick<IngestContext, 'now'>,
  mapping: InboundMapping,
  records: readonly unknown[],
  opts: { map: boolean },
): Promise<PageAhead> {
  const fps: (string | undefined)[] = [];
  const results: (MapResult<InboundRecord> | undefined)[] = [];
  for (let i = 0; i < records.length; i += AHEAD_SLICE) {
    await new Promise((go) => setImmediate(go));
    for (const raw of records.slice(i, i + AHEAD_SLICE)) {
      fps.push(mapping.sourceKey ? sourceFpOf(mapping, raw) : undefined);
      if (opts.map) results.push(mapping.map(raw, { now: deps.now }));
    }
  }
  return { version: mapping.version, fps, ...(opts.map ? { results } : {}) };
}

/**
 * Skips the records of a pulled page that are unchanged at the source (issue 7): a record whose
 * source key is unique in the page and whose stored, live row was made from a source record of the
 * same fingerprint (same wire record, mapping version and catalogue) would map, validate and judge to
 * what is stored: it is counted unchanged and seen, and nothing else is done for it. The rest is judged
 * as usual. A mapping without source keys skips nothing.
 */
async function skipUnchanged(
  q: Queryable,
  entity: EntityName,
  mapping: InboundMapping,
  records: readonly unknown[],
  ahead: PageAhead | undefined,
  refusals: PulledExtras['refusals'],
): Promise<{ rest: unknown[]; extras: PulledExtras }> {
  const sourceKey = mapping.sourceKey;
  if (!sourceKey) {
    const none = records.map(() => undefined);
    return {
      rest: [...records],
      extras: {
        skipped: [],
        refused: [],
        refusals,
        pageIndex: records.map((_, i) => i),
        sourceKeys: none,
        sourceFps: none,
      },
    };
  }
  const keys = records.map((raw) => sourceKey(raw));
  const seen = new Map<string, number>();
  for (const k of keys) if (k !== undefined) seen.set(k, (seen.get(k) ?? 0) + 1);
  const unique = [...seen].flatMap(([k, n]) => (n === 1 ? [k] : []));
  const stored = await createRecordsRepo(q).existing(entity, unique);
  const usable = ahead?.version === mapping.version ? ahead : undefined;
  const rest: unknown[] = [];
  const pageIndex: number[] = [];
  const sourceKeys: (string | undefined)[] = [];
  const sourceFps: (string | undefined)[] = [];
  const skipped: { key: string; scope: string }[] = [];
  const refused: Refusal[] = [];
  const fpsOf = records.map((raw, i) => {
    const key = keys[i];
    return key !== undefined && seen.get(key) === 1
      ? (usable?.fps[i] ?? sourceFpOf(mapping, raw))
      : undefined;
  });
  // Records refused before, from the same source record under the same rules (./refusals.ts).
  const standing = await createRefusalsRepo(q).standing(
    { ...refusals, entity },
    fpsOf.flatMap((fp, i) => {
      const row = fp === undefined ? undefined : stored.get(keys[i]!);
      return fp === undefined || (row && !row.deleted && row.sourceFp === fp)
        ? []
        : [{ sourceKey: keys[i]!, sourceFp: fp }];
    }),
  );
  records.forEach((raw, i) => {
    const key = keys[i];
    const fp = fpsOf[i];
    const row = fp === undefined ? undefined : stored.get(key!);
    if (row && !row.deleted && row.sourceFp === fp) {
      skipped.push({ key: row.key, scope: row.scope });
      return;
    }
    const refusal = fp === undefined ? undefined : standing.get(key!);
    if (refusal) {
      refused.push(refusal);
      return;
    }
    rest.push(raw);
    pageIndex.push(i);
    sourceKeys.push(fp === undefined ? undefined : key);
    sourceFps.push(fp);
  });
  const results = usable?.results;
  return {
    rest,
    extras: {
      skipped,
      refused,
      refusals,
      pageIndex,
      sourceKeys,
      sourceFps,
      known: { asked: new Set(unique), rows: stored },
      ...(results
        ? { premapped: { version: usable.version, results: pageIndex.map((i) => results[i]) } }
        : {}),
    },
  };
}

/**
 * Source fingerprints of the judged records of a pulled page, by natural key: only where the record
 * mapped to its source key and no other record of the page mapped to the same key.
 */
function sourceFpsByKey(
  pulled: PulledExtras,
  records: readonly (InboundRecord | undefined)[],
): Map<string, string> {
  const out = new Map<string, string>();
  const twice = new Set<string>();
  records.forEach((rec, i) => {
    if (rec === undefined) return;
    if (out.has(rec.key) || twice.has(rec.key)) {
      out.delete(rec.key);
      twice.add(rec.key);
      return;
    }
    const fp = pulled.sourceFps[i];
    if (fp !== undefined && pulled.sourceKeys[i] === rec.key) out.set(rec.key, fp);
    else twice.add(rec.key);
  });
  return out;
}

/**
 * The tag of the state a judged vendor batch left (migration 098): the mapping and rule versions, the
 * day in Vietnam (rules read today and the school year) and the digest of the school's live records.
 */
function repeatTag(mapping: InboundMapping, now: Date, digest: string): string {
  return createHash('sha256')
    .update(`${mapping.version}\n${CATALOGUE_VERSION}\n${vietnamDateOf(now)}\n${digest}`)
    .digest('hex');
}

/**
 * The tag a vendor batch leaves for its repeats: a delta batch whose body the API hashed, mapped with the
 * current mapping, every record accepted and still as the batch left it (live in the school with its
 * fingerprint). Null otherwise: a repeat of it is judged in full.
 */
async function tagAfter(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  p: Plan,
  existing: Checked['existing'],
): Promise<string | null> {
  const { batch, mapping, trusted } = loaded;
  if (trusted || batch.bodySha256 === null || batch.mode !== 'delta' || batch.mappingPin !== null)
    return null;
  if (p.rejected > 0 || p.toWrite.length + p.unchangedKeys.length === 0) return null;
  const expected = new Map(p.toWrite.map((r) => [r.key, r.fingerprint]));
  for (const key of p.unchangedKeys) expected.set(key, existing.get(key)!.fingerprint);
  const digest = await createRecordsRepo(q).scopeDigest(loaded.entity, batch.schoolCode, expected);
  return digest === null ? null : repeatTag(mapping, deps.now(), digest);
}

/**
 * A vendor batch of a body pushed before (the same bytes, client and school; the API stored it once)
 * whose last judgment left every record accepted: when the school's live records, the mapping and rule
 * versions and the day are still what that judgment left (its tag), the repeat is judged the same —
 * every record unchanged, the same findings — without reading, mapping or checking a record, and with
 * no record written (issue 7). Anything else (a record changed or deleted since, another day, a snapshot)
 * is judged in full.
 */
async function repeatUnchanged(
  q: Queryable,
  deps: IngestContext,
  batch: Batch,
): Promise<IngestResult | undefined> {
  if (batch.clientId === PULL_CLIENT || batch.mode !== 'delta' || batch.mappingPin !== null) return undefined;
  const batches = createBatchesRepo(q);
  const prior = await batches.repeatOf(batch);
  if (!prior) return undefined;
  const mapping = inboundMapping(batch.format, batch.entity);
  const digest = await createRecordsRepo(q).scopeDigest(batch.entity, batch.schoolCode);
  if (digest === null || repeatTag(mapping, deps.now(), digest) !== prior.repeatTag) return undefined;
  const findings = await batches.copyFindings(prior.id, batch.id);
  const counts: Counts = { accepted: 0, rejected: 0, unchanged: batch.received };
  await learnServedSchools(q, batch.format, [batch.schoolCode], 'batch');
  await batches.finish(batch.id, counts, prior.repeatTag);
  await appendAudit(q, [
    {
      actor: 'system:ingest',
      action: 'batch.ingested',
      subject: `batch:${batch.id}`,
      details: { entity: batch.entity, ...counts, findings, pushSets: [], repeatOf: `batch:${prior.id}` },
    },
  ]);
  countIngested(deps, batch.entity, counts);
  return { ...counts, pushSets: [] };
}

/** Locks the batch and judges it: nothing when it is done or held, a repeat at once, else in full. */
async function ingestStored(q: Queryable, deps: IngestContext, batchId: string): Promise<IngestResult> {
  const batches = createBatchesRepo(q);
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
  const repeated = await repeatUnchanged(q, deps, batch);
  if (repeated) return repeated;
  const records = batch.records ?? (await batches.recordsOf(batch.sameAs ?? batch.id));
  return ingestLoaded(q, deps, {
    batch: { ...batch, records },
    entity: batch.entity,
    mapping: inboundMapping(batch.format, batch.entity, batch.mappingPin ?? undefined),
    trusted: batch.clientId === PULL_CLIENT,
  });
}

/** Every key the batch holds, taken or not, and how many records had no key (reconciliation's input). */
function heldKeys(mapped: Mapped, pulled?: PulledExtras): { keys: string[]; unkeyed: number } {
  const keys = new Set<string>(pulled?.skipped.map((r) => r.key));
  let unkeyed = 0;
  // Records still refused are held by the source as when they were judged: by their key, or unkeyed.
  for (const r of pulled?.refused ?? []) {
    if (r.recordKey === null) unkeyed += 1;
    else keys.add(r.recordKey);
  }
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
  judged: { mapped: Mapped; checked: Checked; pulled: PulledExtras | undefined },
): Promise<Applied> {
  const { batch, entity, mapping, trusted } = loaded;
  const { mapped, checked, pulled } = judged;
  const records = createRecordsRepo(q);
  const system = trusted ? batch.format : `vendor:${batch.clientId}`;
  const fps = pulled ? sourceFpsByKey(pulled, checked.records) : undefined;
  const rows = fps ? p.toWrite.map((r) => ({ ...r, sourceFp: fps.get(r.key) })) : p.toWrite;
  await records.upsert(entity, rows, { system, mappingVersion: mapping.version });
  if (fps) {
    // Unchanged records whose row does not know this source fingerprint yet: noted (narrowly, once),
    // so the next pull skips them.
    const stale = p.unchangedKeys.flatMap((key) => {
      const fp = fps.get(key);
      const row = checked.existing.get(key);
      return fp !== undefined && row && row.sourceFp !== fp
        ? [{ key, fingerprint: row.fingerprint, sourceFp: fp }]
        : [];
    });
    if (stale.length > 0) await records.noteSourceFps(entity, stale);
  }
  if (pulled) await noteRefusals(q, { ...pulled.refusals, entity }, checked, pulled);
  if (!isPulledPage(loaded)) await records.touch(entity, p.unchangedKeys);
  const snapshot =
    !trusted && batch.mode === 'snapshot'
      ? await applySnapshot(q, deps, batch, { ...heldKeys(mapped), sourceSystem: system })
      : { deleted: [], skipped: null };
  const served = trusted
    ? [
        ...mapped.records.flatMap((r) => (r === undefined ? [] : [r.scope])),
        ...(pulled?.skipped.map((r) => r.scope) ?? []),
        ...(pulled?.refused.flatMap((r) => (r.scope === null ? [] : [r.scope])) ?? []),
      ]
    : [batch.schoolCode];
  await learnServedSchools(q, batch.format, served, trusted ? 'pull' : 'batch');
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
async function learnServedSchools(
  q: Queryable,
  format: string,
  schools: readonly string[],
  from: 'pull' | 'batch',
): Promise<void> {
  if (SYSTEM_PUSH_SCOPE[format] !== 'served-schools') return;
  await createSchoolSystemsRepo(q).learn(format, schools, from);
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
    pulled: PulledExtras | undefined;
    /** The state the batch left, for its repeats (see {@link tagAfter}). */
    repeatTag: string | null;
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
  const pageIndex = outcome.pulled?.pageIndex;
  await batches.insertFindings(
    batch.id,
    filed.map((f) => {
      const row = toRow(f, checked);
      // A pulled page's findings keep the record's index in the page (skipped records left gaps).
      return pageIndex && f.index >= 0 ? { ...row, recordIndex: pageIndex[f.index] ?? f.index } : row;
    }),
  );
  if (entity !== 'persons') {
    await createQualityRepo(q).saveVerdicts(entity, batch.id, deps.now(), verdictsOf(loaded, checked));
  }
  await batches.finish(batch.id, counts, outcome.repeatTag);
  const inline = outcome.pulled?.inline;
  if (isPulledPage(loaded))
    await afterPulledPage(q, batch, heldKeys(mapped, outcome.pulled), inline ? { run: inline.run } : {});
  const audit: AuditEvent[] = [
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
  ];
  // Off the chain's global lock (held until commit, it serialised every ingest's commit): recorded with
  // the batch and chained shortly after by the worker's audit chainer, as pulled pages are (issue 7).
  if (inline) inline.audit.push(...audit);
  else await recordAudit(q, audit);
  countIngested(deps, entity, counts);
}

function countIngested(deps: IngestContext, entity: EntityName, counts: Counts): void {
  deps.metrics.recordsIngested.inc({ entity, outcome: 'accepted' }, counts.accepted);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'rejected' }, counts.rejected);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'unchanged' }, counts.unchanged);
  deps.metrics.recordsIngested.inc({ entity, outcome: 'deleted' }, counts.deleted ?? 0);
}

/** The guard held the whole vendor batch: nothing is written until a city admin decides. */
async function holdWhole(q: Queryable, loaded: Loaded, holdId: number): Promise<IngestResult> {
  await createBatchesRepo(q).hold(loaded.batch.id);
  await appendAudit(q, [
    {
      actor: 'system:ingest',
      action: 'batch.held',
      subject: `batch:${loaded.batch.id}`,
      details: { entity: loaded.entity, holdId: String(holdId) },
    },
  ]);
  return { accepted: 0, rejected: 0, unchanged: 0, pushSets: [] };
}

/** map → check → plan → guard → apply → finish of a loaded batch, in the caller's transaction. */
async function ingestLoaded(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  pulled?: PulledExtras,
): Promise<IngestResult> {
  const mapped = map(loaded, deps, pulled?.premapped);
  const checked = await check(q, loaded, mapped, pulled?.known);
  const p = plan(checked);
  if (!loaded.trusted) {
    const writes = { toWrite: p.toWrite, existing: checked.existing };
    const holdId = await guardBatch(q, deps, loaded.batch, writes, () => heldKeys(mapped).keys);
    if (holdId !== undefined) return holdWhole(q, loaded, holdId);
  }
  const applied = await apply(q, deps, loaded, p, { mapped, checked, pulled });
  const counts: Counts = {
    accepted: p.toWrite.length,
    rejected: p.rejected + (pulled?.refused.length ?? 0),
    unchanged: p.unchangedKeys.length + (pulled?.skipped.length ?? 0),
    ...(loaded.batch.mode === 'snapshot' ? { deleted: applied.snapshot.deleted.length } : {}),
  };
  const tag = await tagAfter(q, deps, loaded, p, checked.existing);
  await finish(q, deps, loaded, {
    mapped,
    checked,
    counts,
    applied,
    unchanged: p.unchangedKeys,
    pulled,
    repeatTag: tag,
  });
  const result = { ...counts, pushSets: applied.pushSets };
  return pulled ? { ...result, guardEntries: batchEntries(p.toWrite, checked.existing) } : result;
}

async function ingest(deps: IngestContext, payload: { batchId: string }, job: JobRun): Promise<IngestResult> {
  return deps.db.tx(async (q) => {
    const result = await ingestStored(q, deps, payload.batchId);
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
    /** The run as the pull job read it (its `since`: full or incremental). */
    run: { id: number; since: string | null };
    /** The batch's audit entry is added here: the pull job appends it with its own. */
    audit: AuditEvent[];
    /** The page as worked on ahead (./pull.ts), if it was. */
    ahead?: PageAhead | undefined;
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
  const mapping = inboundMapping(page.format, page.entity, page.mappingPin ?? undefined);
  const refusals = { system: page.format, rules: rulesStamp(deps.config, deps.now()) };
  const { rest, extras } = await skipUnchanged(q, page.entity, mapping, page.records, page.ahead, refusals);
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
    records: rest,
  };
  return ingestLoaded(
    q,
    deps,
    { batch, entity: page.entity, mapping, trusted: true },
    { ...extras, inline: { run: page.run, audit: page.audit } },
  );
}

export const ingestJob = defineJob({
  ...ingestBatch,
  concurrency: (config) => config.jobs.concurrency,
  process: ingest,
});
