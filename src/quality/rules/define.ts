/**
 * How a rule file declares its rules: `rule(...)` makes a catalogue entry; a check is the code that
 * reports one or more rules, at one scope. Kept apart so one pass over a record can report several
 * rules (the personal ID's four) and the catalogue stays plain data.
 */
import type { EntityName } from '../../canonical/entities.js';
import type { SchoolLevel } from '../../canonical/enums.js';
import type { BatchContext, FindingSink, Rec, RuleInfo } from '../types.js';

/** Makes a catalogue entry (frozen). */
export function rule(info: RuleInfo): RuleInfo {
  return Object.freeze({ ...info, entities: Object.freeze([...info.entities]) });
}

/** A check of one canonical record. */
export interface RecordCheck {
  readonly scope: 'record';
  readonly rules: readonly RuleInfo[];
  readonly entities: readonly EntityName[];
  check(rec: Rec, index: number, ctx: BatchContext, out: FindingSink): void;
}

/** A check across the records of one batch. */
export interface BatchCheck {
  readonly scope: 'batch';
  readonly rules: readonly RuleInfo[];
  readonly entities: readonly EntityName[];
  /** `keys[i]` is the natural key of `recs[i]`. */
  check(recs: readonly Rec[], keys: readonly string[], ctx: BatchContext, out: FindingSink): void;
}

/** A school's facts as the store knows them. */
export interface SchoolFacts {
  readonly schoolCode: string;
  readonly level: SchoolLevel;
}

/** A stored, live record holding a personal ID: its natural key and school (a person: its commune). */
export interface IdHolder {
  readonly key: string;
  readonly schoolCode: string;
}

/** An active record elsewhere holding a personal ID (for the two-schools check). */
export type ActiveHolder = IdHolder;

/** A record as the store holds it, with its natural key. */
export interface StoredRecord {
  readonly key: string;
  readonly rec: Rec;
}

/** A school's last successful sync from one system. */
export interface LastSync {
  readonly system: string;
  /** ISO instant. */
  readonly at: string;
}

/** The last probe of a school's website (src/jobs/website-probe.ts). */
export interface WebsiteProbe {
  /** The address probed. */
  readonly website: string;
  /** The home page answered (2xx). */
  readonly answered: boolean;
  /** A linked or usual feed answered with RSS or Atom. */
  readonly rss: boolean;
  /** Why not, as the probe says ('robots-disallowed': the site's robots.txt kept the probe from looking). */
  readonly problem?: string | undefined;
}

/** What the store said about a batch; each map is filled by one lookup (absent when not looked up). */
export interface StoreFacts {
  readonly schools?: ReadonlyMap<string, SchoolFacts>;
  /** `schoolCode/schoolYear/classCode` of the known classes. */
  readonly classes?: ReadonlySet<string>;
  /** Personal ID → active records holding it (any school). */
  readonly activeHolders?: ReadonlyMap<string, readonly ActiveHolder[]>;
  /**
   * Personal ID → live records of the batch's own schools (a person: communes) holding it, whatever
   * their status (for the stored personal-ID duplicate check).
   */
  readonly scopeHolders?: ReadonlyMap<string, readonly IdHolder[]>;
  /** Natural key → the authoritative record (the city database's copy). */
  readonly authoritative?: ReadonlyMap<string, Rec>;
  /** School code → its last successful syncs, one per system. */
  readonly lastSyncs?: ReadonlyMap<string, readonly LastSync[]>;
  /** School code → number of its records in the current school year. */
  readonly currentYearCounts?: ReadonlyMap<string, number>;
  /** Natural key → the school (a person: the commune) that holds the stored record. */
  readonly owners?: Owners;
  /** Birth date → stored records born that day (for probable duplicates across batches and schools). */
  readonly bornOn?: ReadonlyMap<string, readonly StoredRecord[]>;
  /** School code → the last probe of its website. */
  readonly websiteProbes?: ReadonlyMap<string, WebsiteProbe>;
}

/**
 * The owners' answer: read by key only, so a store may answer it with a view of the rows it read already
 * (src/jobs/judge-lookups.ts: not a copy of a changed batch's 1000 stored rows into a Map).
 */
export type Owners = Pick<ReadonlyMap<string, string>, 'get'>;

/** Which lookup a store check needs. */
export type LookupName = keyof StoreFacts;

/** A check that needs facts from the store; the engine fetches them once per batch. */
export interface StoreCheck {
  readonly scope: 'store';
  readonly rules: readonly RuleInfo[];
  readonly entities: readonly EntityName[];
  readonly needs: readonly LookupName[];
  /**
   * Whether the store can change its verdict on these records (undefined: always): when false, it reports
   * nothing whatever the store holds, so it is not run and its lookups are not asked for it (issue 7: a
   * lookup of every batch that only a rare batch can use).
   */
  readonly asks?: (recs: readonly Rec[], ctx: BatchContext) => boolean;
  check(
    recs: readonly Rec[],
    keys: readonly string[],
    ctx: BatchContext,
    facts: StoreFacts,
    out: FindingSink,
  ): void;
}

export type Check = RecordCheck | BatchCheck | StoreCheck;

/**
 * A field's value when it is a string, else undefined. Call it with the field read at the call site
 * (`strField(rec['birthDate'])`): a property read with a constant name stays fast, while a read with
 * a name that varies (`rec[field]` inside a helper) turns megamorphic and costs tens of nanoseconds.
 */
export function strField(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The year of an ISO date or the first year of a school-year code: its first four digits, read in place. */
export function yearOf(value: string): number {
  return (
    (value.charCodeAt(0) - 48) * 1000 +
    (value.charCodeAt(1) - 48) * 100 +
    (value.charCodeAt(2) - 48) * 10 +
    (value.charCodeAt(3) - 48)
  );
}

/** Whole years between an ISO birth date and an ISO date (the age on that day). */
export function ageOn(birthDate: string, date: string): number {
  const years = yearOf(date) - yearOf(birthDate);
  return date.slice(5) < birthDate.slice(5) ? years - 1 : years;
}
