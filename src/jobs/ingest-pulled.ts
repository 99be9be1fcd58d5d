/**
 * A pulled page before it is judged (issue 7): its records' source fingerprints (worked on ahead of its
 * transaction by ./pull.ts; a page of new or changed records is mapped and judged in memory ahead too),
 * and the records skipped because their stored, live row was made from the
 * same source record, or because they were refused before for reasons of their own (./refusals.ts).
 */
import { hash } from 'node:crypto';
import type { EntityName } from '../config.js';
import type { MapResult } from '../mappings/types.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import { CATALOGUE_VERSION, INGEST_CHECKS, prejudge, twinKey } from '../quality/index.js';
import type { AuditEvent } from '../store/audit-log.js';
import type { CombinedWrites } from '../store/combined.js';
import type { Queryable } from '../store/db.js';
import { JsonWriter } from '../store/json-bytes.js';
import { fingerprinted } from '../store/records.js';
import {
  createRefusalsRepo,
  type Candidates,
  type Refusal,
  type StoredAndStanding,
} from '../store/refusals.js';
import type { InboundMapping, InboundRecord } from './inbound.js';
import {
  checkEarly,
  map,
  type EarlyChecks,
  type JudgeContext,
  type KnownRows,
  type Mapped,
  type Premapped,
} from './judge.js';

/**
 * A pulled page whose unchanged records were skipped before mapping (see {@link skipUnchanged}): what
 * the judged rest needs to be written and counted as the whole page.
 */
export interface PulledExtras {
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
  /** The page judged ahead (see {@link PageAhead}), where every record of it is judged. */
  readonly judged?: Mapped;
  /**
   * Ingested inline by its pull job (./pull.ts): the run as the job read it, where the batch's audit
   * entry goes (the job appends it with its own, one append per page), and the job's closing writes for
   * the page, where the batch's own closing writes and its refusals go too (sent with the run's advance:
   * one statement, issue 7); the job queues the run's reconciliation itself after its last page.
   */
  inline?: {
    run: { id: number; since: string | null; storedBefore: boolean };
    audit: AuditEvent[];
    closing: CombinedWrites;
    /** When none of the page's records is stored, they are inserted as new (see records.ts `upsert`'s `fresh`). */
    insertNew?: boolean;
  };
}

/** Where source records are written to be fingerprinted (one at a time: see {@link sourceFpOf}). */
const sourceBytes = new JsonWriter();
/** By mapping version: the UTF-8 bytes of the text its source fingerprints start with. */
const fpPrefixes = new Map<string, Buffer>();

/**
 * Fingerprint of a source record as a given mapping and quality catalogue turn it into a stored row: the
 * SHA-256 of `<mapping version>\n<catalogue version>\n<the record's JSON>`. The record's JSON is written as
 * bytes straight after the prefix's (issue 7: no JSON text, nor that text joined to the prefix, on the heap
 * a record; the same bytes: ../store/json-bytes.ts), or, for a record the writer leaves, as before.
 */
export function sourceFpOf(mapping: Pick<InboundMapping, 'version'>, raw: unknown): string {
  const { version } = mapping;
  let prefix = fpPrefixes.get(version);
  if (prefix === undefined)
    fpPrefixes.set(version, (prefix = Buffer.from(`${version}\n${CATALOGUE_VERSION}\n`)));
  sourceBytes.reset();
  const at = sourceBytes.write(raw, prefix);
  return at < 0
    ? hash('sha256', `${version}\n${CATALOGUE_VERSION}\n${JSON.stringify(raw)}`)
    : hash('sha256', sourceBytes.last(at));
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
  /**
   * The whole page judged ahead when it was mapped ahead and its format and entity were given (issue 7):
   * mapped, the quality engine's record and batch checks run, each record's fingerprint and twin key
   * worked out. Its transaction then runs only the store checks, when every record of the page is judged
   * (nothing skipped or still refused: a first sync) on the same day ({@link judgedAhead}).
   */
  readonly judged?: Mapped;
}

const AHEAD_SLICE = 50;

const nextTurn = () => new Promise((go) => setImmediate(go));

/** A pulled page judged ahead of its transaction (see {@link PageAhead}'s `judged`). */
async function judgeAhead(
  deps: JudgeContext,
  mapping: InboundMapping,
  page: { format: string; entity: EntityName },
  records: readonly unknown[],
  results: readonly (MapResult<InboundRecord> | undefined)[],
): Promise<Mapped> {
  await nextTurn();
  const toMap = {
    entity: page.entity,
    mapping,
    trusted: true,
    batch: { ...page, records: [...records], schoolCode: '*' },
  };
  const mapped = map(toMap, deps, { version: mapping.version, results });
  const prejudged = prejudge(mapped.ctx, mapped.sink, INGEST_CHECKS);
  const fingerprints: (string | undefined)[] = [];
  const jsons: (Buffer | undefined)[] = [];
  const twinKeys: (string | undefined)[] = [];
  const repaired = mapped.sink.records;
  for (let i = 0; i < repaired.length; i += AHEAD_SLICE) {
    await nextTurn();
    for (let j = i; j < Math.min(i + AHEAD_SLICE, repaired.length); j++) {
      const rec = repaired[j];
      // The JSON text is kept: the upsert sends it as it is (issue 7: not serialised a second time).
      const fp = rec === undefined ? undefined : fingerprinted(rec);
      fingerprints.push(fp?.fingerprint);
      jsons.push(fp?.json);
      twinKeys.push(rec === undefined ? undefined : twinKey(rec));
    }
  }
  // The store checks' lookups are asked with the twin keys worked out here (not again in the transaction).
  return { ...mapped, ahead: { prejudged: { ...prejudged, twinKeys }, fingerprints, jsons, twinKeys } };
}

/** The page as judged ahead, when it can stand for judging it now: judged on the same day (in Vietnam). */
export function judgedAhead(pulled: PulledExtras | undefined, deps: JudgeContext): Mapped | undefined {
  const judged = pulled?.judged;
  return judged && judged.ctx.today === vietnamDateOf(deps.now()) ? judged : undefined;
}

export async function workAhead(
  deps: JudgeContext,
  mapping: InboundMapping,
  records: readonly unknown[],
  opts: { map: boolean; page?: { format: string; entity: EntityName } },
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
  if (!opts.map) return { version: mapping.version, fps };
  const judged = opts.page ? await judgeAhead(deps, mapping, opts.page, records, results) : undefined;
  return { version: mapping.version, fps, results, ...(judged ? { judged } : {}) };
}

type Refusals = PulledExtras['refusals'];

/** A page whose mapping has no source keys: every record is judged. */
function nothingSkipped(records: readonly unknown[], refusals: Refusals): PulledExtras {
  const none = records.map(() => undefined);
  return {
    skipped: [],
    refused: [],
    refusals,
    pageIndex: records.map((_, i) => i),
    sourceKeys: none,
    sourceFps: none,
  };
}

/** Per source key that occurs once in the page: its record's index. */
function indexOfUnique(keys: readonly (string | undefined)[]): Map<string, number> {
  const at = new Map<string, number>();
  keys.forEach((k, i) => {
    if (k !== undefined) at.set(k, at.has(k) ? -1 : i);
  });
  for (const [k, i] of at) if (i < 0) at.delete(k);
  return at;
}

/** The page's records with what the skip knows of each: source key, source fingerprint, whether unchanged. */
interface PageRecord {
  readonly raw: unknown;
  readonly key: string | undefined;
  /** Undefined where the source key is missing or not unique in the page. */
  readonly fp: string | undefined;
  /** The school of its stored row when that row is live and made from the same source fingerprint. */
  readonly sameIn: string | undefined;
}

const isUnchanged = (r: PageRecord): boolean => r.fp !== undefined && r.sameIn !== undefined;

/**
 * Splits the page into skipped (unchanged), still refused, and the rest to judge. A refusal that stands
 * on other records stands only when the page brings nothing else to judge (a record it depends on may be
 * on the page, and is judged as the page has it): else it is judged with the rest.
 */
function partition(
  page: readonly PageRecord[],
  standing: ReadonlyMap<string, Refusal>,
): Pick<PulledExtras, 'skipped' | 'refused' | 'pageIndex' | 'sourceKeys' | 'sourceFps'> & {
  rest: unknown[];
} {
  const refusalOf = (r: PageRecord) => (r.fp === undefined ? undefined : standing.get(r.key!));
  const quiet = page.every((r) => isUnchanged(r) || refusalOf(r) !== undefined);
  const rest: unknown[] = [];
  const pageIndex: number[] = [];
  const sourceKeys: (string | undefined)[] = [];
  const sourceFps: (string | undefined)[] = [];
  const skipped: { key: string; scope: string }[] = [];
  const refused: Refusal[] = [];
  page.forEach((r, i) => {
    if (isUnchanged(r)) {
      skipped.push({ key: r.key!, scope: r.sameIn! });
      return;
    }
    const refusal = refusalOf(r);
    if (refusal && (quiet || !refusal.dependent)) {
      refused.push(refusal);
      return;
    }
    rest.push(r.raw);
    pageIndex.push(i);
    sourceKeys.push(r.fp === undefined ? undefined : r.key);
    sourceFps.push(r.fp);
  });
  return { rest, pageIndex, sourceKeys, sourceFps, skipped, refused };
}

/** What the skip asks about a page: each record's source key and, where unique in the page, source fingerprint. */
interface SkipAsk {
  readonly keys: readonly (string | undefined)[];
  readonly fps: readonly (string | undefined)[];
  /** The source keys unique in the page, with their source fingerprints. */
  readonly candidates: Candidates;
}

function skipAsk(
  mapping: InboundMapping,
  sourceKey: NonNullable<InboundMapping['sourceKey']>,
  records: readonly unknown[],
  ahead: PageAhead | undefined,
): SkipAsk {
  const keys = records.map((raw) => sourceKey(raw));
  const usable = ahead?.version === mapping.version ? ahead : undefined;
  const fps: (string | undefined)[] = new Array<undefined>(records.length);
  const candidates: Candidates = { keys: [], fps: [] };
  for (const [key, i] of indexOfUnique(keys)) {
    const fp = usable?.fps[i] ?? sourceFpOf(mapping, records[i]);
    fps[i] = fp;
    candidates.keys.push(key);
    candidates.fps.push(fp);
  }
  return { keys, fps, candidates };
}

/**
 * The skip's read of a pulled page ({@link skipUnchanged}), sent at once and answered later: ./pull-store.ts
 * sends it with its transaction's BEGIN and the run's lock (issue 7: one round trip for the three). Made
 * with the current mapping and the rules of `refusals`: a page judged under others (a pinned run) is read
 * again. It only reads (refusals that lapsed are dropped by the skip).
 */
export interface StoredRead {
  readonly version: string;
  readonly rules: string;
  readonly ask: SkipAsk;
  readonly answer: Promise<StoredAndStanding>;
}

/** A pulled page as the skip reads it: its entity, the mapping that judges it, its records and the work done on them ahead. */
export interface PageToSkip {
  readonly entity: EntityName;
  readonly mapping: InboundMapping;
  readonly records: readonly unknown[];
  readonly ahead: PageAhead | undefined;
  readonly refusals: Refusals;
}

/** Sends the skip's read of a pulled page (see {@link StoredRead}); none for a mapping without source keys. */
export function sendStoredRead(q: Queryable, page: PageToSkip): StoredRead | undefined {
  const { entity, mapping, refusals } = page;
  const { sourceKey } = mapping;
  if (!sourceKey) return undefined;
  const ask = skipAsk(mapping, sourceKey, page.records, page.ahead);
  const answer = createRefusalsRepo(q).storedAndStanding({ ...refusals, entity }, ask.candidates);
  answer.catch(() => undefined); // seen by the skip, or by the statements after it
  return { version: mapping.version, rules: refusals.rules, ask, answer };
}

/**
 * The store checks of a page judged ahead (`ahead.judged`, on the same day), begun right behind its read
 * (`read`, made with the mapping that judged it), in the same transaction ({@link checkEarly}: its quality
 * facts read goes out with the read, issue 7). For a page of the city database's (`format`) that is likely
 * judged whole: the caller says when (a first sync, ./pull-store.ts).
 */
export function checkPageEarly(
  q: Queryable,
  deps: JudgeContext,
  page: { readonly format: string; readonly ahead: PageAhead | undefined },
  read: StoredRead | undefined,
): EarlyChecks | undefined {
  const judged = page.ahead?.judged;
  if (!read || !judged || read.version !== page.ahead?.version) return undefined;
  if (judged.ctx.today !== vietnamDateOf(deps.now())) return undefined;
  return checkEarly(q, { trusted: true, batch: { format: page.format } }, judged, {
    asked: new Set(read.ask.candidates.keys),
    rows: async () => (await read.answer).rows,
  });
}

/**
 * Skips the records of a pulled page that are unchanged at the source (issue 7): a record whose
 * source key is unique in the page and whose stored, live row was made from a source record of the
 * same fingerprint (same wire record, mapping version and catalogue) would map, validate and judge to
 * what is stored: it is counted unchanged and seen, and nothing else is done for it. The rest is judged
 * as usual. A mapping without source keys skips nothing. `sent`: its read, sent already ({@link StoredRead}),
 * used when made with the page's mapping and rules. `dropLapsed`: refusals that no longer stand are dropped
 * (not outside a transaction: it writes nothing).
 */
export async function skipUnchanged(
  q: Queryable,
  page: PageToSkip,
  opts: { dropLapsed: boolean; sent?: StoredRead | undefined } = { dropLapsed: true },
): Promise<{ rest: unknown[]; extras: PulledExtras }> {
  const { entity, mapping, records, ahead, refusals } = page;
  const { sent } = opts;
  const read =
    sent?.version === mapping.version && sent.rules === refusals.rules ? sent : sendStoredRead(q, page);
  if (!read) return { rest: [...records], extras: nothingSkipped(records, refusals) };
  const { keys, fps, candidates } = read.ask;
  // The stored rows of the page's keys, and the refusals still standing of those not unchanged: records
  // refused before, from the same source record under the same rules (./refusals.ts). One read.
  const { rows: stored, unchanged, standing, lapsed } = await read.answer;
  if (opts.dropLapsed) await createRefusalsRepo(q).dropLapsed({ ...refusals, entity }, lapsed);
  const usable = ahead?.version === mapping.version ? ahead : undefined;
  const inPage = records.map((raw, i): PageRecord => ({
    raw,
    key: keys[i],
    fp: fps[i],
    sameIn: fps[i] === undefined ? undefined : unchanged.get(keys[i]!),
  }));
  const { rest, ...split } = partition(inPage, standing);
  const results = usable?.results;
  const whole = rest.length === records.length;
  return {
    rest,
    extras: {
      ...split,
      refusals,
      // The unchanged rows came back without their fingerprints: the judging reads one again if it needs it.
      known: { asked: new Set(candidates.keys.filter((k) => !unchanged.has(k))), rows: stored },
      ...(results
        ? { premapped: { version: usable.version, results: split.pageIndex.map((i) => results[i]) } }
        : {}),
      ...(whole && usable?.judged ? { judged: usable.judged } : {}),
    },
  };
}

/**
 * Source fingerprints of the judged records of a pulled page, by natural key: only where the record
 * mapped to its source key and no other record of the page mapped to the same key.
 */
export function sourceFpsByKey(
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
