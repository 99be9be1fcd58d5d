/**
 * Simulator data shared by the per-school vendor systems (SMAS, vnEdu): which population schools a
 * system serves, each school's records in a stable order computed on the fly (never held), and the
 * overlay of records written to it (only those are kept in memory, bounded). Filtering and skipping use
 * only the change times, so a record is built only when it is served. Deleted keys are kept per school
 * (bounded with the overlay) and keep their place, not served, until written again (a position cursor
 * skips nothing; SMAS's page numbers count only what is served). The wire form of each record is
 * the system's own (given as `wireOf`): only the walking is shared.
 */
import type { ClassGroup } from '../../canonical/class-group.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';
import type { Population } from '../population/index.js';

/** The entities a school-management system serves. */
export type SchoolEntity = 'students' | 'staff' | 'classes';

/** A system's wire builders: population record + change time (ISO) → wire record. */
export interface WireBuilders<RecOf extends Record<SchoolEntity, unknown>> {
  students(s: Student, changedAt: string): RecOf['students'];
  staff(t: Staff, changedAt: string): RecOf['staff'];
  classes(c: ClassGroup, changedAt: string): RecOf['classes'];
}

/** What {@link createSchoolSystemData} needs to know of one system. */
export interface SchoolSystemSpec<RecOf extends Record<SchoolEntity, unknown>> {
  /** Whether the system serves population school `s`. */
  serves(schoolIndex: number): boolean;
  wireOf: WireBuilders<RecOf>;
}

/** One record of a school's sequence: its key, wire form and change time (epoch ms). */
export interface SeqItemOf<Rec> {
  key: string;
  wire: Rec;
  at: number;
}

/**
 * Records of one population index (a student held twice is a unit of two), built on demand. A deleted
 * record keeps its place as a `gone` unit (never served): positions after it stay where they were, so a
 * listing resumed by position (vnEdu's cursor) skips nothing when a record before it is deleted.
 */
interface UnitOf<Rec> {
  at: number;
  size: number;
  gone?: true;
  make(): SeqItemOf<Rec>[];
}

/** What {@link SchoolSystemData.select} skips: by sequence position and/or by number of matches. */
export interface Selection {
  sinceMs: number;
  fromPos?: number;
  skipMatches?: number;
}

/** Stride of class indexes for `changedAt('class', …)` (same as the other simulators use). */
const CLASS_STRIDE = 1024;
/** Most written records kept per simulator; writes beyond are refused (503). */
const MAX_OVERLAY = 200_000;

/** The units of one school's entity as the population holds them, in sequence order. */
function* populationUnits<RecOf extends Record<SchoolEntity, unknown>>(
  pop: Population,
  sizes: { studentsPerSchool: number; staffPerSchool: number },
  wireOf: WireBuilders<RecOf>,
  entity: SchoolEntity,
  s: number,
): Generator<UnitOf<RecOf[SchoolEntity]>> {
  if (entity === 'students') {
    const first = pop.firstStudentOf(s);
    for (let g = first; g < first + sizes.studentsPerSchool; g++) {
      const iso = pop.changedAt('student', g);
      const at = Date.parse(iso);
      const size = pop.discrepancyOf(g) === 'duplicate_record' ? 2 : 1;
      const make = () =>
        pop.studentRecordsAt(g).map((r) => ({ key: r.studentCode, wire: wireOf.students(r, iso), at }));
      yield { at, size, make };
    }
  } else if (entity === 'staff') {
    for (let t = s * sizes.staffPerSchool; t < (s + 1) * sizes.staffPerSchool; t++) {
      const iso = pop.changedAt('staff', t);
      const at = Date.parse(iso);
      const make = () => {
        const r = pop.staff(t);
        return [{ key: r.staffCode, wire: wireOf.staff(r, iso), at }];
      };
      yield { at, size: 1, make };
    }
  } else {
    for (let k = 0; k < pop.classCount(s); k++) {
      const iso = pop.changedAt('class', s * CLASS_STRIDE + k);
      const at = Date.parse(iso);
      const make = () => {
        const r = pop.classOf(s, k);
        return [{ key: r.classCode, wire: wireOf.classes(r, iso), at }];
      };
      yield { at, size: 1, make };
    }
  }
}

/**
 * Written records replace the population's of the same key; new keys follow the population; deleted
 * keys keep their place as `gone` units.
 */
function* withOverlay<Rec>(
  units: Iterable<UnitOf<Rec>>,
  over: ReadonlyMap<string, SeqItemOf<Rec>>,
  gone: ReadonlySet<string>,
): Generator<UnitOf<Rec>> {
  const replaced = new Set<string>();
  const unitOf = (item: SeqItemOf<Rec>): UnitOf<Rec> => ({
    at: item.at,
    size: 1,
    ...(gone.has(item.key) ? { gone: true as const } : {}),
    make: () => [item],
  });
  for (const unit of units) {
    for (const item of unit.make()) {
      const written = over.get(item.key);
      if (written) replaced.add(item.key);
      yield unitOf(written ?? item);
    }
  }
  for (const [key, item] of over) if (!replaced.has(key)) yield unitOf(item);
}

/**
 * Records of `units` changed at or after `sinceMs`, in sequence order, with their positions: from
 * position `fromPos` on, after skipping the first `skipMatches` matches.
 */
function* selectFrom<Rec>(
  units: Iterable<UnitOf<Rec>>,
  sel: Selection,
): Generator<{ pos: number; item: SeqItemOf<Rec> }> {
  const fromPos = sel.fromPos ?? 0;
  let toSkip = sel.skipMatches ?? 0;
  let pos = 0;
  for (const unit of units) {
    const start = pos;
    pos += unit.size;
    if (unit.gone || unit.at < sel.sinceMs || pos <= fromPos) continue;
    const inRange = unit.size - Math.max(0, fromPos - start);
    if (toSkip >= inRange) {
      toSkip -= inRange;
      continue;
    }
    for (const [i, item] of unit.make().entries()) {
      if (start + i < fromPos) continue;
      if (toSkip > 0) {
        toSkip--;
        continue;
      }
      yield { pos: start + i, item };
    }
  }
}

/**
 * What was written to and deleted from a simulator, per `entity|school`, over the units `base` gives:
 * bounded at {@link MAX_OVERLAY} records; `version` changes with every write or delete.
 */
function createOverlay<Rec>(base: (entity: SchoolEntity, s: number) => Iterable<UnitOf<Rec>>) {
  const written = new Map<string, Map<string, SeqItemOf<Rec>>>();
  /** Keys deleted per `entity|school` (and not written since): no longer served. */
  const deleted = new Map<string, Set<string>>();
  let size = 0;
  let version = 0;

  /** The units of one school as served now: the population's, or with the school's writes and deletes. */
  function current(entity: SchoolEntity, s: number): Iterable<UnitOf<Rec>> {
    const over = written.get(`${entity}|${s}`);
    const gone = deleted.get(`${entity}|${s}`);
    return over || gone
      ? withOverlay(base(entity, s), over ?? new Map(), gone ?? new Set())
      : base(entity, s);
  }

  /**
   * Stores written records of one school (upsert by key; a deleted key is live again, in its place);
   * false when full. A key counts once towards the bound, written or deleted or both.
   */
  function write(entity: SchoolEntity, s: number, items: Array<{ key: string; wire: Rec }>, at: number) {
    const slot = written.get(`${entity}|${s}`) ?? new Map<string, SeqItemOf<Rec>>();
    const added = new Set(items.map((i) => i.key).filter((k) => !slot.has(k))).size;
    if (size + added > MAX_OVERLAY) return false;
    const gone = deleted.get(`${entity}|${s}`);
    for (const i of items) {
      const had = slot.has(i.key);
      slot.set(i.key, { key: i.key, wire: i.wire, at });
      if (gone?.delete(i.key) && !had) size--;
    }
    written.set(`${entity}|${s}`, slot);
    size += added;
    version++;
    return true;
  }

  /**
   * Deletes records of one school by key: they are no longer served until written again (a written one
   * keeps its place among the written, as a population one among the population). Returns the keys the
   * school held (the others change nothing), or false when the overlay is full.
   */
  function remove(entity: SchoolEntity, s: number, keys: readonly string[]): string[] | false {
    const wanted = new Set(keys);
    const held: string[] = [];
    for (const unit of current(entity, s))
      if (!unit.gone) for (const item of unit.make()) if (wanted.delete(item.key)) held.push(item.key);
    if (held.length === 0) return held;
    const gone = deleted.get(`${entity}|${s}`) ?? new Set<string>();
    const slot = written.get(`${entity}|${s}`);
    const added = held.filter((k) => !slot?.has(k)).length;
    if (size + added > MAX_OVERLAY) return false;
    for (const key of held) gone.add(key);
    deleted.set(`${entity}|${s}`, gone);
    size += added;
    version++;
    return held;
  }

  return { current, write, remove, version: () => version };
}

/** The data side of one school-system simulator. */
export function createSchoolSystemData<RecOf extends Record<SchoolEntity, unknown>>(
  pop: Population,
  sizes: { studentsPerSchool: number; staffPerSchool: number },
  spec: SchoolSystemSpec<RecOf>,
) {
  const overlay = createOverlay((entity, s) => populationUnits(pop, sizes, spec.wireOf, entity, s));
  const counts = new Map<string, number>();
  const served: number[] = [];
  for (let s = 0; s < pop.counts.schools; s++) if (spec.serves(s)) served.push(s);
  const order = served
    .map((s) => ({ s, code: pop.school(s).schoolCode }))
    .sort((a, b) => (a.code < b.code ? -1 : 1));

  /** Number of records changed at or after `sinceMs` (cached per data version). */
  function count(entity: SchoolEntity, s: number, sinceMs: number): number {
    const key = `${entity}|${s}|${sinceMs}|${overlay.version()}`;
    const hit = counts.get(key);
    if (hit !== undefined) return hit;
    let n = 0;
    for (const unit of overlay.current(entity, s)) if (!unit.gone && unit.at >= sinceMs) n += unit.size;
    if (counts.size > 1_000) counts.clear();
    counts.set(key, n);
    return n;
  }

  return {
    /** Served schools ordered by code: `{ s: population index, code }`. */
    schools: order,
    /** Name of population school `s`. */
    nameOf: (s: number): string => pop.school(s).name,
    /** Population index of a school code the system serves, else undefined. */
    servedIndexOf(code: string): number | undefined {
      const s = pop.schoolIndexOf(code);
      return s !== undefined && spec.serves(s) ? s : undefined;
    },
    /** Records changed at or after `sel.sinceMs`, in sequence order, with their positions. */
    select: (entity: SchoolEntity, s: number, sel: Selection) => selectFrom(overlay.current(entity, s), sel),
    count,
    /** Stores written records of one school (upsert by key; a deleted key is live again); false when full. */
    write: <E extends SchoolEntity>(
      entity: E,
      s: number,
      items: Array<{ key: string; wire: RecOf[E] }>,
      at: number,
    ): boolean => overlay.write(entity, s, items, at),
    remove: overlay.remove,
  };
}

/** The data side of one simulator of a system with record types `RecOf`. */
export type SchoolSystemData<RecOf extends Record<SchoolEntity, unknown>> = ReturnType<
  typeof createSchoolSystemData<RecOf>
>;
