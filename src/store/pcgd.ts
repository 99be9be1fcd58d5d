/**
 * PCGD-XMC reports: the report lifecycle rows (versions, figures, approval, submission, the Ministry's
 * receipt, delivery attempts) and their signed evidence; with the counting over stored persons
 * (./pcgd-counts.ts) they make {@link createPcgdRepo}. The signed evidence's reads and writes: ./pcgd-evidence.ts.
 */
import type { UnitLevel } from '../config.js';
import { actorNameSql } from './actor-names.js';
import { OPEN } from './dead-letters.js';
import type { Queryable } from './db.js';
import { createPcgdCountsRepo } from './pcgd-counts.js';
import { reportEvidence } from './pcgd-evidence.js';

export * from './pcgd-counts.js';
export {
  ENROLMENT_FLAGS,
  flagBit,
  PERSON_FLAG_NAMES,
  type AgeRow,
  type CountingOptions,
  type EnrolmentFlag,
  type PersonFlagName,
} from './pcgd-counting-sql.js';

/** A report version's statuses, in lifecycle order: the one list the API's schemas and the metrics take. */
export const REPORT_STATUSES = [
  'pending',
  'failed',
  'computed',
  'checked',
  'approved',
  'submitted',
  'receipted',
] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** What the Ministry said when it refused figures: its problem code and field errors (figures only), capped. */
export interface DeliveryRefusal {
  code: string | null;
  errors: Array<{ pointer: string; rule: string; message: string }>;
}

/** A delivery attempt as recorded: its error code (null on success), when to retry, the Ministry's refusal. */
interface DeliveryOutcome {
  error: string | null;
  notBefore: Date | null;
  refusal?: DeliveryRefusal;
}

export interface ReportRow {
  id: number;
  unit_code: string;
  unit_level: UnitLevel;
  year: number;
  version: number;
  status: ReportStatus;
  rule_set: unknown;
  mapping_versions: string[];
  figures: unknown;
  findings: unknown;
  persons: number;
  lineage_digest: string;
  previous_year_report_id: number | null;
  supersedes: number | null;
  superseded_at: Date | null;
  computed_by: string;
  computed_at: Date;
  checked_at: Date | null;
  approved_by: string | null;
  approved_at: Date | null;
  submitted_by: string | null;
  submitted_at: Date | null;
  receipted_at: Date | null;
  receipt: unknown;
  reopened_by: string | null;
  reopen_reason: string | null;
  /** Error code of a failed computation (migration 042). */
  error_code: string | null;
  /** Delivery to the Ministry: attempts so far, the last error code, and when the window opens if waiting. */
  delivery_attempts: number;
  delivery_error: string | null;
  delivery_not_before: Date | null;
  /** The Ministry's refusal of the figures, when its last delivery was refused for good (review29 F5). */
  delivery_refusal: DeliveryRefusal | null;
  /** The version's own uuid, in its idempotency key toward the Ministry (migration 1330; null: made before it). */
  submission_uuid: string | null;
}

export interface NewReport {
  unitCode: string;
  unitLevel: UnitLevel;
  year: number;
  ruleSet: unknown;
  computedBy: string;
  supersedes: number | null;
}

/** A report version as the compute and delivery jobs write it. */
function reportVersions(q: Queryable) {
  return {
    /**
     * Inserts a new version (the next number for unit and year) with placeholder figures, `pending`
     * until the compute job fills it in; returns its id and version.
     */
    async insertReport(r: NewReport, at: Date): Promise<{ id: number; version: number }> {
      const res = await q.query<{ id: number; version: number }>(
        `INSERT INTO truc.pcgd_reports (unit_code, unit_level, year, version, status, rule_set,
            mapping_versions, figures, findings, persons, lineage_digest, computed_by, supersedes, computed_at)
         SELECT $1, $2, $3, coalesce(max(version), 0) + 1, 'pending', $4, '{}', '{}'::jsonb, '[]'::jsonb, 0, '', $5, $6, $7
           FROM truc.pcgd_reports WHERE unit_code = $1 AND year = $3
         RETURNING id, version`,
        [r.unitCode, r.unitLevel, r.year, JSON.stringify(r.ruleSet), r.computedBy, r.supersedes, at],
      );
      return res.rows[0]!;
    },
    /** Marks a pending computation failed with its error code. */
    async markFailed(id: number, code: string): Promise<void> {
      await q.query(
        `UPDATE truc.pcgd_reports SET status = 'failed', error_code = $2 WHERE id = $1 AND status = 'pending'`,
        [id, code],
      );
    },
    /** Counts a delivery attempt: its error code (null on success), when to retry, the Ministry's refusal if any. */
    async recordDelivery(id: number, v: DeliveryOutcome): Promise<void> {
      await q.query(
        `UPDATE truc.pcgd_reports SET delivery_attempts = delivery_attempts + 1, delivery_error = $2,
            delivery_not_before = $3, delivery_refusal = $4::jsonb WHERE id = $1`,
        [id, v.error, v.notBefore, v.refusal ? JSON.stringify(v.refusal) : null],
      );
    },
    /** Fills in the computed figures of a `pending` report: it becomes `computed`, or `checked` when it passes. */
    async setComputed(
      id: number,
      v: {
        figures: unknown;
        findings: unknown;
        persons: number;
        lineageDigest: string;
        mappingVersions: readonly string[];
        previousYearReportId: number | null;
        checked: boolean;
      },
      at: Date,
    ): Promise<void> {
      const figures = [JSON.stringify(v.figures), JSON.stringify(v.findings), v.persons, v.lineageDigest];
      await q.query(
        `UPDATE truc.pcgd_reports SET status = 'computed', figures = $2, findings = $3, persons = $4,
            lineage_digest = $5, mapping_versions = $6, previous_year_report_id = $7, computed_at = $8
          WHERE id = $1 AND status = 'pending'`,
        [id, ...figures, v.mappingVersions, v.previousYearReportId, at],
      );
      // pending → computed → checked: each a lifecycle step (the table's trigger)
      if (v.checked)
        await q.query(`UPDATE truc.pcgd_reports SET status = 'checked', checked_at = $2 WHERE id = $1`, [
          id,
          at,
        ]);
    },
  };
}

/**
 * The first int of the advisory key of a unit's report for a year (./persons-pulls.ts uses 1120, ./school-lock.ts
 * 720 and 721): a version is asked (computed, recomputed, reopened) by one transaction at a time, so two requests at
 * once do not both read "no current version" and insert the same next one (review33b F1: a double click was a 500).
 */
export const PCGD_REPORT_LOCK_SPACE = 1130;

/** Report versions read back: by id, a unit's current one, the approved ones. */
function reportReads(q: Queryable) {
  return {
    /** Waits for, then holds until the caller's transaction ends, the right to ask a new version of a unit's year. */
    async lockUnitYear(unitCode: string, year: number): Promise<void> {
      await q.query(
        `SELECT pg_advisory_xact_lock(${PCGD_REPORT_LOCK_SPACE}, hashtext($1::text))::text IS NOT NULL AS locked`,
        [`${unitCode}:${year}`],
      );
    },
    async get(id: number): Promise<ReportRow | undefined> {
      const res = await q.query<ReportRow>('SELECT * FROM truc.pcgd_reports WHERE id = $1', [id]);
      return res.rows[0];
    },
    /** Locks a report row for a lifecycle step in the caller's transaction. */
    async getForUpdate(id: number): Promise<ReportRow | undefined> {
      const res = await q.query<ReportRow>('SELECT * FROM truc.pcgd_reports WHERE id = $1 FOR UPDATE', [id]);
      return res.rows[0];
    },
    /** The current (not superseded) version of a unit's report for a year. */
    async current(unitCode: string, year: number, forUpdate = false): Promise<ReportRow | undefined> {
      const res = await q.query<ReportRow>(
        `SELECT * FROM truc.pcgd_reports WHERE unit_code = $1 AND year = $2 AND superseded_at IS NULL
         ${forUpdate ? 'FOR UPDATE' : ''}`,
        [unitCode, year],
      );
      return res.rows[0];
    },
    /**
     * The current versions of these units' reports for a year that are approved or later (the figures
     * their officers signed), with the sha-256 of each one's signed package.
     */
    async approvedOf(
      unitCodes: readonly string[],
      year: number,
    ): Promise<Array<ReportRow & { package_sha256: string | null }>> {
      const res = await q.query<ReportRow & { package_sha256: string | null }>(
        `SELECT r.*, e.package_sha256 FROM truc.pcgd_reports r
           LEFT JOIN truc.pcgd_evidence e ON e.report_id = r.id
          WHERE r.unit_code = ANY($1::text[]) AND r.year = $2 AND r.superseded_at IS NULL
            AND r.status IN ('approved', 'submitted', 'receipted')
          ORDER BY r.unit_code`,
        [unitCodes, year],
      );
      return res.rows;
    },
    /** The latest approved (or later) version of a unit's report for a year: the baseline of next year's checks. */
    async latestApproved(unitCode: string, year: number): Promise<ReportRow | undefined> {
      const res = await q.query<ReportRow>(
        `SELECT * FROM truc.pcgd_reports WHERE unit_code = $1 AND year = $2
            AND status IN ('approved', 'submitted', 'receipted')
          ORDER BY version DESC LIMIT 1`,
        [unitCode, year],
      );
      return res.rows[0];
    },
    /** Current reports of a year (for the deadline view). */
    async currentOfYear(year: number): Promise<ReportRow[]> {
      const res = await q.query<ReportRow>(
        `SELECT * FROM truc.pcgd_reports WHERE year = $1 AND superseded_at IS NULL ORDER BY unit_code`,
        [year],
      );
      return res.rows;
    },
  };
}

/** A report's sign-off: superseded, approved, submitted, receipted. */
function reportLifecycle(q: Queryable) {
  return {
    /**
     * Replaces a version (a reopen, a recompute). The open dead letters of its delivery (a refused submission) are
     * abandoned with it, `report-superseded` (W5-10): a replay would send nothing, the new version is what is sent.
     */
    async supersede(id: number, at: Date, reopen?: { by: string; reason: string }): Promise<void> {
      await q.query(
        `WITH r AS (
           UPDATE truc.pcgd_reports SET superseded_at = $4, reopened_by = $2, reopen_reason = $3
            WHERE id = $1 AND superseded_at IS NULL RETURNING id)
         UPDATE truc.dead_letters d SET abandoned_at = $4 FROM truc.outbox o, r
          WHERE o.id = d.outbox_id AND d.queue = 'push.moet-pcgd' AND o.payload->>'reportId' = r.id::text AND ${OPEN}`,
        [id, reopen?.by ?? null, reopen?.reason ?? null, at],
      );
    },
    async approve(id: number, by: string, at: Date): Promise<void> {
      await q.query(
        `UPDATE truc.pcgd_reports SET status = 'approved', approved_by = $2, approved_at = $3
          WHERE id = $1 AND status = 'checked' AND superseded_at IS NULL`,
        [id, by, at],
      );
    },
    async markSubmitted(id: number, by: string, at: Date): Promise<void> {
      await q.query(
        `UPDATE truc.pcgd_reports SET status = 'submitted', submitted_by = $2, submitted_at = $3
          WHERE id = $1 AND status = 'approved'`,
        [id, by, at],
      );
    },
    /**
     * Submits again a `submitted` report whose delivery failed for good (an error and no next attempt: see
     * reporting/pcgd/deadlines.ts `deliveryFailed`): its delivery starts afresh (attempts 0, no error), submitted
     * now by `by`, and the open dead letters of its earlier delivery are closed as replayed by `by`, with their name as
     * it is now (this is their replay, W5-3: a dashboard replay's letter says who, so does this one).
     * True when it was such a report.
     */
    async resubmit(id: number, by: string, at: Date): Promise<boolean> {
      const res = await q.query<{ n: number }>(
        `WITH r AS (
           UPDATE truc.pcgd_reports SET delivery_attempts = 0, delivery_error = NULL, delivery_not_before = NULL,
                  delivery_refusal = NULL,
                  submitted_by = $2, submitted_at = $3
            WHERE id = $1 AND status = 'submitted' AND delivery_error IS NOT NULL AND delivery_not_before IS NULL
            RETURNING id),
         l AS (
           UPDATE truc.dead_letters d SET replayed_at = $3, replayed_by = $2, replayed_by_name = ${actorNameSql('$2::text')}
             FROM truc.outbox o, r
            WHERE o.id = d.outbox_id AND d.queue = 'push.moet-pcgd' AND o.payload->>'reportId' = r.id::text
              AND ${OPEN})
         SELECT count(*)::int AS n FROM r`,
        [id, by, at],
      );
      return (res.rows[0]?.n ?? 0) > 0;
    },
    /** Stores the Ministry's receipt; true when this call moved the report to `receipted`. */
    async markReceipted(id: number, receipt: unknown, at: Date): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.pcgd_reports SET status = 'receipted', receipted_at = $3, receipt = $2
          WHERE id = $1 AND status = 'submitted'`,
        [id, JSON.stringify(receipt), at],
      );
      return res.rowCount > 0;
    },
  };
}

/** What the deadlines read beside each unit's current version, and a unit's versions listed. */
function reportStandings(q: Queryable) {
  return {
    /** A unit's versions (of a year, or of every year), newest first, a page of them and how many in all. */
    async versionsOf(
      unitCode: string,
      year: number | null,
      page: { limit: number; offset: number },
    ): Promise<{ rows: ReportRow[]; total: number }> {
      const res = await q.query<ReportRow & { total: number }>(
        `SELECT *, count(*) OVER ()::int AS total FROM truc.pcgd_reports
          WHERE unit_code = $1 AND ($2::int IS NULL OR year = $2)
          ORDER BY year DESC, version DESC LIMIT $3 OFFSET $4`,
        [unitCode, year, page.limit, page.offset],
      );
      const total =
        res.rows[0]?.total ??
        (
          await q.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM truc.pcgd_reports WHERE unit_code = $1 AND ($2::int IS NULL OR year = $2)`,
            [unitCode, year],
          )
        ).rows[0]!.n;
      return { rows: res.rows, total };
    },
    /** Per unit, the year's first submission the Ministry receipted, of any version (the deadlines' lateness). */
    async firstReceiptedSubmissions(year: number): Promise<Map<string, Date>> {
      const res = await q.query<{ unit_code: string; first: Date }>(
        `SELECT unit_code, min(submitted_at) AS first FROM truc.pcgd_reports
          WHERE year = $1 AND receipted_at IS NOT NULL AND submitted_at IS NOT NULL GROUP BY unit_code`,
        [year],
      );
      return new Map(res.rows.map((r) => [r.unit_code, r.first]));
    },
  };
}

/** Report rows and their evidence. */
function createPcgdReportsRepo(q: Queryable) {
  return {
    ...reportVersions(q),
    ...reportReads(q),
    ...reportStandings(q),
    ...reportLifecycle(q),
    ...reportEvidence(q),
  };
}

/** Everything PCGD-XMC reports store: the counting over persons and the report rows. */
export function createPcgdRepo(q: Queryable) {
  return { ...createPcgdCountsRepo(q), ...createPcgdReportsRepo(q) };
}
export type PcgdRepo = ReturnType<typeof createPcgdRepo>;
