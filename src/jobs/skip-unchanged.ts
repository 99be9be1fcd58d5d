/**
 * The skip of a pulled page's unchanged records (issue 7): the records whose stored, live row was made
 * from the same source record (same source fingerprint: ./source-fp.ts), and the records refused before
 * for reasons of their own (./refusals.ts), are set aside before the rest is judged; the read of the
 * page's stored rows this needs, sent ahead of its answer; and the store checks of a page judged ahead,
 * begun right behind that read.
 */
import type { EntityName } from '../config.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import type { Queryable } from '../store/db.js';
import {
  createRefusalsRepo,
  type Candidates,
  type Refusal,
  type StoredAndStanding,
} from '../store/refusals.js';
import type { CopiesOf } from '../store/system-copies.js';
import type { InboundMapping } from './inbound.js';
import type { PageAhead, PulledExtras } from './ingest-pulled.js';
import { checkEarly, type EarlyChecks, type JudgeContext } from './judge.js';
import { sourceFpOf } from './source-fp.js';

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
  /**
   * The school of its stored row when that row is live and made from the same source fingerprint, or deleted by
   * its source's own tombstone no earlier than this copy ({@link deletedSince}).
   */
  readonly sameIn: string | undefined;
}

/**
 * The school of the stored row `row` when it is a tombstone its source deleted (by its own clock, migration 985)
 * no earlier than the source changed the copy `raw` (`mapping.sourceTime`): a copy the source served before it
 * deleted the record (a page read before the tombstone and stored after it: another run's, read ahead, held on
 * its way), not one it sent again after deleting it. Such a copy is no restore: skipped as unchanged (rel28).
 */
function deletedSince(
  mapping: InboundMapping,
  raw: unknown,
  row: { deleted: boolean; scope: string; sourceDeletedAt?: Date } | undefined,
): string | undefined {
  if (!row?.deleted || row.sourceDeletedAt === undefined || !mapping.sourceTime) return undefined;
  const changed = Date.parse(mapping.sourceTime(raw) ?? '');
  return changed <= row.sourceDeletedAt.getTime() ? row.scope : undefined;
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
  page: Pick<PageToSkip, 'records' | 'bytes' | 'ahead'>,
): SkipAsk {
  const { records, bytes, ahead } = page;
  const keys = records.map((raw) => sourceKey(raw));
  const usable = ahead?.version === mapping.version ? ahead : undefined;
  const fps: (string | undefined)[] = new Array<undefined>(records.length);
  const candidates: Candidates = { keys: [], fps: [] };
  for (const [key, i] of indexOfUnique(keys)) {
    const fp = usable?.fps[i] ?? sourceFpOf(mapping, records[i], bytes?.[i]);
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
  /** Per record, its bytes as received (./sources.ts `itemBytes`), where known: fingerprinted by them. */
  readonly bytes?: readonly Uint8Array[] | undefined;
  readonly ahead: PageAhead | undefined;
  readonly refusals: Refusals;
  /** The city database's page: its copies, read with the stored rows not unchanged (./judge.ts `cityCopiesOf`). */
  readonly copies?: CopiesOf | undefined;
}

/** Sends the skip's read of a pulled page (see {@link StoredRead}); none for a mapping without source keys. */
export function sendStoredRead(q: Queryable, page: PageToSkip): StoredRead | undefined {
  const { entity, mapping, refusals } = page;
  const { sourceKey } = mapping;
  if (!sourceKey) return undefined;
  const ask = skipAsk(mapping, sourceKey, page);
  const answer = createRefusalsRepo(q).storedAndStanding(
    { ...refusals, entity },
    ask.candidates,
    page.copies,
  );
  answer.catch(() => undefined); // seen by the skip, or by the statements after it
  return { version: mapping.version, rules: refusals.rules, ask, answer };
}

/**
 * The skip's read of a pulled page as if it had been sent and found nothing stored and no refusal (issue 7:
 * a first-sync page after pages whose reads found nothing, ./pull-ahead.ts `presumeNothingStored`): no
 * statement. Only for a page whose records are then inserted as new, so that a record stored after all fails
 * the insert (a duplicate key) and the page is written again with its read.
 */
export function presumedEmptyRead(page: PageToSkip): StoredRead | undefined {
  const { mapping, refusals } = page;
  const { sourceKey } = mapping;
  if (!sourceKey) return undefined;
  const answer: StoredAndStanding = {
    rows: new Map(),
    unchanged: new Map(),
    standing: new Map(),
    lapsed: [],
  };
  return {
    version: mapping.version,
    rules: refusals.rules,
    ask: skipAsk(mapping, sourceKey, page),
    answer: Promise.resolve(answer),
  };
}

/** Whether a read's answer found nothing: no stored row of the page's keys, no refusal (standing or lapsed). */
export function foundNothing(answer: StoredAndStanding): boolean {
  const { rows, unchanged, standing, lapsed } = answer;
  return rows.size === 0 && unchanged.size === 0 && standing.size === 0 && lapsed.length === 0;
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
 * what is stored: it is counted unchanged and seen, and nothing else is done for it. So is a copy older
 * than its source's own deletion of the record ({@link deletedSince}: no restore). The rest is judged
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
    sameIn:
      fps[i] === undefined
        ? undefined
        : (unchanged.get(keys[i]!) ?? deletedSince(mapping, raw, stored.get(keys[i]!))),
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
