/**
 * The quality engine: runs the catalogue's checks over one batch of canonical records in one pass —
 * record checks (compiled loops, ./record-loop.ts), batch checks (duplicates), then store checks fed
 * by lookups the engine makes once each per batch (./lookups.ts: a fixed number of queries whatever
 * the batch size). Findings, the city's policy and repairs (mojibake, name case, copy-on-write) are
 * collected by the batch's sink (./sink.ts), which says which records an `error` finding rejects.
 * Pure apart from the lookups it is given.
 */
import type { EntityName } from '../canonical/entities.js';
import { naturalKey, naturalKeyOfPart } from '../canonical/entities.js';
import { CHECKS } from './catalogue.js';
import type { QualityLookups } from './lookups.js';
import { fetchFacts } from './lookups.js';
import { loopOf, viewerOf } from './record-loop.js';
import type { BatchCheck, Check, RecordCheck, StoreCheck } from './rules/define.js';
import { BatchSink } from './sink.js';
import type { BatchContext, Finding, Rec } from './types.js';

/** What the engine returns for a batch. */
export interface QualityResult {
  /** The records with repairs applied (the input object itself when nothing was repaired); undefined for a record refused before the schema. */
  readonly records: readonly (Rec | undefined)[];
  /** Every finding, records in order, then the batch's own (index −1). */
  readonly findings: readonly Finding[];
  /** Indexes of the records an `error` finding rejects. */
  readonly rejected: ReadonlySet<number>;
  /** Store lookups made (at most one per lookup, whatever the batch size). */
  readonly lookups: number;
}

interface Plan {
  readonly record: readonly RecordCheck[];
  readonly batch: readonly BatchCheck[];
  readonly store: readonly StoreCheck[];
}

const plans = new Map<string, Plan>();

function planFor(entity: EntityName, checks: readonly Check[]): Plan {
  const cached = checks === CHECKS ? plans.get(entity) : undefined;
  if (cached) return cached;
  const mine = checks.filter((c) => c.entities.includes(entity));
  const plan: Plan = {
    record: mine.filter((c): c is RecordCheck => c.scope === 'record'),
    batch: mine.filter((c): c is BatchCheck => c.scope === 'batch'),
    store: mine.filter((c): c is StoreCheck => c.scope === 'store'),
  };
  if (checks === CHECKS) plans.set(entity, plan);
  return plan;
}

function live<C extends Check>(checks: readonly C[], sink: BatchSink): C[] {
  return checks.filter((c) => c.rules.some((r) => !sink.isOff(r)));
}

/** Natural keys of canonical records ('' for a missing record or one that lacks its key fields). */
export function keysOf(entity: EntityName, records: readonly (Rec | undefined)[]): string[] {
  return records.map((r) => {
    if (r === undefined) return '';
    try {
      return naturalKey(entity, r as never);
    } catch {
      return '';
    }
  });
}

/** The records of the sink that are present, with their indexes and keys. */
interface Present {
  readonly indexes: readonly number[];
  readonly records: readonly Rec[];
  readonly keys: readonly string[];
}

function presentOf(sink: BatchSink, keys: readonly string[]): Present {
  const indexes: number[] = [];
  const records: Rec[] = [];
  const presentKeys: string[] = [];
  sink.records.forEach((r, i) => {
    if (r === undefined) return;
    indexes.push(i);
    records.push(r);
    presentKeys.push(keys[i] ?? '');
  });
  return { indexes, records, keys: presentKeys };
}

/**
 * The record checks of the records the schema refused, on what of each can still be judged (`BatchSink.judgeApart`):
 * every problem a record has is told at once, not one push per problem (W10-2). Nothing is said at a field the
 * schema refused. A check that needs a field the record lacks may throw: it has nothing to say of the record. Such
 * records are few, so one plain loop (not `loopOf`'s compiled one) does; the records' own loop is left as it was.
 */
function judgeApart(checks: readonly RecordCheck[], ctx: BatchContext, sink: BatchSink): void {
  const viewer = viewerOf(ctx.entity);
  for (const [index, { rec, broken }] of sink.apart!) {
    const view = viewer(rec);
    sink.whileJudgingApart(index, broken, () => {
      for (const c of checks) {
        try {
          c.check(view, index, ctx, sink);
        } catch {
          // it reads a field the schema refused, or a required one the record lacks: nothing to judge
        }
      }
    });
  }
}

/** Runs the record and batch checks; the sink then holds their findings and repairs. */
function runInMemory(
  ctx: BatchContext,
  sink: BatchSink,
  keys: readonly string[],
  checks: readonly Check[] = CHECKS,
): void {
  const plan = planFor(ctx.entity, checks);
  // Record by record, each through every live check (see `loopOf`).
  const recordChecks = live(plan.record, sink);
  const viewer = viewerOf(ctx.entity);
  const views = new Array<Rec | undefined>(sink.records.length);
  const batchChecks = live(plan.batch, sink);
  if (sink.apart !== undefined) judgeApart(recordChecks, ctx, sink);
  if (recordChecks.length > 0) loopOf(recordChecks)(sink.records, ctx, sink, viewer, views);
  else if (batchChecks.length > 0) sink.records.forEach((r, i) => (views[i] = r && viewer(r)));
  if (batchChecks.length === 0) return;
  if (!sink.records.includes(undefined)) {
    // Every record present: the batch checks see the records' views and the sink's own indexes.
    for (const c of batchChecks) c.check(views as readonly Rec[], keys, ctx, sink);
    return;
  }
  const seen = seenByBatchChecks(ctx.entity, sink, keys, views);
  const view = sink.view(seen.indexes);
  for (const c of batchChecks) c.check(seen.records, seen.keys, ctx, view);
}

/**
 * The records the batch checks see, as views: those present, and each the schema or a mapping refused whose key is
 * known, as what of it can be judged (`BatchSink.judgeApart`). A refused record is still one of the batch: told that its
 * key or personal ID repeats an earlier record's with its other problems at once, and a later record repeating it is
 * told so (review14: two refused records of one key were told neither, and a record after a refused one was taken).
 */
function seenByBatchChecks(
  entity: EntityName,
  sink: BatchSink,
  keys: readonly string[],
  views: readonly (Rec | undefined)[],
): Present {
  const indexes: number[] = [];
  const records: Rec[] = [];
  const seenKeys: string[] = [];
  const viewer = viewerOf(entity);
  const add = (i: number, rec: Rec, key: string) => {
    indexes.push(i);
    records.push(rec);
    seenKeys.push(key);
  };
  sink.records.forEach((r, i) => {
    if (r !== undefined) return add(i, views[i]!, keys[i] ?? '');
    const apart = sink.apart?.get(i);
    const key = apart && naturalKeyOfPart(entity, apart.rec);
    if (key !== undefined) add(i, viewer(apart!.rec), key);
  });
  return { indexes, records, keys: seenKeys };
}

function resultOf(sink: BatchSink, lookups: number): QualityResult {
  const findings = [...sink.told()].sort((a, b) => (a.index < 0 ? 1 : b.index < 0 ? -1 : a.index - b.index));
  return { records: sink.records, findings, rejected: sink.rejected, lookups };
}

/**
 * Checks a batch of canonical records in memory (record and batch checks, no store): what the
 * ingest runs when it has no store, and what the benchmark measures. `sink` may hold findings of an
 * input step already (see `checkCanonicalInput`).
 */
export function checkInMemory(
  ctx: BatchContext,
  records: readonly (Rec | undefined)[],
  sink = new BatchSink(ctx, records),
): QualityResult {
  runInMemory(ctx, sink, keysOf(ctx.entity, sink.records));
  return resultOf(sink, 0);
}

/**
 * A batch whose record and batch checks have run (`prejudge`), with its keys as they were before them:
 * what its store checks (`checkStored`) need. A pulled page is prejudged while the page before it is
 * written (src/jobs/ingest-pulled.ts), so its transaction runs only the store checks.
 */
export interface Prejudged {
  readonly sink: BatchSink;
  readonly keys: readonly string[];
  readonly checks: readonly Check[];
  /**
   * Per record of the sink, its twin key (`twinKey`), where worked out already (a pulled page judged
   * ahead keeps it for the store: src/jobs/ingest-pulled.ts): the lookups are asked with it.
   */
  readonly twinKeys?: readonly (string | undefined)[];
}

/** Runs the record and batch checks of the sink's records (see {@link Prejudged}). */
export function prejudge(ctx: BatchContext, sink: BatchSink, checks: readonly Check[] = CHECKS): Prejudged {
  const keys = keysOf(ctx.entity, sink.records);
  runInMemory(ctx, sink, keys, checks);
  return { sink, keys, checks };
}

/** The store checks of a prejudged batch, with one call per lookup they need; then the batch's result. */
export async function checkStored(
  ctx: BatchContext,
  { sink, keys, checks, twinKeys }: Prejudged,
  lookups: QualityLookups = {},
): Promise<QualityResult> {
  // A record the tenancy gate refused already (of another school than its batch's) is compared with nothing stored.
  const present = outsideTheGate(sink, presentOf(sink, keys));
  // A check the store cannot move on these records is not run, and not asked for (see StoreCheck `asks`).
  const store = live(planFor(ctx.entity, checks).store, sink).filter(
    (c) => c.asks?.(present.records, ctx) ?? true,
  );
  if (store.length === 0) return resultOf(sink, 0);
  const needs = new Set(store.flatMap((c) => c.needs));
  const twins = twinKeys && present.indexes.map((i) => twinKeys[i]);
  const { facts, calls } = await fetchFacts(ctx, present.records, present.keys, needs, lookups, twins);
  // The tenancy gate's store checks first; the other store checks then see only the records it let through.
  const gate = store.filter(isTenancyCheck);
  const view = sink.view(present.indexes);
  for (const c of gate) c.check(present.records, present.keys, ctx, facts, view);
  const open = gate.length > 0 ? outsideTheGate(sink, present) : present;
  const openView = open === present ? view : sink.view(open.indexes);
  for (const c of store) {
    if (!isTenancyCheck(c)) c.check(open.records, open.keys, ctx, facts, openView);
  }
  return resultOf(sink, calls);
}

const isTenancyCheck = (c: Check): boolean => c.rules.some((r) => r.criterion === 'tenancy');

/**
 * The records of `present` no tenancy rule refused (review26b F4): a record of another school, or of a code another
 * school holds, is never compared with the store's copies (the city's copy, other holders of its personal ID, its
 * twins), or a vendor could read another school's personal data from which findings it gets (a dry run stores
 * nothing). Tenancy findings are few: without one, `present` itself.
 */
function outsideTheGate(sink: BatchSink, present: Present): Present {
  let refused: Set<number> | undefined;
  for (const f of sink.findings) {
    if (f.criterion === 'tenancy' && f.index >= 0) (refused ??= new Set()).add(f.index);
  }
  if (refused === undefined) return present;
  const indexes: number[] = [];
  const records: Rec[] = [];
  const keys: string[] = [];
  present.indexes.forEach((index, i) => {
    if (refused.has(index)) return;
    indexes.push(index);
    records.push(present.records[i]!);
    keys.push(present.keys[i]!);
  });
  return { indexes, records, keys };
}

/**
 * Checks a batch of canonical records with every rule: record and batch checks, then the store
 * checks with one call per lookup they need. Records an earlier check rejected are still looked at
 * (their findings are useful), but they stay rejected.
 */
export async function checkBatch(
  ctx: BatchContext,
  records: readonly (Rec | undefined)[],
  lookups: QualityLookups = {},
  sink = new BatchSink(ctx, records),
  checks: readonly Check[] = CHECKS,
): Promise<QualityResult> {
  return checkStored(ctx, prejudge(ctx, sink, checks), lookups);
}
