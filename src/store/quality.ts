/**
 * Quality (issue 8): the lookups the store-backed rules make (quality-facts.ts: all of a batch's in one
 * statement, whatever its size) and the last verdict on every record (`truc.quality_records`), which
 * scorecards count (scorecards.ts) and a school's findings list serves. Rows only; the rules live in
 * src/quality.
 */
import type { EntityName } from '../config.js';
import { INDEX_PROBES, type Queryable } from './db.js';
import { paramRows } from './param-rows.js';
import { queryFacts, type QualityFactAsks, type QualityFacts } from './quality-facts.js';

export type { QualityFactAsks, QualityFacts } from './quality-facts.js';

/** A finding as kept with a record's verdict: never personal data (`value` only where the rule allows). */
export interface VerdictFinding {
  readonly rule: string;
  readonly criterion: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly pointer: string;
  readonly value?: string;
  /** The finding rests on another school's records: the city's, never its sender's (src/quality/sender-view.ts). */
  readonly elsewhere?: true;
}

/** The last verdict on one record. */
export interface Verdict {
  readonly recordKey: string;
  readonly schoolCode: string;
  readonly accepted: boolean;
  readonly findings: readonly VerdictFinding[];
}

/** A finding of a school's records, as listed. */
export interface SchoolFindingRow extends VerdictFinding {
  readonly entity: EntityName;
  readonly recordKey: string;
  readonly accepted: boolean;
  readonly checkedAt: Date;
}

/** Filters of a findings list. */
export interface FindingFilter {
  readonly rule?: string | undefined;
  readonly criterion?: string | undefined;
  readonly severity?: string | undefined;
  readonly entity?: EntityName | undefined;
  /** As the school's sender is told them (a vendor): without those marked `elsewhere` (src/quality/sender-view.ts). */
  readonly sendersView?: boolean | undefined;
}

/**
 * Findings of a school's records (their last verdicts), filtered, in a stable order. Only verdicts with
 * findings list any: they are read through their own index (migration 260), which clean verdicts skip.
 */
async function schoolFindings(
  q: Queryable,
  schoolCode: string,
  filter: FindingFilter,
  limit: number,
  offset: number,
): Promise<{ total: number; items: SchoolFindingRow[] }> {
  const res = await q.query<{
    entity: EntityName;
    record_key: string;
    accepted: boolean;
    checked_at: Date;
    f: VerdictFinding;
    total: number;
  }>(
    `SELECT r.entity, r.record_key, r.accepted, r.checked_at, f, count(*) OVER ()::int AS total
       FROM truc.quality_records r, jsonb_array_elements(r.findings) AS f
      WHERE r.school_code = $1 AND r.findings <> '[]'::jsonb
        AND ($2::text IS NULL OR f ->> 'rule' = $2)
        AND ($3::text IS NULL OR f ->> 'criterion' = $3)
        AND ($4::text IS NULL OR f ->> 'severity' = $4)
        AND ($5::text IS NULL OR r.entity = $5)
        AND NOT ($8::boolean AND f ? 'elsewhere')
      ORDER BY r.entity, r.record_key, f ->> 'rule', f ->> 'pointer'
      LIMIT $6 OFFSET $7`,
    [
      schoolCode,
      filter.rule ?? null,
      filter.criterion ?? null,
      filter.severity ?? null,
      filter.entity ?? null,
      limit,
      offset,
      filter.sendersView === true,
    ],
  );
  return {
    total: res.rows[0]?.total ?? 0,
    items: res.rows.map((r) => ({
      ...r.f,
      entity: r.entity,
      recordKey: r.record_key,
      accepted: r.accepted,
      checkedAt: r.checked_at,
    })),
  };
}

/** The verdicts' rows, of their parameters $4–$7 (./param-rows.ts). */
const VERDICT_ROWS = paramRows([
  ['key', 'unnest($4::text[])'],
  ['school', 'unnest($5::text[])'],
  ['accepted', 'unnest($6::boolean[])'],
  ['findings', 'jsonb_array_elements($7::jsonb)'],
]);

/** A verdict kept from before replaced, unless it is the same (see `saveVerdicts`). */
const REPLACED = `ON CONFLICT (entity, record_key) DO UPDATE SET
           school_code = EXCLUDED.school_code, accepted = EXCLUDED.accepted, checked_at = EXCLUDED.checked_at,
           batch_id = EXCLUDED.batch_id, findings = EXCLUDED.findings
         WHERE (quality_records.school_code, quality_records.accepted, quality_records.findings)
               IS DISTINCT FROM (EXCLUDED.school_code, EXCLUDED.accepted, EXCLUDED.findings)`;

export function createQualityRepo(q: Queryable) {
  return {
    /** Everything the store-backed rules ask about one batch, in one statement (see {@link queryFacts}). */
    facts: (asks: QualityFactAsks): Promise<QualityFacts> => queryFacts(q, asks),

    /**
     * Replaces the last verdict of these records (one statement). A verdict that did not change is
     * not rewritten (an unchanged night writes almost nothing): its `checked_at` and `batch_id` say
     * since when and from which batch it holds. Those are left out before the upsert, not only by its
     * `WHERE` (issue 7): `ON CONFLICT DO UPDATE` locks every conflicting row, a write of its own to
     * each page, even where its `WHERE` then keeps the row as it was. `OFFSET 0` keeps the test a
     * primary-key probe per verdict: as an anti-join it was planned with a scan of the whole table
     * (100 changed batches' closing statements: 12 s before the test, 57 s with it as a join).
     * `fresh`: none of the records is stored yet (a first sync's page), so their verdicts are new but
     * for the few refused before: the test is left out (issue 7: its 1000 probes found nothing and cost
     * ~3 ms of PostgreSQL's CPU a page); such an unchanged verdict is still kept by the upsert's `WHERE`.
     * `insertNew` (with `fresh`; a first-sync page whose pull job writes it again on a unique violation):
     * inserted without `ON CONFLICT` (issue 7: its speculative insertion cost ~3.7 of a page's ~8.9 ms);
     * a verdict kept from before (a record refused before) fails the statement, and the caller writes
     * the page again without `insertNew` (jobs/pull-page-tx.ts `storeOrHold`). The test's probes are index scans
     * (INDEX_PROBES, honoured where the closing writes are combined, ./combined.ts; issue 7, perf7s): on a table
     * never analysed each was a bitmap heap scan, ~6 against ~3 ms of PostgreSQL's CPU for 1000 verdicts.
     */
    async saveVerdicts(
      entity: EntityName,
      batchId: string,
      checkedAt: Date,
      verdicts: readonly Verdict[],
      opts: { fresh?: boolean; insertNew?: boolean } = {},
    ): Promise<void> {
      if (verdicts.length === 0) return;
      const unchangedLeftOut =
        opts.fresh || opts.insertNew
          ? ''
          : `WHERE NOT EXISTS (SELECT 1 FROM truc.quality_records s
                             WHERE s.entity = $1 AND s.record_key = v.key AND s.school_code = v.school
                               AND s.accepted = v.accepted AND s.findings = v.findings OFFSET 0)`;
      await q.query(
        `INSERT INTO truc.quality_records (entity, record_key, school_code, accepted, checked_at, batch_id, findings)
         SELECT $1, v.key, v.school, v.accepted, $2, $3, v.findings
           FROM ${VERDICT_ROWS} AS v
          ${unchangedLeftOut}
         ${opts.insertNew ? '' : REPLACED}`,
        [
          entity,
          checkedAt,
          batchId,
          verdicts.map((v) => v.recordKey),
          verdicts.map((v) => v.schoolCode),
          verdicts.map((v) => v.accepted),
          // One JSON array, not a jsonb[] literal (see records.ts' upsert).
          JSON.stringify(verdicts.map((v) => v.findings)),
        ],
        unchangedLeftOut ? { settings: INDEX_PROBES } : undefined,
      );
    },

    /** Findings of a school's records (their last verdicts), filtered, in a stable order. */
    schoolFindings: (schoolCode: string, filter: FindingFilter, limit: number, offset: number) =>
      schoolFindings(q, schoolCode, filter, limit, offset),
  };
}
