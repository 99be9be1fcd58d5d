/**
 * The judging steps of a batch, shared by the ingest job (./ingest.ts) and the batch API's dry run:
 *
 *   map     wire → canonical record (the format's mapping; schema and mapping findings)
 *   check   the quality engine (src/quality): tenancy, in-batch duplicates, the record checks;
 *           one store lookup (the stored copies of the batch's keys), shared with `plan`
 *   plan    which accepted records changed (fingerprint) and which are unchanged
 *
 * They only read the store; the engine's store lookups are answered by ./judge-lookups.ts. The batch
 * API's dry run (./dry-run.ts, issue 9) runs them on a batch that is not stored.
 */
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import { SCHOOL_SYSTEMS } from '../canonical/systems.js';
import type { Config, EntityName } from '../config.js';
import {
  BatchSink,
  checkStored,
  findingOf,
  INGEST_CHECKS,
  prejudge,
  prepareCanonicalBatch,
  ruleByCode,
  twinKey,
  type BatchContext,
  type Finding,
  type IdHolder,
  type Prejudged,
  type QualityResult,
  type Rec,
} from '../quality/index.js';
import type { Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { fingerprinted, type ExistingRow, type UpsertRow } from '../store/records.js';
import { storedCopies } from './judge-copies.js';
import { keyed, mappedKeys, type InboundMapping, type InboundRecord } from './inbound.js';
import { lookupsFor, ownersOf, type HeardHolders } from './judge-lookups.js';
import type { MapResult } from '../mappings/types.js';

/** Which copies a batch is judged against (the school's or the city's system): ./judge-copies.ts. */
export { cityCopiesOf, copiesOf } from './judge-copies.js';
export { toRow } from './judge-rows.js';

/** What judging needs: the clock (today, the school year) and the city's quality settings. */
export interface JudgeContext {
  readonly now: () => Date;
  readonly config: Pick<Config, 'quality' | 'guard'>;
}

/** A batch being ingested: the stored batch, its mapping, and whether it is trusted. */
export interface Loaded {
  readonly batch: Batch & { records: unknown[] };
  readonly entity: EntityName;
  readonly mapping: InboundMapping;
  /** Pulled batches come from the systems of record: they may span schools and move records. */
  readonly trusted: boolean;
  /**
   * The snapshot of the judgment's first read (the batch's lock), which a vendor batch's repeats are
   * judged from (./ingest-finish.ts `tagAfter`); absent: it leaves none.
   */
  readonly snapshot?: string;
  /**
   * A pulled page: when its run was requested, the earliest its records can have been listed at the source
   * (what a school's own system is known to hold is weighed as of then: ../store/system-copies.ts
   * `holdsSql`). Absent: the batch's arrival (a vendor's batch: what its sender held when it sent it).
   */
  readonly listedSince?: Date;
}

/**
 * `map`'s output: per index, the mapped record (undefined where mapping or the input step refused
 * it), and the engine's sink holding the findings so far: the canonical input step's, the mappings'
 * findings of catalogued codes, which the city's policy judges the same in every format, and the
 * mappings' own (`MAP_…`, BatchSink.addMapped).
 */
export interface Mapped {
  readonly records: readonly (InboundRecord | undefined)[];
  readonly ctx: BatchContext;
  readonly sink: BatchSink;
  /** Judged ahead (./ingest-pulled.ts): the record and batch checks have run on the sink. */
  readonly ahead?: JudgedAhead;
}

/**
 * What a pulled page judged ahead of its transaction carries: the engine's record and batch checks
 * run, and per record (by index) the fingerprint and twin key of the record as they left it (the store
 * checks repair nothing, so it is what is stored).
 */
export interface JudgedAhead {
  readonly prejudged: Prejudged;
  readonly fingerprints: readonly (string | undefined)[];
  /** Per record: the JSON text (UTF-8) its fingerprint was taken of, which the upsert sends. */
  readonly jsons: readonly (Buffer | undefined)[];
  readonly twinKeys: readonly (string | undefined)[];
}

/** `check`'s output: every finding so far, the indexes rejected, the stored copies of the keys, the records as repaired. */
export interface Checked {
  readonly findings: readonly Finding[];
  readonly rejected: ReadonlySet<number>;
  readonly existing: ReadonlyMap<string, ExistingRow>;
  /** Asked for (`weigh`): the live records of each school of the stored copies read, for the guard. */
  readonly live?: ReadonlyMap<string, number>;
  readonly records: readonly (InboundRecord | undefined)[];
  /** Judged ahead: the records' fingerprints and twin keys, worked out already. */
  readonly ahead?: JudgedAhead;
  /** Otherwise, by index, the twin keys of the records (as repaired) the store checks were asked with. */
  readonly twinKeys?: readonly (string | undefined)[];
  /** The scope holders' lookup as answered, where the checks asked it (./judge-lookups.ts `HeardHolders`). */
  readonly scopeHolders?: ReadonlyMap<string, readonly IdHolder[]>;
}

export interface Plan {
  readonly toWrite: readonly UpsertRow[];
  readonly unchangedKeys: readonly string[];
  readonly rejected: number;
  /** A pulled page's source fingerprints by natural key (./ingest-pulled.ts `sourceFpsByKey`), as `plan` was given them. */
  readonly sourceFps?: ReadonlyMap<string, string>;
  /**
   * Of `unchangedKeys`, those whose record is an older copy the source (a school's own system) holds of
   * a record since changed or deleted in truc (prec16: what truc received from it or sent to it before):
   * not a change, and not what the stored row is made of.
   */
  readonly olderCopies?: readonly string[];
  /**
   * Of `unchangedKeys`, those a vendor batch's write left as they are, holding a word that arrived after it
   * (./newer-words.ts, ../store/word-arrival.ts): written, deleted or carried since (not carried by it:
   * ./ingest-apply.ts).
   */
  readonly leftKeys?: readonly string[];
  /**
   * Keys of records the write left to a later school year (./newer-words.ts, ../store/year-order.ts): not
   * written, counted in `rejected` (not among `unchangedKeys` nor `leftKeys`).
   */
  readonly earlierKeys?: readonly string[];
  /**
   * Of `leftKeys` and `earlierKeys`, the batch's own copies (key, school, fingerprint) to note as what its system
   * held when it arrived (./newer-words.ts: not those a re-push in its format carried since).
   */
  readonly leftCopies?: readonly Pick<UpsertRow, 'key' | 'scope' | 'fingerprint'>[];
}

/** The quality engine's context for a batch: today in Vietnam, the current school year, the city's settings. */
function qualityContext(loaded: ToMap, deps: JudgeContext): BatchContext {
  const today = vietnamDateOf(deps.now());
  return {
    entity: loaded.entity,
    today,
    schoolYear: schoolYearOf(today),
    schoolCode: loaded.trusted ? undefined : loaded.batch.schoolCode,
    fromSchoolSystem: loaded.trusted && (SCHOOL_SYSTEMS as readonly string[]).includes(loaded.batch.format),
    config: deps.config.quality,
  };
}

/**
 * A wire record mapped ahead of its batch (a pulled page mapped while the page before it was being
 * written, ./pull.ts), with the version of the mapping that mapped it: used only when it is the
 * batch's mapping.
 */
export interface Premapped {
  readonly version: string;
  /** Per record of the batch: its mapping's result, or undefined where it was not mapped ahead. */
  readonly results: readonly (MapResult<InboundRecord> | undefined)[];
}

/** What `map` reads of a batch (a pulled page is mapped ahead of its batch row: ./ingest-pulled.ts). */
export type ToMap = Pick<Loaded, 'entity' | 'mapping' | 'trusted'> & {
  readonly batch: Pick<Loaded['batch'], 'format' | 'records' | 'schoolCode'>;
};

/** What of a record its mapping refused can still be judged (`MapResult`'s `apart`). */
type RefusedApart = NonNullable<Extract<MapResult<unknown>, { ok: false }>['apart']>;

/** `map`: wire → canonical record (the format's mapping; schema and mapping findings). */

export function map(loaded: ToMap, deps: JudgeContext, premapped?: Premapped): Mapped {
  const { batch, entity, mapping, trusted } = loaded;
  const ctx = qualityContext(loaded, deps);
  if (batch.format === 'canonical') {
    // truc's own format: the input step (personal-ID form, text normalised and reported, mojibake,
    // control characters), then the canonical schema, each issue a catalogue finding.
    const sink = prepareCanonicalBatch(ctx, batch.records);
    // The sink's record itself, not a copy: `check` keeps a record the engine did not repair as it is
    // (issue 7: a copy here made every record look repaired there, copied and keyed again).
    const records = sink.records.map((rec) => (rec === undefined ? undefined : keyed(entity, rec)));
    return { records, ctx, sink };
  }
  const mapCtx = trusted
    ? { now: deps.now }
    : { schoolCode: batch.schoolCode, schoolYear: ctx.schoolYear, now: deps.now };
  const own: Finding[] = [];
  const judged: { index: number; code: string; pointer: string }[] = [];
  const idRefused: number[] = [];
  const apart: [number, RefusedApart][] = [];
  const ahead = premapped?.version === mapping.version ? premapped.results : undefined;
  const records = batch.records.map((raw, index) => {
    const mapped = ahead?.[index] ?? mapping.map(raw, mapCtx);
    for (const f of mapped.findings) {
      if (ruleByCode(f.rule)) judged.push({ index, code: f.rule, pointer: f.pointer });
      else own.push(findingOf(index, f));
      if (f.refusesPersonalId) idRefused.push(index);
    }
    if (!mapped.ok && mapped.apart) apart.push([index, mapped.apart]);
    return mapped.ok ? mapped.value : undefined;
  });
  const sink = new BatchSink(
    ctx,
    records.map((r) => r?.data as Rec | undefined),
  );
  for (const f of own) sink.addMapped(f); // through the sink: a repeated key's record is told them once (W9-9)
  for (const j of judged) sink.add(j.index, ruleByCode(j.code)!, j.pointer);
  // A mapping's own refusal of a sent personal ID (moet-pcgd persons): one finding, never also missing (fix32b).
  for (const index of idRefused) sink.personalIdRefused(index);
  // A record the mapping refused is judged on what of it is left, as a canonical one the schema refused (W10-2).
  for (const [index, left] of apart) sink.judgeApart(index, left.rec, left.broken);
  return { records, ctx, sink };
}

/** Stored rows already read in the batch's transaction: the keys asked for and the rows found. */
export interface KnownRows {
  readonly asked: ReadonlySet<string>;
  readonly rows: ReadonlyMap<string, ExistingRow>;
}

/**
 * The store checks of a page judged ahead, begun with its transaction's first statements (issue 7, the
 * first sync: its quality facts read goes out right behind the read of the page's stored rows, one round
 * trip less a page, and is made while PostgreSQL answers those). `check` takes it for that very judged page
 * only (the page was judged whole: nothing skipped); else it is not used, a read wasted.
 */
export interface EarlyChecks {
  readonly judged: Mapped;
  readonly result: Promise<QualityResult>;
  readonly heard: HeardHolders;
}

/**
 * Begins the store checks of `judged` (a page judged ahead) before its stored copies are known: only when
 * no lookup but the owners' needs them (the owners are answered from `stored.rows()` once read), and the
 * read asks for every key of the page (`stored.asked`), so `check` would read no copy of its own. Undefined
 * otherwise (`check` runs them as usual).
 */
export function checkEarly(
  q: Queryable,
  loaded: Pick<Loaded, 'trusted'> & { readonly batch: Pick<Batch, 'format'> },
  judged: Mapped,
  stored: {
    readonly asked: ReadonlySet<string>;
    /** The copies read, once answered. */
    readonly rows: () => Promise<ReadonlyMap<string, ExistingRow>>;
  },
): EarlyChecks | undefined {
  if (!judged.ahead) return undefined;
  const keys = mappedKeys(judged.records);
  if (!keys.every((k) => stored.asked.has(k))) return undefined;
  const heard: HeardHolders = {};
  const lookups = lookupsFor(q, loaded, new Map(), new Set(keys), heard);
  // The authoritative copies are asked by what the read found: not before it is answered.
  if (lookups.authoritative) return undefined;
  // As `check` has them: the copies read (the checks ask them of the page's keys only).
  const owners = async () => ownersOf(await stored.rows());
  const prejudged = judged.ahead.prejudged;
  const result = checkStored(
    judged.ctx,
    { ...prejudged, sink: prejudged.sink.fork() },
    { ...lookups, owners },
  );
  result.catch(() => undefined); // seen by `check`, or (unused) by the statements after it
  return { judged, result, heard };
}

/**
 * A prejudged batch with the twin key of each of its records (as the record and batch checks left it; the
 * store checks repair nothing): worked out once, for the store lookups and for `plan` (issue 7: not twice).
 */
function withTwinKeys(prejudged: Prejudged): Prejudged & { twinKeys: readonly (string | undefined)[] } {
  const twinKeys = prejudged.sink.records.map((r) => (r === undefined ? undefined : twinKey(r)));
  return { ...prejudged, twinKeys };
}

/**
 * `check`: the quality engine, with one store lookup (the stored copies of the batch's keys; those in
 * `known`, read earlier in the same transaction, are not read again). `weigh`: the lookup also counts
 * the live records of the copies' schools, for the mass-change guard (no second round trip; ./guard.ts
 * `weighsWithCopies`). `early`: the store checks of `mapped`, begun already ({@link checkEarly}).
 */
export async function check(
  q: Queryable,
  loaded: Loaded,
  mapped: Mapped,
  known?: KnownRows,
  weigh = false,
  early?: EarlyChecks,
): Promise<Checked> {
  const { entity } = loaded;
  const keys = mappedKeys(mapped.records);
  const unknown = known ? keys.filter((k) => !known.asked.has(k)) : keys;
  const { rows: existing, live } = await storedCopies(q, entity, unknown, weigh && !known, loaded);
  if (known) {
    for (const k of keys) {
      const row = known.rows.get(k);
      if (row) existing.set(k, row);
    }
  }
  const heard: HeardHolders = {};
  const lookups = lookupsFor(q, loaded, existing, new Set(keys), heard);
  // A page judged ahead is judged on a fork of its sink: written again (its pull job's second attempt,
  // jobs/pull-page-tx.ts `storeOrHold`), it is judged afresh, not with the first attempt's store findings.
  // Not judged ahead: the record and batch checks, then the twin keys of the records as they left them.
  const prejudged = mapped.ahead ? undefined : withTwinKeys(prejudge(mapped.ctx, mapped.sink, INGEST_CHECKS));
  const begun = early?.judged === mapped && mapped.ahead ? early : undefined;
  const result = begun
    ? await begun.result
    : mapped.ahead
      ? await checkStored(
          mapped.ctx,
          { ...mapped.ahead.prejudged, sink: mapped.ahead.prejudged.sink.fork() },
          lookups,
        )
      : await checkStored(mapped.ctx, prejudged!, lookups);
  const scopeHolders = await (begun?.heard ?? heard).scopeHolders;
  // Repairs (mojibake, name case) are what is stored.
  const records = mapped.records.map((rec, index) => {
    const repaired = result.records[index];
    return rec === undefined || repaired === undefined || repaired === rec.data
      ? rec
      : keyed(entity, { ...repaired });
  });
  // Per record, the mapping's findings first, then the engine's in the order they ran; the batch's own last.
  return {
    findings: result.findings,
    rejected: result.rejected,
    existing,
    records,
    ...(live ? { live } : {}),
    ...(mapped.ahead ? { ahead: mapped.ahead } : {}),
    ...(prejudged ? { twinKeys: prejudged.twinKeys } : {}),
    ...(scopeHolders ? { scopeHolders } : {}),
  };
}

/**
 * `plan`: which accepted records changed (fingerprint) and which are unchanged. `sourceFps`: a pulled
 * page's source fingerprints by key, kept on the rows written (issue 7: not on copies of them made later).
 */
export function plan(checked: Checked, sourceFps?: ReadonlyMap<string, string>): Plan {
  const toWrite: UpsertRow[] = [];
  const unchangedKeys: string[] = [];
  const olderCopies: string[] = [];
  let rejected = 0;
  const twinKeys = (checked.ahead ?? checked).twinKeys;
  const { records } = checked;
  // A loop, not a closure called a record (issue 7: a changed batch's 1000).
  for (let index = 0; index < records.length; index++) {
    const rec = records[index];
    if (rec === undefined || checked.rejected.has(index)) {
      rejected += 1;
      continue;
    }
    const prior = checked.existing.get(rec.key);
    // The record's JSON text, once: fingerprinted, then sent by the upsert as it is.
    const ahead = checked.ahead?.fingerprints[index];
    const own = ahead === undefined ? fingerprinted(rec.data) : undefined;
    const fp = ahead ?? own!.fingerprint;
    // A deleted record that comes back is restored, even unchanged.
    if (prior && prior.fingerprint === fp && !prior.deleted) unchangedKeys.push(rec.key);
    // A school system's copy of a state truc received from it or sent it before, the record changed (or
    // deleted) in truc since: that system may not have heard of the change yet; its copy is not one (prec16).
    // None counts once it is known to hold truc's state: another copy is its own change (review17b C1). The
    // same for the city database's copy of a record another source changed last (review18 R2).
    else if (prior?.copies?.includes(fp) === true) {
      unchangedKeys.push(rec.key);
      olderCopies.push(rec.key);
    } else
      toWrite.push({
        key: rec.key,
        scope: rec.scope,
        personalId: rec.personalId,
        data: rec.data,
        json: own ? own.json : checked.ahead?.jsons[index],
        fingerprint: fp,
        twinKey: twinKeys ? twinKeys[index] : twinKey(rec.data as Rec),
        sourceFp: sourceFps?.get(rec.key),
      });
  }
  return {
    toWrite,
    unchangedKeys,
    rejected,
    ...(sourceFps ? { sourceFps } : {}),
    ...(olderCopies.length > 0 ? { olderCopies } : {}),
  };
}
