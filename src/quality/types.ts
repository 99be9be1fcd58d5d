/**
 * The shapes of the quality engine: a rule's catalogue entry, a finding, and what rules receive.
 * Criteria are the city's four words: đúng (correct), đủ (complete), sạch (clean), sống (live).
 */
import type { EntityName } from '../canonical/entities.js';
import type { QualityConfig, Severity } from './config.js';

export type { Severity };

/** The four criteria: dung = đúng (correct), du = đủ (complete), sach = sạch (clean), song = sống (live). */
export type Criterion = 'dung' | 'du' | 'sach' | 'song';
export const CRITERIA: readonly Criterion[] = ['dung', 'du', 'sach', 'song'];

/**
 * The gates a record passes before the criteria judge it: the source's wire format and the mapping
 * (`mapping`), the canonical schema (`schema`), and the batch's school (`tenancy`: a vendor writes
 * only its own school's records). Gate findings are not scored.
 */
export type Gate = 'mapping' | 'schema' | 'tenancy';

/** What a rule and its findings are filed under: one of the four criteria, or a gate. */
export type Category = Criterion | Gate;

/**
 * Where a rule runs: `input` on a record as received, before the canonical schema (cleaners, the
 * personal-ID input form, schema issues); `record` on one canonical record; `batch` across the
 * records of one batch; `store` with lookups into the hub's store (a fixed number per batch).
 */
export type RuleScope = 'input' | 'record' | 'batch' | 'store';

/** A text in both languages (Vietnamese first on the wire). */
export interface Text {
  readonly vi: string;
  readonly en: string;
}

/** A rule's entry in the catalogue. */
export interface RuleInfo {
  /** Stable code, starting with its criterion (DUNG_, DU_, SACH_, SONG_, TENANCY_); never renamed or reused. */
  readonly code: string;
  readonly criterion: Category;
  /** The entities it applies to. */
  readonly entities: readonly EntityName[];
  /** Default severity; the city's policy may change it per entity. */
  readonly severity: Severity;
  /** Bumped whenever the rule's verdict on the same record can change. */
  readonly version: number;
  readonly scope: RuleScope;
  readonly title: Text;
  /** What is wrong (shown to the sender with the JSON pointer). */
  readonly message: Text;
  /** How to fix it. */
  readonly hint: Text;
  /** The configured deadline it reports as passed: a finding's hint names its date (./hints.ts). */
  readonly deadline?: 'rollover' | 'masterData';
  /** True when the offending value may be shown in a finding: never for personal data. */
  readonly showsValue: boolean;
  /**
   * True when its verdict on the same record can change from one day to the next within a school year
   * (it reads `today`): a refusal by it is not remembered (src/jobs/refusals.ts).
   */
  readonly readsToday?: true;
}

/**
 * One finding about one record (index ≥ 0) or about the batch's school (index −1): the one finding
 * type of truc, whether a rule of the catalogue, a gate or a mapping reported it.
 */
export interface Finding {
  /** Index of the record in its batch; −1 for a finding about the school or the batch. */
  readonly index: number;
  readonly rule: string;
  readonly criterion: Category;
  readonly severity: Severity;
  /** JSON pointer into the record, '' for the whole record. */
  readonly pointer: string;
  /** The offending value, only when the rule's `showsValue` allows it. */
  readonly value?: string;
  readonly vi: string;
  readonly en: string;
  readonly hintVi: string;
  readonly hintEn: string;
  /** A non-personal detail (an expected code, the successor communes of a school's commune…). */
  readonly detail?: Text;
  /**
   * True when the verdict rests on records of another school (a stored twin, a personal ID enrolled
   * elsewhere): the city's (verdicts, scorecards) and never the sender's (./sender-view.ts).
   */
  readonly elsewhere?: true;
}

/** A canonical record as rules read it. */
export type Rec = Readonly<Record<string, unknown>>;

/** What every rule of a batch sees. */
export interface BatchContext {
  readonly entity: EntityName;
  /** Today in Vietnam (ISO date); rules read no clock. */
  readonly today: string;
  /** The current school year ('2025-2026'). */
  readonly schoolYear: string;
  /** The school the batch belongs to (vendor pushes), when there is one. */
  readonly schoolCode?: string | undefined;
  /**
   * The batch was pulled from a school's own system (smas, vnedu), not from the city database: its
   * records may not move someone between schools (transfers are the city's).
   */
  readonly fromSchoolSystem?: boolean | undefined;
  readonly config: QualityConfig;
}

/** What a finding may carry beside its rule and place (see `Finding`). */
export interface FindingExtra {
  readonly value?: string;
  readonly detail?: Text;
  readonly elsewhere?: boolean;
  /**
   * The index of the earlier record of the batch this one repeats (its key): the finding says so, and a finding
   * of this record that the earlier one has as well is told there only (W9-9).
   */
  readonly repeats?: number;
  /**
   * The index of the earlier record of the batch holding the same personal ID (SACH_DUPLICATE_PERSONAL_ID): the
   * finding names it, never the ID. Unlike `repeats`, the two records' other findings are told each (two people
   * may share a mistyped ID).
   */
  readonly sameIdAs?: number;
}

/** Where rules put their findings and their repairs. */
export interface FindingSink {
  /** Reports `rule` on record `index` at `pointer`; `value` is dropped unless the rule shows values. */
  add(index: number, rule: RuleInfo, pointer: string, extra?: FindingExtra): void;
  /** Replaces a field of record `index` with a repaired value (the record is copied on first repair). */
  patch(index: number, field: string, value: unknown): void;
  /**
   * True when the input step found record `index`'s text fields settled: already clean, no sign of
   * mojibake, names in proper case (so the text rules need only look for placeholders).
   */
  textSettled?(index: number): boolean;
}
