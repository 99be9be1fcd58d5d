/**
 * The quality engine's store lookups for a batch being judged (./judge.ts `check`), answered together:
 * one request to the store for every lookup asked in the same synchronous turn.
 */
import type { EntityName } from '../config.js';
import type { IdHolder, Owners, QualityLookups, Rec, StoredRecord } from '../quality/index.js';
import type { Batch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { groupBy } from '../store/quality-facts.js';
import { createQualityRepo, type QualityFactAsks, type QualityFacts } from '../store/quality.js';
import type { ExistingRow } from '../store/records.js';
import { createWebsiteProbesRepo } from '../store/website-probes.js';

/**
 * The store lookups of the store-backed rules, answered together: the engine asks every lookup a batch
 * needs at once (src/quality/lookups.ts), each call adds its part to one request, and the request goes
 * to the store as one statement once the engine has asked them all (after the current synchronous
 * turn). The owners come from the stored copies already read; website probes, asked of school batches
 * only, are their own query.
 */
type FactAsks = { -readonly [K in keyof QualityFactAsks]: QualityFactAsks[K] };

/**
 * One store request for the lookups asked in the same synchronous turn: each `ask` adds its part, and the
 * request is sent (one statement, `createQualityRepo.facts`) once the turn is over; all share its answer.
 */
function factsAsker(q: Queryable): (add: (a: FactAsks) => void) => Promise<QualityFacts> {
  const repo = createQualityRepo(q);
  let asks: FactAsks | undefined;
  let answer: Promise<QualityFacts> | undefined;
  return (add) => {
    if (asks === undefined || answer === undefined) {
      const request: FactAsks = {};
      asks = request;
      answer = Promise.resolve().then(() => {
        asks = undefined;
        return repo.facts(request);
      });
    }
    add(asks);
    return answer;
  };
}

/** The system whose copy of a record is authoritative: the city database. */
const CITY = 'hcm-csdl';

/**
 * Of `keys`, those that may have an authoritative copy: a live stored copy written by the city database,
 * or one whose writer the read did not say, or a key the read did not ask about (issue 7: a vendor's
 * batch of its own records asked the store for 1,000 rows by key that the read had just found written
 * by the vendor, or found missing).
 */
function mayBeFromCity(
  keys: readonly string[],
  existing: ReadonlyMap<string, ExistingRow>,
  read: ReadonlySet<string>,
): string[] {
  return keys.filter((key) => {
    const row = existing.get(key);
    if (row === undefined) return !read.has(key);
    return !row.deleted && (row.sourceSystem === undefined || row.sourceSystem === CITY);
  });
}

/**
 * The owners of the keys of `rows` (the stored copies read): each row's scope, read through the rows themselves
 * (issue 7: a copy of a changed batch's 1000 rows into a Map of pairs, ~0.2 MB a batch of garbage, for a few reads).
 */
export const ownersOf = (rows: ReadonlyMap<string, ExistingRow>): Owners => ({
  get: (key) => rows.get(key)?.scope,
});

/**
 * The answer of the scope holders' lookup, where the checks asked it: the live records of each asker's school holding
 * its personal ID under another key (what ./rekey.ts reads of them, with no read of its own).
 */
export interface HeardHolders {
  scopeHolders?: Promise<ReadonlyMap<string, readonly IdHolder[]>>;
}

/**
 * The lookups of a batch (./judge.ts `Loaded`: whether it is trusted, its format); `existing`: its stored
 * copies, read for the keys in `read` (a key there without a copy has none).
 */
export function lookupsFor(
  q: Queryable,
  loaded: { readonly batch: Pick<Batch, 'format'>; readonly trusted: boolean },
  existing: ReadonlyMap<string, ExistingRow>,
  read: ReadonlySet<string> = new Set(),
  heard?: HeardHolders,
): QualityLookups {
  const ask = factsAsker(q);
  const fromCity = loaded.trusted && loaded.batch.format === CITY;
  return {
    owners: async () => ownersOf(existing),
    schools: async (codes) => {
      const { schools } = await ask((a) => (a.schools = codes));
      return new Map(
        [...(schools ?? [])].map(([code, level]) => [code, { schoolCode: code, level: level as never }]),
      );
    },
    classes: async (pairs) => {
      const years = [...new Set(pairs.map((p) => p[1]))];
      const { classes } = await ask(
        (a) => (a.classes = { schools: [...new Set(pairs.map((p) => p[0]))], years }),
      );
      return classes ?? new Set();
    },
    activeHolders: async (entity, _ids, askers) =>
      (await ask((a) => (a.activeHolders = { entity, askers }))).activeHolders ?? new Map(),
    scopeHolders: (entity, askers) => {
      const answer = ask((a) => (a.scopeHolders = { entity, askers })).then(
        (f) => f.scopeHolders ?? new Map(),
      );
      if (heard) heard.scopeHolders = answer;
      return answer;
    },
    // The city database is the authoritative source: compared with what others send, not with itself.
    ...(fromCity
      ? {}
      : {
          authoritative: async (entity: EntityName, keys: readonly string[]) => {
            const asked = mayBeFromCity(keys, existing, read);
            if (asked.length === 0) return new Map<string, Rec>();
            const { fromSystem } = await ask((a) => (a.fromSystem = { entity, keys: asked, system: CITY }));
            return (fromSystem ?? new Map()) as Map<string, Rec>;
          },
        }),
    lastSyncs: async (schools) => (await ask((a) => (a.lastSyncs = schools))).lastSyncs ?? new Map(),
    websiteProbes: (schools) => createWebsiteProbesRepo(q).probesOf(schools),
    currentYearCounts: async (entity, schools, schoolYear) =>
      (await ask((a) => (a.yearCounts = { entity, schools, schoolYear }))).yearCounts ?? new Map(),
    bornOn: async (entity, dates, _twinKeys, twins) => {
      if (entity !== 'students') return new Map<string, StoredRecord[]>();
      const rows = (await ask((a) => (a.bornOn = { dates, askers: twins }))).bornOn ?? [];
      // By day, each row pushed onto its day's list (issue 7: a copy of the list per row was quadratic in the
      // students born on one day).
      return groupBy(
        rows,
        (row) => String((row.data as Rec)['birthDate']),
        (row): StoredRecord => ({ key: row.key, rec: row.data as Rec }),
      );
    },
  };
}
