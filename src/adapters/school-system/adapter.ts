/**
 * The adapter logic shared by the per-school vendor systems (SMAS, vnEdu): `listChanges` walks every
 * school a credential covers in code order with a resumable cursor (cursor.ts) and a watermark
 * (watermark.ts), listing a school again when its set changes under the walk; `write` (upserts) and
 * `remove` (deletes by key) split a batch by school and into vendor-sized chunks (writes.ts); `health`
 * turns a failed probe into `{ ok: false }`. Each system plugs in its own transport and wire fields through
 * {@link SchoolSystemTransport}: the wire formats stay the systems' own.
 */
import { AppError } from '../../errors.js';
import type {
  ChangeFeed,
  HealthResult,
  ListChangesOptions,
  SourceTargetAdapter,
  WriteOptions,
  WriteReceipt,
} from '../types.js';
import { decodeCursor, encodeCursor, walkFields, walkOf, type Cursor, type SchoolWalk } from './cursor.js';
import { MAX_RELISTS } from './transport.js';
import { listingMarks, type WalkClock } from './watermark.js';
import { perSchool, type ChunkReceipt } from './writes.js';

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
