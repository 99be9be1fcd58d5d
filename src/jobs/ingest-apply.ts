/**
 * The ingest's `apply` step (./ingest.ts): the judged plan written — the changed upserted, the unchanged
 * touched (or, on a pulled page, their source fingerprints noted), a vendor snapshot's omissions deleted,
 * the schools a system serves learnt (./served-schools.ts), one push set per target interested in the
 * changes (and, for records moved to another school, a delete set for the old school's own system:
 * ./deletes.ts `sendMovedAway`). And what the ingest's steps share: its context and its result.
 */
import { CITY_SYSTEM } from '../canonical/systems.js';
import { sendWrite, type Queryable } from '../store/db.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { TABLES } from '../store/record-tables.js';
import { createRecordsRepo, type ExistingRow, type UpsertSource } from '../store/records.js';
import { createSystemCopiesRepo, type CopyRow } from '../store/system-copies.js';
import { enqueue, pushSet } from './contracts.js';
import { sendMovedAway } from './deletes.js';
import type { WorkerContext } from './context.js';
import { arrivalsOf, type GuardEntry } from './guard.js';
import type { Counts } from './ingest-counts.js';
import type { PulledExtras } from './ingest-pulled.js';
import { copiesOf, type Checked, type Loaded, type Mapped, type Plan } from './judge.js';
import { leftToNewer } from './newer-words.js';
import { applySnapshot } from './reconcile.js';
import { takeOver, type Rekeys } from './rekey.js';
import { noteRefusals } from './refusals.js';
import { learnServedSchools } from './served-schools.js';
import { carriedYears, vendorSystem } from './snapshot-missing.js';
import { resendUndelivered } from './resend-undelivered.js';
import { deliveriesFor } from './targets.js';

export type IngestContext = Pick<WorkerContext, 'db' | 'metrics' | 'now' | 'routes' | 'config' | 'targets'>;

export interface IngestResult extends Counts {
  pushSets: number[];
  /** A pulled page: the live records it changed or moved, for the run's mass-change guard (./run-guard.ts). */
  guardEntries?: GuardEntry[];
  /** A pulled page: the records it brought to each school (new, restored, moved in), for the same guard. */
  arrived?: Map<string, number>;
  /** A pulled page with nothing to judge (every record unchanged or still refused): only its closing writes. */
  quiet?: true;
}

/** Every key the batch holds, taken or not, and how many records had no key (reconciliation's input). */
export function heldKeys(
  mapped: Pick<Mapped, 'records'>,
  pulled?: PulledExtras,
  opts: { keys?: boolean } = {},
): { keys: string[]; unkeyed: number } {
  // `keys: false`: only how many records had none (a first sync's run keeps no keys: ./reconcile.ts `afterPulledPage`).
  const want = opts.keys !== false;
  const keys = new Set<string>(want ? pulled?.skipped.map((r) => r.key) : undefined);
  let unkeyed = 0;
  // Records still refused are held by the source as when they were judged: by their key, or unkeyed.
  for (const r of pulled?.refused ?? []) {
    if (r.recordKey === null) unkeyed += 1;
    else if (want) keys.add(r.recordKey);
  }
  for (const rec of mapped.records) {
    if (rec === undefined) unkeyed += 1;
    else if (want) keys.add(rec.key);
  }
  return { keys: [...keys], unkeyed };
}

/** A page of a sync run: its unchanged records are noted narrowly (./reconcile.ts), not rewritten. */
export const isPulledPage = ({ batch, trusted }: Loaded): boolean => trusted && batch.syncRunId !== null;

export interface Applied {
  /** The plan as written: a vendor batch's records left to a newer word are among its unchanged (./newer-words.ts). */
  plan: Plan;
  pushSets: number[];
  /** What a snapshot deleted, what it omitted but kept (precedence (b)), or why it deleted nothing. */
  snapshot: { deleted: string[]; kept: string[]; skipped: string | null };
  /** The provisional records its students took over (./rekey.ts): by the key written, the provisional key deleted. */
  rekeyed: Rekeys;
}

export interface Judged {
  mapped: Mapped;
  checked: Checked;
  pulled: PulledExtras | undefined;
  /** The provisional records its students take over (./rekey.ts), and the stored copies as the guard weighs them. */
  rekeys?: Rekeys;
  weighed?: ReadonlyMap<string, ExistingRow>;
  /** A pulled page's served schools ({@link pulledSchools}), worked out once for its apply and its finish. */
  schools?: readonly string[];
}

/**
 * Another source (`system`) about to change records the city database wrote last: what the city holds of them is
 * noted first, sent ahead of the upsert (its copy, until it hears of the change, is no change: review18 R2,
 * ./judge.ts `plan`).
 */
async function noteCityHeld(
  q: Queryable,
  entity: Loaded['entity'],
  rows: Plan['toWrite'],
  checked: Checked,
  system: string,
): Promise<void> {
  if (system === CITY_SYSTEM) return;
  // A loop, not a `flatMap` making an array a row (issue 7: a changed batch's 1000 rows).
  const cityHeld: string[] = [];
  for (const r of rows) {
    const prior = checked.existing.get(r.key);
    // The statement checks who wrote it (a skip's read does not say).
    const byCity = prior?.sourceSystem === undefined || prior.sourceSystem === CITY_SYSTEM;
    if (prior && !prior.deleted && byCity) cityHeld.push(r.key);
  }
  if (cityHeld.length > 0)
    await sendWrite(q, (w) => createSystemCopiesRepo(w).noteHeldBy(CITY_SYSTEM, entity, cityHeld));
}

/**
 * A pulled page's copies' times by its source's own clock (./inbound.ts `sourceTime`: hcm-csdl's `updatedAt`), by
 * key, of the judged records whose key is unique in the page and whose stored row the page's read found live or not
 * stored (rel29): the write fails if it finds a tombstone of one, committed since that read, that deleted it no
 * earlier than the copy (../store/record-writes.ts `sourceAt`). A row the read found deleted is judged by the read
 * already (./skip-unchanged.ts `deletedSince`): not checked again, so the page stored again always goes through.
 */
function copyTimes(loaded: Loaded, checked: Checked): Map<string, string> | undefined {
  const { sourceTime } = loaded.mapping;
  if (!loaded.trusted || !sourceTime) return undefined;
  const raws = loaded.batch.records;
  const out = new Map<string, string>();
  const twice = new Set<string>();
  checked.records.forEach((rec, i) => {
    if (rec === undefined || twice.has(rec.key)) return;
    const at = Date.parse(sourceTime(raws[i]) ?? '');
    if (out.has(rec.key) || Number.isNaN(at) || checked.existing.get(rec.key)?.deleted === true) {
      out.delete(rec.key);
      twice.add(rec.key);
      return;
    }
    out.set(rec.key, new Date(at).toISOString());
  });
  return out.size > 0 ? out : undefined;
}

/**
 * The plan's changed records upserted; the plan as written. A pulled page's: not waited for (the statements after
 * it are sent behind it; its failure fails the next one waited for), unless it may leave records to a later school
 * year (students stored). A vendor batch's rows are written where no word newer than its arrival is
 * (./newer-words.ts): the rows left are its unchanged ones; any batch's rows of an earlier school year than the
 * stored row's are left too, refused (./newer-words.ts): both known before its push sets are made.
 */
async function upsertPlanned(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  planned: Plan,
  { checked, pulled }: Judged,
  system: string,
): Promise<Plan> {
  const { entity, batch } = loaded;
  // None of the page's records stored (a first sync): inserted as new, where its pull job allows it.
  const fresh = pulled?.inline?.insertNew === true && checked.existing.size === 0;
  // Every one stored (a changed batch of known records): updated in place.
  const stored =
    !fresh && planned.toWrite.length > 0 && planned.toWrite.every((r) => checked.existing.has(r.key));
  const sourceAt = fresh ? undefined : copyTimes(loaded, checked);
  const source: UpsertSource = {
    system,
    mappingVersion: loaded.mapping.version,
    fresh,
    stored,
    ...(sourceAt ? { sourceAt } : {}),
  };
  // What the city holds of rows it wrote last is noted before they change (city20: review18 R2).
  await noteCityHeld(q, entity, planned.toWrite, checked, system);
  if (loaded.trusted) {
    // Only a stored row can hold a later school year (../store/year-order.ts): else the write is not waited for.
    const mayLeave =
      TABLES[entity].yearOrdered === true && planned.toWrite.some((r) => checked.existing.has(r.key));
    if (!mayLeave) {
      await sendWrite(q, (w) => createRecordsRepo(w).upsert(entity, planned.toWrite, source));
      return planned;
    }
    const left = await createRecordsRepo(q).upsert(entity, planned.toWrite, source);
    return leftToNewer(q, deps, batch, planned, left, checked.existing);
  }
  const arrival = { batchId: batch.id, school: batch.schoolCode };
  const left = await createRecordsRepo(q).upsert(entity, planned.toWrite, { ...source, arrival });
  return leftToNewer(q, deps, batch, planned, left, checked.existing);
}

/**
 * The records written: the changed upserted (a pulled page's with their source fingerprints); a pulled
 * page's unchanged records whose row does not know their source fingerprint yet noted (narrowly, once,
 * so the next pull skips them), its refusals remembered; other batches' unchanged records touched.
 */
async function writeRecords(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  planned: Plan,
  judged: Judged,
  system: string,
): Promise<Plan> {
  const { entity, batch } = loaded;
  const { checked, pulled } = judged;
  const records = createRecordsRepo(q);
  // A pulled page's rows carry their source fingerprints already (./judge.ts `plan`).
  const fps = planned.sourceFps;
  const p = await upsertPlanned(q, deps, loaded, planned, judged, system);
  const rows = p.toWrite;
  // A school system's older copies (prec16) are not what the stored rows are made of: their source fingerprints are not noted.
  const older = new Set(p.olderCopies);
  if (fps) {
    const stale = p.unchangedKeys.flatMap((key) => {
      const fp = fps.get(key);
      const row = checked.existing.get(key);
      return fp !== undefined && row && row.sourceFp !== fp && !older.has(key)
        ? [{ key, fingerprint: row.fingerprint, sourceFp: fp }]
        : [];
    });
    if (stale.length > 0) await records.noteSourceFps(entity, stale);
  }
  // A school's own system (a page pulled from it, or its vendor's batch in its format: ./judge.ts `copiesOf`).
  const copiesSystem = copiesOf(loaded);
  if (copiesSystem !== undefined) {
    const left = new Set(p.leftKeys);
    const received: CopyRow[] = [
      ...rows.map((r) => ({ key: r.key, school: r.scope, fp: r.fingerprint })),
      ...p.unchangedKeys.flatMap((key) => {
        const row = checked.existing.get(key)!;
        return older.has(key) || left.has(key) ? [] : [{ key, school: row.scope, fp: row.fingerprint }];
      }),
    ];
    // What the school's own system holds now: its next copy of these states is no change (./judge.ts `plan`).
    if (received.length > 0)
      await sendWrite(q, (w) => createSystemCopiesRepo(w).noteReceived(copiesSystem, entity, received));
    // The batch's records left to a newer word (./newer-words.ts): the system held the batch's own copy, not the
    // newer state kept (review18b R3: else its next copy of it is taken for its change), unless truc heard from
    // it there since the batch arrived.
    const held = (p.leftCopies ?? []).map((r) => ({ key: r.key, school: r.scope, fp: r.fingerprint }));
    if (held.length > 0) {
      const arrivedAt = loaded.batch.createdAt;
      await sendWrite(q, (w) =>
        createSystemCopiesRepo(w).noteHeldCopies(copiesSystem, entity, held, arrivedAt),
      );
    }
  }
  // Written after the records it may read (a refusal's holders); an inline page's go with its closing writes.
  if (pulled)
    await noteRefusals(pulled.inline?.closing ?? q, { ...pulled.refusals, entity }, checked, pulled);
  // Noted as seen by the batch's system (truc.record_seen: ../store/record-seen.ts), the records left as they are.
  // A vendor's older copies (./judge.ts `plan`) are seen too (the vendor holds them at the school), but are not
  // the records as they are: noted as no sender's carry, which a snapshot's rule (ii) does not count (review18b
  // R4). Records the batch left to a newer word (./newer-words.ts) are not noted: written or carried by a batch
  // that arrived after it, they were seen after its copy of them (a touch now would take that copy for a later word).
  // A vendor batch's carry keeps its arrival (migration 600).
  if (!isPulledPage(loaded)) {
    const left = new Set(p.leftKeys);
    const carried = left.size === 0 ? p.unchangedKeys : p.unchangedKeys.filter((k) => !left.has(k));
    await records.touch(entity, carried, system, p.olderCopies, loaded.trusted ? undefined : batch.id);
  }
  return p;
}

/** The schools a pulled page's records show its system serving: the judged records', the skipped and the still refused. */
export function pulledSchools(mapped: Pick<Mapped, 'records'>, pulled: PulledExtras | undefined): string[] {
  // Each once (a page's 1000 records are of a few schools; every reader took them as a set).
  const schools = new Set<string>();
  for (const r of mapped.records) if (r !== undefined) schools.add(r.scope);
  for (const r of pulled?.skipped ?? []) schools.add(r.scope);
  for (const r of pulled?.refused ?? []) if (r.scope !== null) schools.add(r.scope);
  return [...schools];
}

/** The schools the batch's records show a system serving: a pulled page's records', a vendor's school. */
function servedBy(loaded: Loaded, judged: Judged, p: Plan): readonly string[] {
  if (loaded.trusted) return judged.schools ?? pulledSchools(judged.mapped, judged.pulled);
  // A vendor batch is evidence of its format's system only through records it took (written or carried unchanged):
  // one whose every record was refused (a format mistake, a test) re-routed its school (review26b F7).
  return p.toWrite.length > 0 || p.unchangedKeys.length > 0 ? [loaded.batch.schoolCode] : [];
}

/** The records a batch left unchanged as they are (not those it left to a newer word): what it may send again. */
function resendable(p: Plan): readonly string[] {
  if (!p.leftKeys || p.leftKeys.length === 0) return p.unchangedKeys;
  const left = new Set(p.leftKeys);
  return p.unchangedKeys.filter((k) => !left.has(k));
}

/**
 * Writes the plan; returns the push sets made, one per target interested in the changes, and one per target
 * a vendor batch's unchanged records are undelivered to (./resend-undelivered.ts).
 */
export async function apply(
  q: Queryable,
  deps: IngestContext,
  loaded: Loaded,
  planned: Plan,
  judged: Judged,
): Promise<Applied> {
  const { batch, entity, trusted } = loaded;
  const system = trusted ? batch.format : vendorSystem(batch.clientId);
  // The provisional records taken over go first (the change feed: their deletes before the new codes' creates).
  const rekeys = judged.rekeys ?? new Map<string, string>();
  const taken = await takeOver(q, deps, batch, { rekeys, trusted, sourceSystem: system });
  const p = await writeRecords(q, deps, loaded, planned, judged, system);
  const snapshot =
    !trusted && batch.mode === 'snapshot'
      ? await applySnapshot(
          q,
          deps,
          batch,
          { ...heldKeys(judged.mapped), years: carriedYears(judged.mapped.records), sourceSystem: system },
          arrivalsOf(p.toWrite, judged.weighed ?? judged.checked.existing),
        )
      : { deleted: [], kept: [], skipped: null };
  await learnServedSchools(q, batch.format, servedBy(loaded, judged, p), trusted ? 'pull' : 'batch');
  const routed = deps.routes(entity, batch.format);
  // A vendor's records it pushed unchanged that a target did not get (dead-lettered): sent again (undel24).
  const pushSets = [
    ...taken.pushSets,
    ...(trusted ? [] : await resendUndelivered(q, batch.id, entity, resendable(p), routed)),
  ];
  const rekeyed = taken.rekeyed;
  if (p.toWrite.length === 0) return { plan: p, pushSets, snapshot, rekeyed };
  for (const { system: target, keys } of await deliveriesFor(q, deps.targets, routed, p.toWrite)) {
    const pushSetId = await createPushSetsRepo(q).create({ system: target, entity, keys, batchId: batch.id });
    pushSets.push(pushSetId);
    await enqueue(q, pushSet(target), { pushSetId });
  }
  // Records moved to another school (only a trusted source moves them): deleted at the old school's own system.
  const moved: { key: string; scope: string }[] = [];
  for (const r of p.toWrite) {
    const prior = judged.checked.existing.get(r.key);
    if (prior && !prior.deleted && prior.scope !== r.scope) moved.push({ key: r.key, scope: prior.scope });
  }
  pushSets.push(
    ...(await sendMovedAway(q, deps, { entity, moved, sourceSystem: batch.format, batchId: batch.id })),
  );
  return { plan: p, pushSets, snapshot, rekeyed };
}
