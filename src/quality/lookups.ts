/**
 * The store lookups the store checks are fed by: what each asks (`QualityLookups`), and `fetchFacts`,
 * which asks every lookup a batch needs once, all at once (a fixed number of queries whatever the
 * batch size), so a store may answer them together in one statement.
 */
import type { EntityName } from '../canonical/entities.js';
import { scopeOf } from '../canonical/entities.js';
import { twinKey } from './rules/sach-duplicates.js';
import type {
  ActiveHolder,
  IdHolder,
  LastSync,
  LookupName,
  Owners,
  SchoolFacts,
  StoreFacts,
  StoredRecord,
  WebsiteProbe,
} from './rules/define.js';
import type { BatchContext, Rec } from './types.js';

/**
 * Store lookups the store-backed rules need, each answering for a whole batch in one query. A
 * lookup left out switches its rules off. The engine asks every lookup a batch needs at once (none
 * waits for another's answer), so a store may answer them together in one statement.
 */
export interface QualityLookups {
  /** Facts (level) of these schools. */
  schools?(codes: readonly string[]): Promise<ReadonlyMap<string, SchoolFacts>>;
  /** The known classes of these (school, school year) pairs, as `school/year/class`. */
  classes?(
    pairs: readonly (readonly [schoolCode: string, schoolYear: string])[],
  ): Promise<ReadonlySet<string>>;
  /**
   * Active records (any school) holding these personal IDs. `askers` are the batch's records holding
   * them: a lookup may leave out a holder that is, for every asker of its personal ID, the asker itself
   * (same key) or at the asker's school: the two-schools rule cannot match it.
   */
  activeHolders?(
    entity: EntityName,
    personalIds: readonly string[],
    askers: readonly Asker[],
  ): Promise<ReadonlyMap<string, readonly ActiveHolder[]>>;
  /**
   * Live records holding an asker's personal ID in the asker's scope (its school; a person: its commune),
   * whatever their status, but the asker itself. A lookup may also return other holders (the check
   * compares scopes and keys), and may leave out the batch's own records (the rule judges those as the
   * batch has them). Asked with the same askers as `activeHolders`, so a store may answer both by one
   * probe per asker (issue 7: asked by scopes and IDs, the store read back every record of a re-sent batch).
   */
  scopeHolders?(
    entity: EntityName,
    askers: readonly Asker[],
  ): Promise<ReadonlyMap<string, readonly IdHolder[]>>;
  /** The authoritative (city database) copies of these records, by natural key. */
  authoritative?(entity: EntityName, keys: readonly string[]): Promise<ReadonlyMap<string, Rec>>;
  /** The last successful sync of these schools, per system. */
  lastSyncs?(schoolCodes: readonly string[]): Promise<ReadonlyMap<string, readonly LastSync[]>>;
  /** How many records of `entity` these schools hold in `schoolYear`. */
  currentYearCounts?(
    entity: EntityName,
    schoolCodes: readonly string[],
    schoolYear: string,
  ): Promise<ReadonlyMap<string, number>>;
  /** The school (a person: the commune) holding each of these keys in the store, where one does. */
  owners?(entity: EntityName, keys: readonly string[]): Promise<Owners>;
  /**
   * Stored records of `entity` born on these dates, by date. A lookup may leave out the records
   * whose twin key (`twinKey`, ./rules/sach-duplicates.ts) is not among `twinKeys`, a record whose
   * key is that of every asker of its twin key (`twins`: the batch's records, twin key, key and whether
   * they hold a personal ID), and a record holding a personal ID when every asker of its twin key holds
   * one too: the duplicate rule cannot match them.
   */
  bornOn?(
    entity: EntityName,
    dates: readonly string[],
    twinKeys: readonly string[],
    twins: readonly Twin[],
  ): Promise<ReadonlyMap<string, readonly StoredRecord[]>>;
  /** The last probe of these schools' websites, by school code. */
  websiteProbes?(schoolCodes: readonly string[]): Promise<ReadonlyMap<string, WebsiteProbe>>;
}

/** A record of the batch asking for its stored twins: its twin key, its key, whether it holds a personal ID. */
export interface Twin {
  readonly twinKey: string;
  readonly key: string;
  readonly hasId: boolean;
}

/** A record of the batch asking who else holds its personal ID. */
export interface Asker {
  readonly personalId: string;
  readonly key: string;
  readonly schoolCode: string | undefined;
  /** Its scope (`scopeOf`: its school; a person: its commune; '' when it has none). */
  readonly scope: string;
}

const distinct = (values: Iterable<string | undefined>): string[] =>
  [...new Set(values)].filter((v): v is string => v !== undefined && v !== '');

/** What the lookups are asked about a batch's records (see {@link asksOf}). */
interface Asks {
  /** Distinct, in order of first occurrence, without '' (as `distinct` gives them). */
  readonly schools: string[];
  readonly ids: string[];
  readonly dates: string[];
  readonly twinKeys: string[];
  /** The distinct (school, school year) pairs of the records that name a class. */
  readonly pairs: (readonly [string, string])[];
  /** The records holding a personal ID, as askers of who else holds it. */
  readonly askers: Asker[];
  /** The records with a twin key (birth date and name key), as askers of their stored twins. */
  readonly twins: Twin[];
}

const values = (set: Set<string>): string[] => {
  set.delete('');
  return [...set];
};

/**
 * What the lookups are asked, gathered in one pass over the records (issue 7: a pass per field, each
 * with its own arrays, cost ~2 ms of a 1000-record page). `twins` only when asked for.
 */
function asksOf(
  entity: EntityName,
  records: readonly Rec[],
  keys: readonly string[],
  want: { readonly twins: boolean },
  twinKeysOf?: readonly (string | undefined)[],
): Asks {
  const [schools, ids, dates, twinKeys] = [0, 1, 2, 3].map(() => new Set<string>());
  const pairs = new Map<string, readonly [string, string]>();
  const askers: Asker[] = [];
  const twins: Twin[] = [];
  // A batch's records are mostly of one school and year: a pair like the last one is not made again (issue 7).
  let last: readonly [string, string] | undefined;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const school = r['schoolCode'];
    const id = r['personalId'];
    const birth = r['birthDate'];
    if (typeof school === 'string') schools!.add(school);
    if (typeof birth === 'string') dates!.add(birth);
    if (typeof r['classCode'] === 'string') {
      const s = String(school);
      const y = String(r['schoolYear']);
      if (last === undefined || last[0] !== s || last[1] !== y) {
        const key = `${s}/${y}`;
        last = pairs.get(key) ?? [s, y];
        pairs.set(key, last);
      }
    }
    if (typeof id === 'string' && id !== '') {
      ids!.add(id);
      askers.push({
        personalId: id,
        key: keys[i] ?? '',
        schoolCode: typeof school === 'string' ? school : undefined,
        scope: scopeOf(entity, r),
      });
    }
    const twin = !want.twins ? undefined : twinKeysOf ? twinKeysOf[i] : twinKey(r);
    if (twin !== undefined) {
      twins.push({ twinKey: twin, key: keys[i] ?? '', hasId: id !== undefined });
      twinKeys!.add(twin);
    }
  }
  return {
    schools: values(schools!),
    ids: values(ids!),
    dates: values(dates!),
    twinKeys: values(twinKeys!),
    pairs: [...pairs.values()],
    askers,
    twins,
  };
}

/**
 * Fetches what the live store checks need, one lookup call each, all asked at once (nothing awaited
 * between them), so a store can answer them together in one statement (src/jobs/judge-lookups.ts does).
 */
export async function fetchFacts(
  ctx: BatchContext,
  records: readonly Rec[],
  keys: readonly string[],
  needs: ReadonlySet<LookupName>,
  lookups: QualityLookups,
  /** Per record, its twin key where worked out already (else worked out here). */
  twinKeysOf?: readonly (string | undefined)[],
): Promise<{ facts: StoreFacts; calls: number }> {
  const facts: { -readonly [K in keyof StoreFacts]: StoreFacts[K] } = {};
  const asked: Promise<void>[] = [];
  const ask = <K extends LookupName>(name: K, answer: Promise<StoreFacts[K]>): void => {
    asked.push(answer.then((value) => void (facts[name] = value)));
  };
  const wanted = (name: LookupName) => needs.has(name) && lookups[name] !== undefined;
  const want = { twins: wanted('bornOn') };
  const { schools, ids, dates, twinKeys, pairs, askers, twins } = asksOf(
    ctx.entity,
    records,
    keys,
    want,
    twinKeysOf,
  );
  const ownSchools = ctx.schoolCode === undefined ? [] : [ctx.schoolCode];
  const byKey = wanted('authoritative') || wanted('owners');
  const batchKeys = byKey ? distinct(keys) : [];
  // The batch's own school too (DUNG_SCHOOL_UNLISTED: whether the list has it, whatever its records name).
  if (ctx.schoolCode !== undefined && !schools.includes(ctx.schoolCode)) schools.push(ctx.schoolCode);
  if (needs.has('schools') && lookups.schools && schools.length > 0) {
    ask('schools', lookups.schools(schools));
  }
  if (needs.has('classes') && lookups.classes && pairs.length > 0) {
    ask('classes', lookups.classes(pairs));
  }
  if (needs.has('activeHolders') && lookups.activeHolders && ids.length > 0) {
    ask('activeHolders', lookups.activeHolders(ctx.entity, ids, askers));
  }
  if (needs.has('scopeHolders') && lookups.scopeHolders && ids.length > 0) {
    ask('scopeHolders', lookups.scopeHolders(ctx.entity, askers));
  }
  if (needs.has('authoritative') && lookups.authoritative && keys.length > 0) {
    ask('authoritative', lookups.authoritative(ctx.entity, batchKeys));
  }
  if (needs.has('lastSyncs') && lookups.lastSyncs && ownSchools.length > 0) {
    ask('lastSyncs', lookups.lastSyncs(ownSchools));
  }
  if (needs.has('currentYearCounts') && lookups.currentYearCounts && ownSchools.length > 0) {
    ask('currentYearCounts', lookups.currentYearCounts(ctx.entity, ownSchools, ctx.schoolYear));
  }
  if (needs.has('bornOn') && lookups.bornOn && dates.length > 0) {
    ask('bornOn', lookups.bornOn(ctx.entity, dates, twinKeys, twins));
  }
  if (needs.has('websiteProbes') && lookups.websiteProbes && schools.length > 0) {
    ask('websiteProbes', lookups.websiteProbes(schools));
  }
  if (needs.has('owners') && lookups.owners && keys.length > 0) {
    ask('owners', lookups.owners(ctx.entity, batchKeys));
  }
  await Promise.all(asked);
  return { facts, calls: asked.length };
}
