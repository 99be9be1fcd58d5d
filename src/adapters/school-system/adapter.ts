/**
 * The adapter logic shared by the per-school vendor systems (SMAS, vnEdu): `listChanges` walks every
 * school a credential covers in code order with a resumable cursor and a watermark; `write` (upserts) and
 * `remove` (deletes by key) split a batch by school and into vendor-sized chunks with derived idempotency
 * keys (each naming its chunk's body) and merge the receipts; `health` turns a failed probe into `{ ok: false }`. Each system plugs in its own transport and wire
 * fields through {@link SchoolSystemTransport}: the wire formats stay the systems' own.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../errors.js';
import type {
  ChangeFeed,
  HealthResult,
  ListChangesOptions,
  SourceTargetAdapter,
  WriteOptions,
  WriteReceipt,
  WriteRejection,
} from '../types.js';
import { MAX_RELISTS } from './transport.js';

/** A school system as source and target, with per-entity record types (`RecOf`: wire record per entity). */
export interface SchoolSystemAdapter<
  Entity extends string,
  RecOf extends Record<Entity, unknown>,
> extends SourceTargetAdapter<Entity, RecOf[Entity], RecOf[Entity]> {
  listChanges<E extends Entity>(entity: E, opts: ListChangesOptions): AsyncIterable<ChangeFeed<RecOf[E]>>;
  write<E extends Entity>(entity: E, records: RecOf[E][], opts: WriteOptions): Promise<WriteReceipt>;
  /**
   * Deletes records by key from their schools; a key its school does not hold counts as accepted
   * (idempotent by key, and by `opts.idempotencyKey`). Rejection indexes are positions in `keys`.
   */
  remove(entity: Entity, keys: readonly SchoolKey[], opts: WriteOptions): Promise<WriteReceipt>;
}

/** The key of one record to delete and the school that holds it. */
export interface SchoolKey {
  key: string;
  school: string;
}

/**
 * One page of one school as the walker sees it: `next` is the position of the following page, if any;
 * `total` the number of records the school's listing holds as this page was served, where the system
 * tells it (SMAS `TotalRecord`): the walker lists a school again when it changes between pages.
 */
export interface WalkPage<T, Pos> {
  items: T[];
  next?: Pos;
  total?: number;
  /** When the system served the page, by its own clock (its `Date` header, epoch ms), where it tells. */
  servedAt?: number | undefined;
}

/** One chunk's receipt, in neutral terms (indexes are positions inside the chunk). */
export interface ChunkReceipt {
  accepted: number;
  receiptId: string;
  rejected: Array<{ index: number; code: string; message: string }>;
  replayed: boolean;
}

/**
 * What a system contributes: its transport (schools, pages, upsert, health) and where its records keep
 * the change time and the school. `Pos` is the in-school page position kept in the cursor (spread into it).
 */
export interface SchoolSystemTransport<Entity extends string, RecOf extends Record<Entity, unknown>, Pos> {
  /** Name used in messages (`smas`, `vnedu`). */
  system: string;
  /** Largest batch one upsert call takes. */
  maxBatch: number;
  /** Position of a school's first page. */
  firstPos: Pos;
  /**
   * Whether a page's position counts the records served now (SMAS page numbers): a record removed before
   * it shifts the later ones back, so a page can skip one. The walker then also lists a school again when a
   * later page lists a record changed after the school's first page was served. False when a position
   * keeps its place whatever changes before it (vnEdu's cursor).
   */
  shifting: boolean;
  /** Whether a decoded cursor carries a valid position. */
  isPos(cursor: Record<string, unknown>): boolean;
  /** Codes of every school the credential covers. */
  listSchools(): Promise<string[]>;
  /** Pages of one school from `pos` on (changed at or after `since`). */
  pages<E extends Entity>(
    entity: E,
    school: string,
    q: { pos: Pos; since?: string; pageSize?: number },
  ): AsyncIterable<WalkPage<RecOf[E], Pos>>;
  /** The change time a record carries, if any. */
  changedAt(record: RecOf[Entity]): string | undefined;
  /** The school a record names, if any. */
  schoolOf(record: RecOf[Entity]): string | undefined;
  /** Local refusal of a record naming no school. */
  missingSchool: { code: string; message: string };
  upsert<E extends Entity>(
    entity: E,
    school: string,
    records: RecOf[E][],
    idempotencyKey: string,
  ): Promise<ChunkReceipt>;
  /** Deletes one school's records by key (at most `maxBatch`). */
  remove(entity: Entity, school: string, keys: string[], idempotencyKey: string): Promise<ChunkReceipt>;
  health(): Promise<unknown>;
}

/**
 * Resume position inside one listing: school, page position, filter, the highest change time so far
 * (`wm`, with `since`), and when the listing started by the system's clock (`st`, epoch ms, never later
 * than truc's; a cursor without it was issued before BUG 6's fix); of the school being listed: its total
 * at its first page (`tot`), when that page was served by the system's clock (`sd`), the times it was
 * listed again (`rl`), whether it was given up on (`us`); whether any school of an incremental listing
 * was (`fz`: its watermark stays at `since`, none for a full listing).
 */
type Cursor<Pos> = Pos & {
  v: 1;
  school: string;
  ps?: number;
  since?: string;
  wm?: string;
  st?: number;
  tot?: number;
  sd?: number;
  rl?: number;
  us?: 1;
  fz?: 1;
};

/** Options of a school system's listings. */
export interface SchoolWalkOptions {
  /**
   * How far before a listing's start (by the system's clock) its watermark may lie at most: the allowance
   * for the system's record stamps running behind its `Date`; also how far ahead of a school's first page's
   * `Date` a stamp on that page may move the time the page counts as served (stamps running ahead).
   * @defaultValue {@link DEFAULT_WATERMARK_OVERLAP_SECONDS}
   */
  watermarkOverlapSeconds?: number | undefined;
  /** truc's clock (epoch ms): a listing's start is never later than it. @defaultValue Date.now */
  now?: (() => number) | undefined;
}

/** Default of {@link SchoolWalkOptions.watermarkOverlapSeconds} (config `systems.<smas|vnedu>`). */
export const DEFAULT_WATERMARK_OVERLAP_SECONDS = 60;

/** truc's clock and the watermark overlap, as a listing uses them. */
interface WalkClock {
  now(): number;
  overlapMs: number;
}

/** What the walker knows of the school it lists (kept in the cursor). */
interface SchoolWalk {
  tot?: number | undefined;
  /**
   * When the school's first page (of this pass) was served, by the system's clock (epoch ms): its `Date`,
   * or a later stamp on it ({@link servedAsStamped}).
   */
  sd?: number | undefined;
  rl: number;
  us: boolean;
}

/** The cursor fields of a school's walk. */
const walkFields = (w: SchoolWalk) => ({
  ...(w.tot !== undefined ? { tot: w.tot } : {}),
  ...(w.sd !== undefined ? { sd: w.sd } : {}),
  ...(w.rl > 0 ? { rl: w.rl } : {}),
  ...(w.us ? { us: 1 as const } : {}),
});

/**
 * Whether a record's change time lies in a later second than `servedAt` (both by the system's clock).
 * Stamps are whole seconds (SMAS's `NgayCapNhat`) and so is `Date`: a change in the very second its page
 * was served may have come before the page (it is then on it, or where the page left it), so only a
 * later second counts as a change made after the page.
 */
function changedAfter(stamp: string | undefined, servedAt: number): boolean {
  const ms = stamp === undefined ? NaN : Date.parse(stamp);
  return !Number.isNaN(ms) && Math.floor(ms / 1000) > Math.floor(servedAt / 1000);
}

/**
 * What a school's first page tells of when it was served, in the terms of its records' stamps: the page's
 * `Date`, or the latest stamp on the page when that is later (the system's record stamps may come from a
 * clock running ahead of its `Date`: a record on the page was changed before the page was served), by at
 * most `skewMs` (one far-off stamp does not blind the check).
 */
function servedAsStamped(servedAt: number, stamps: Array<string | undefined>, skewMs: number): number {
  let latest = servedAt;
  for (const stamp of stamps) {
    const ms = stamp === undefined ? NaN : Date.parse(stamp);
    if (ms > latest) latest = ms;
  }
  return Math.min(latest, servedAt + skewMs);
}

/**
 * A page against the school's walk: the walk as it goes on (with the school's total and the time its first
 * page was served, from its first page), or 'relist' — the school's set changed since its first page (its
 * total differs, or `changedSince` tells this later page lists a record changed after the first page was
 * served: a record removed and another added leave the total as it was), and it was listed again fewer
 * than {@link MAX_RELISTS} times — or 'unstable' (it changed once more: given up on now).
 */
function checkPage(
  w: SchoolWalk,
  page: { total?: number | undefined; servedAt?: number | undefined },
  changedSince: (servedAt: number) => boolean,
): SchoolWalk | 'relist' | 'unstable' {
  if (w.us) return w;
  const totalMoved = page.total !== undefined && w.tot !== undefined && page.total !== w.tot;
  if (totalMoved || (w.sd !== undefined && changedSince(w.sd)))
    return w.rl < MAX_RELISTS ? 'relist' : 'unstable';
  return {
    ...w,
    ...(w.tot === undefined && page.total !== undefined ? { tot: page.total } : {}),
    ...(w.sd === undefined && page.servedAt !== undefined ? { sd: page.servedAt } : {}),
  };
}

function encodeCursor<Pos>(c: Cursor<Pos>): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeCursor<Pos>(raw: string, t: { system: string; isPos(c: Record<string, unknown>): boolean }) {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (c.v === 1 && typeof c.school === 'string' && t.isPos(c)) return c as Cursor<Pos>;
  } catch {
    // fall through
  }
  throw new AppError('ERR_VALIDATION', `${t.system}: the resume cursor is not one this adapter issued`);
}

/** Earlier of an ISO instant and epoch ms (as ISO UTC); an unparseable instant is ignored. */
function earlierOf(a: string | undefined, ms: number): string {
  const ta = a === undefined ? NaN : Date.parse(a);
  return new Date(Number.isNaN(ta) ? ms : Math.min(ta, ms)).toISOString();
}

/**
 * The watermark a listing ends with (BUG 6): the records of schools already walked may change while later
 * schools are listed, so the latest change time seen may be later than changes this listing did not see.
 * It is the latest change time seen (`latest`, which holds `since` when nothing changed) but never later
 * than the listing's start by the system's clock less `overlapMs` (record stamps a little behind the
 * system's `Date`, the first page's own round trip), and never earlier than `since`: so never later than
 * the latest change seen (the rule before), and a change made during the listing comes in the next
 * incremental one. A listing resumed from a cursor issued before this rule (no start) keeps `since`
 * (a full one: the latest change seen, as before).
 */
function watermarkOf(w: {
  since: string | undefined;
  latest: string | undefined;
  start: number | undefined;
  overlapMs: number;
  legacy: boolean;
}): string | undefined {
  if (w.legacy || w.start === undefined) return w.since ?? w.latest;
  return laterOf(w.since, earlierOf(w.latest, w.start - w.overlapMs));
}

/** Later of two ISO instants (as ISO UTC); unparseable values are ignored. */
function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  const ta = a === undefined ? NaN : Date.parse(a);
  const tb = b === undefined ? NaN : Date.parse(b);
  if (Number.isNaN(ta)) return Number.isNaN(tb) ? a : new Date(tb).toISOString();
  if (Number.isNaN(tb) || ta >= tb) return new Date(ta).toISOString();
  return new Date(tb).toISOString();
}

/**
 * The pages of one school from `from`, listed again from its first page when its set changed since that
 * page ({@link checkPage}); each with the school's walk after it, and whether the school was given up on
 * at it.
 */
async function* schoolPages<
  Entity extends string,
  RecOf extends Record<Entity, unknown>,
  Pos,
  E extends Entity,
>(
  t: SchoolSystemTransport<Entity, RecOf, Pos>,
  entity: E,
  school: string,
  from: { pos: Pos; walk: SchoolWalk },
  q: { since?: string; pageSize?: number },
  skewMs: number,
): AsyncGenerator<{ page: WalkPage<RecOf[E], Pos>; walk: SchoolWalk; givenUp: boolean }> {
  let { pos, walk } = from;
  for (let again = true; again; pos = t.firstPos) {
    again = false;
    for await (const page of t.pages(entity, school, { pos, ...q })) {
      const changedSince = (servedAt: number) =>
        t.shifting && page.items.some((r) => changedAfter(t.changedAt(r), servedAt));
      const served =
        page.servedAt === undefined || walk.sd !== undefined
          ? undefined
          : servedAsStamped(
              page.servedAt,
              page.items.map((r) => t.changedAt(r)),
              skewMs,
            );
      const checked = checkPage(walk, { total: page.total, servedAt: served }, changedSince);
      if (checked === 'relist') {
        walk = { rl: walk.rl + 1, us: false };
        again = true;
        break;
      }
      walk = checked === 'unstable' ? { ...walk, us: true } : checked;
      yield { page, walk, givenUp: checked === 'unstable' };
    }
  }
}

/**
 * The watermark of a listing as its pages come ({@link watermarkOf}), resumed from `resume`: the latest
 * change time seen (`wm`), the listing's start by the system's clock from its first page (`st`), whether
 * a school was given up on (`fz`: the watermark stays at `since`; a full listing tells none, review17 B3:
 * the school's records its last pass skipped may be older than any change seen).
 */
function listingMarks(
  resume: { wm?: string; st?: number; fz?: 1 } | undefined,
  since: string | undefined,
  clock: WalkClock,
) {
  let latest = resume?.wm ?? since;
  let start = typeof resume?.st === 'number' ? resume.st : undefined;
  const legacy = resume !== undefined && start === undefined;
  let frozen = resume?.fz === 1;
  return {
    /** Takes a page in: when it was served, its records' change times, whether its school was given up on. */
    page(servedAt: number | undefined, stamps: Iterable<string | undefined>, givenUp: boolean) {
      if (start === undefined && !legacy) start = Math.min(servedAt ?? Infinity, clock.now());
      frozen = frozen || givenUp;
      for (const stamp of stamps) latest = laterOf(latest, stamp);
    },
    /** The cursor fields that resume it. */
    state: () => ({
      ...(latest ? { wm: latest } : {}),
      ...(start !== undefined ? { st: start } : {}),
      ...(frozen ? { fz: 1 as const } : {}),
    }),
    /** The watermark if the listing ended now. */
    watermark: () =>
      frozen
        ? since
        : watermarkOf({ since, latest, start: start ?? clock.now(), overlapMs: clock.overlapMs, legacy }),
  };
}

/** A school's walk as a cursor resumes it (a fresh one when the cursor is not at that school). */
const walkOf = (c: Partial<Cursor<unknown>> | undefined): SchoolWalk => ({
  tot: c?.tot,
  sd: c?.sd,
  rl: c?.rl ?? 0,
  us: c?.us === 1,
});

/**
 * Changes of `entity` across every school (or `opts.schoolCode`) in code order, page by page; the cursor
 * resumes mid-listing (a vanished school resumes at the next code) and keeps the page size it was counted
 * in; the last page carries the watermark ({@link watermarkOf}: the latest change time seen, never later
 * than the listing's start by the system's clock less the overlap, never earlier than `since`).
 * A school whose total (where the system tells it) changes between its pages, or (a system whose pages
 * shift) whose later page lists a record changed after its first page was served, is listed again from
 * its first page (its records already handed over come again), at most {@link MAX_RELISTS} times; then it
 * is given up on: the page names it in `unstableScopes` (a full run deletes nothing of it), its remaining
 * pages are listed as they come, and the listing's watermark stays at `since` (a full one tells none).
 */
async function* listSchoolChanges<
  Entity extends string,
  RecOf extends Record<Entity, unknown>,
  Pos,
  E extends Entity,
>(
  t: SchoolSystemTransport<Entity, RecOf, Pos>,
  entity: E,
  opts: ListChangesOptions,
  clock: WalkClock,
): AsyncGenerator<ChangeFeed<RecOf[E]>> {
  const resume = opts.cursor === undefined ? undefined : decodeCursor<Pos>(opts.cursor, t);
  const since = resume ? resume.since : opts.since;
  const marks = listingMarks(resume, since, clock);
  const pageSize = resume?.ps ?? opts.pageSize;
  const all = opts.schoolCode ? [opts.schoolCode] : await t.listSchools();
  const schools = resume === undefined ? all : all.filter((code) => code >= resume.school);
  const tail = { ...(pageSize ? { ps: pageSize } : {}), ...(since ? { since } : {}) };
  const query = { ...(since ? { since } : {}), ...(pageSize ? { pageSize } : {}) };
  let yielded = false;
  /** Schools given up on, not yet named on a page handed over. */
  let unstable: string[] = [];
  const ending = () => {
    const wm = marks.watermark();
    const scopes = unstable.length > 0 ? { unstableScopes: unstable } : {};
    unstable = [];
    return { ...(wm ? { watermark: wm } : {}), ...scopes };
  };
  for (const [i, school] of schools.entries()) {
    const resumed = resume && school === resume.school ? resume : undefined;
    const from = { pos: resumed ?? t.firstPos, walk: walkOf(resumed) };
    const pages = schoolPages(t, entity, school, from, query, clock.overlapMs);
    for await (const { page, walk, givenUp } of pages) {
      if (givenUp) unstable.push(school);
      marks.page(
        page.servedAt,
        page.items.map((r) => t.changedAt(r)),
        givenUp,
      );
      const nextSchool = schools[i + 1];
      const next: Cursor<Pos> | undefined =
        page.next !== undefined
          ? { ...page.next, v: 1, school, ...walkFields(walk) }
          : nextSchool !== undefined
            ? { ...t.firstPos, v: 1, school: nextSchool }
            : undefined;
      if (page.items.length === 0 && next !== undefined) continue; // nothing to hand over yet
      yielded = true;
      if (next === undefined) {
        yield { items: page.items, ...ending() };
        return;
      }
      const { watermark: _last, ...scopes } = ending();
      const nextCursor = encodeCursor({ ...next, ...tail, ...marks.state() });
      yield { items: page.items, nextCursor, ...scopes };
    }
  }
  if (!yielded) yield { items: [], ...ending() };
}

/**
 * Derived idempotency key of one (school, chunk) of a batch: the caller's key when the batch is one
 * request; else the caller's key, the school, the chunk's position and a digest of the chunk's body. A
 * batch sent again after one of its requests failed re-reads its records: a chunk with the same body is
 * replayed under its key, and a chunk whose records changed meanwhile is another request under a key of
 * its own (the same key with another body would be refused by the vendor, and the chunks after it never
 * sent; review15 BUG 1).
 */
function chunkKey(key: string, school: string, chunk: number, single: boolean, body: unknown): string {
  if (single) return key;
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  const composite = `${key}:${school}:${chunk}:${digest}`;
  return composite.length <= 128 ? composite : createHash('sha256').update(composite).digest('hex');
}

/** Indexes of each school's items; items naming no school are refused locally. */
function groupBySchool<T>(
  items: readonly T[],
  schoolOf: (item: T) => string | undefined,
  missingSchool: { code: string; message: string },
): { groups: Map<string, number[]>; missing: WriteRejection[] } {
  const groups = new Map<string, number[]>();
  const missing: WriteRejection[] = [];
  items.forEach((item, index) => {
    const school = schoolOf(item)?.trim();
    if (!school) {
      missing.push({ index, ...missingSchool });
      return;
    }
    groups.set(school, [...(groups.get(school) ?? []), index]);
  });
  return { groups, missing };
}

/**
 * Sends a batch school by school, in chunks of at most `maxBatch` (`send` makes one call, inside
 * `opts.through` when given), and merges the receipts (rejection indexes back to positions in `items`).
 */
async function perSchool<T>(
  t: { maxBatch: number; missingSchool: { code: string; message: string } },
  items: readonly T[],
  schoolOf: (item: T) => string | undefined,
  opts: WriteOptions,
  send: (school: string, chunk: T[], idempotencyKey: string) => Promise<ChunkReceipt>,
): Promise<WriteReceipt> {
  const { groups, missing } = groupBySchool(items, schoolOf, t.missingSchool);
  const rejected: WriteRejection[] = [...missing];
  const receiptIds: string[] = [];
  let accepted = 0;
  let calls = 0;
  let replays = 0;
  const single = groups.size === 1 && items.length <= t.maxBatch;
  for (const [school, indexes] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (let start = 0, chunk = 0; start < indexes.length; start += t.maxBatch, chunk++) {
      const idx = indexes.slice(start, start + t.maxBatch);
      const body = idx.map((i) => items[i] as T);
      const key = chunkKey(opts.idempotencyKey, school, chunk, single, body);
      const call = () => send(school, body, key);
      const receipt = opts.through ? await opts.through(call) : await call();
      calls++;
      if (receipt.replayed) replays++;
      accepted += receipt.accepted;
      receiptIds.push(receipt.receiptId);
      for (const e of receipt.rejected) rejected.push({ ...e, index: idx[e.index] ?? -1 });
    }
  }
  rejected.sort((a, b) => a.index - b.index);
  return {
    accepted,
    rejected,
    ...(receiptIds.length > 0 ? { receiptId: receiptIds.join(',') } : {}),
    ...(calls > 0 && replays === calls ? { replayed: true } : {}),
  };
}

/** Health probe: ok, or the AppError code of the failure. */
async function schoolSystemHealth(probe: () => Promise<unknown>): Promise<HealthResult> {
  try {
    await probe();
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: err instanceof AppError ? err.code : 'ERR_INTERNAL' };
  }
}

/**
 * The adapter of a school system over its transport: {@link listSchoolChanges}, writes and deletes
 * through {@link perSchool}, and {@link schoolSystemHealth}.
 */
export function schoolSystemAdapter<Entity extends string, RecOf extends Record<Entity, unknown>, Pos>(
  t: SchoolSystemTransport<Entity, RecOf, Pos>,
  opts: SchoolWalkOptions = {},
): SchoolSystemAdapter<Entity, RecOf> {
  const clock: WalkClock = {
    now: opts.now ?? Date.now,
    overlapMs: (opts.watermarkOverlapSeconds ?? DEFAULT_WATERMARK_OVERLAP_SECONDS) * 1000,
  };
  return {
    system: t.system,
    listChanges: (entity, o) => listSchoolChanges(t, entity, o, clock),
    write: (entity, records, o) =>
      perSchool(
        t,
        records,
        (r) => t.schoolOf(r),
        o,
        (school, chunk, key) => t.upsert(entity, school, chunk, key),
      ),
    remove: (entity, keys, o) =>
      perSchool(
        t,
        keys,
        (k) => k.school,
        o,
        (school, chunk, key) =>
          t.remove(
            entity,
            school,
            chunk.map((k) => k.key),
            key,
          ),
      ),
    health: () => schoolSystemHealth(() => t.health()),
  };
}
