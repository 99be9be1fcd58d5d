/**
 * Quality (issue 8): the lookups the store-backed rules make — all of a batch's in one statement,
 * whatever its size — and the last verdict on every record (`truc.quality_records`), which scorecards
 * count and a school's findings list serves. Rows only; the rules live in src/quality.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from './db.js';
import { TABLES } from './records.js';

/** A finding as kept with a record's verdict: never personal data (`value` only where the rule allows). */
export interface VerdictFinding {
  readonly rule: string;
  readonly criterion: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly pointer: string;
  readonly value?: string;
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
}

/** Statuses of a record that is current at its school (enrolled pupils, working staff). */
const ACTIVE_STATUSES: Readonly<Partial<Record<EntityName, readonly string[]>>> = {
  students: ['studying', 'transferred_in', 'returned', 'repeating', 'suspended'],
  staff: ['working', 'on_leave'],
};

/**
 * What the store-backed rules ask about one batch ({@link createQualityRepo}'s `facts`); a part left
 * out is not read.
 */
export interface QualityFactAsks {
  /** The level of these schools. */
  readonly schools?: readonly string[];
  /** The known classes of these schools in these school years. */
  readonly classes?: { readonly schools: readonly string[]; readonly years: readonly string[] };
  /**
   * Current records (any school) holding the personal IDs of `askers` (records of a batch), other than
   * the askers themselves and records at an asker's school.
   */
  readonly activeHolders?: {
    readonly entity: EntityName;
    readonly askers: readonly {
      readonly personalId: string;
      readonly key: string;
      readonly schoolCode: string | undefined;
    }[];
  };
  /**
   * Live records of these scopes (schools; persons: communes) holding these personal IDs, whatever
   * their status, but the records `keys` names (the asking batch's own).
   */
  readonly scopeHolders?: {
    readonly entity: EntityName;
    readonly scopes: readonly string[];
    readonly personalIds: readonly string[];
    readonly keys: readonly string[];
  };
  /** The stored copies of these records that came from `system` (the city database). */
  readonly fromSystem?: {
    readonly entity: EntityName;
    readonly keys: readonly string[];
    readonly system: string;
  };
  /** The last successful sync of these schools, per system. */
  readonly lastSyncs?: readonly string[];
  /** How many current records of `entity` these schools hold in `schoolYear`. */
  readonly yearCounts?: {
    readonly entity: EntityName;
    readonly schools: readonly string[];
    readonly schoolYear: string;
  };
  /**
   * Current students sharing a twin key with one of `askers` (records of a batch) under another key,
   * and those born on these dates that have no twin key yet.
   */
  readonly bornOn?: {
    readonly dates: readonly string[];
    readonly askers: readonly { readonly twinKey: string; readonly key: string }[];
  };
}

/** The answers to {@link QualityFactAsks}, part by part (a part not asked is absent). */
export interface QualityFacts {
  /** School code → level. */
  readonly schools?: Map<string, string>;
  /** `school/year/class` keys. */
  readonly classes?: Set<string>;
  /** Personal ID → [{ key, school }]. */
  readonly activeHolders?: Map<string, { key: string; schoolCode: string }[]>;
  /** Personal ID → [{ key, school }]. */
  readonly scopeHolders?: Map<string, { key: string; schoolCode: string }[]>;
  /** Key → record. */
  readonly fromSystem?: Map<string, unknown>;
  /** School → [{ system, at (ISO) }]. */
  readonly lastSyncs?: Map<string, { system: string; at: string }[]>;
  /** School → count. */
  readonly yearCounts?: Map<string, number>;
  readonly bornOn?: { key: string; schoolCode: string; data: unknown }[];
}

/** Rows grouped by a key, in row order: `key(row)` → `[value(row), …]`. */
function groupBy<R, V>(rows: readonly R[], key: (r: R) => string, value: (r: R) => V): Map<string, V[]> {
  const out = new Map<string, V[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(value(r));
    else out.set(k, [value(r)]);
  }
  return out;
}

export function createQualityRepo(q: Queryable) {
  return {
    /**
     * Everything the store-backed rules ask about one batch, in one statement (one round trip, whatever
     * the batch size and however many lookups its rules need): each part asked is one subquery of it.
     */
    async facts(asks: QualityFactAsks): Promise<QualityFacts> {
      const params: unknown[] = [];
      const $ = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      const parts: string[] = [];
      const part = (name: keyof QualityFacts, rows: string) =>
        parts.push(`(SELECT coalesce(json_agg(x), '[]'::json) FROM (${rows}) x) AS "${name}"`);
      if (asks.schools) {
        part(
          'schools',
          `SELECT school_code AS code, data ->> 'level' AS level FROM truc.schools
            WHERE school_code = ANY(${$(asks.schools)}::text[]) AND deleted_at IS NULL`,
        );
      }
      if (asks.classes) {
        part(
          'classes',
          `SELECT class_key AS key FROM truc.classes
            WHERE school_code = ANY(${$(asks.classes.schools)}::text[])
              AND data ->> 'schoolYear' = ANY(${$(asks.classes.years)}::text[]) AND deleted_at IS NULL`,
        );
      }
      const holders = asks.activeHolders;
      const active = holders && ACTIVE_STATUSES[holders.entity];
      if (holders && active && TABLES[holders.entity].hasPersonalId && holders.askers.length > 0) {
        // Only holders that are, for some asker of their personal ID, another record at another school:
        // the asker's own row and its school's rows are what every batch re-sending its students would
        // read back, and no rule wants them. One index probe per asker (OFFSET 0 keeps the lateral a
        // nested loop): on a table without statistics yet (a fresh load) a join was planned as a full scan.
        const t = TABLES[holders.entity];
        const askers = holders.askers;
        part(
          'activeHolders',
          `SELECT DISTINCT h.*
             FROM unnest(${$(askers.map((a) => a.personalId))}::text[], ${$(askers.map((a) => a.key))}::text[],
                         ${$(askers.map((a) => a.schoolCode ?? null))}::text[]) AS a(id, key, scope),
             LATERAL (SELECT s.personal_id AS id, s.${t.key} AS key, s.${t.scope} AS scope FROM ${t.table} s
                       WHERE s.personal_id = a.id AND s.${t.key} <> a.key AND s.${t.scope} IS DISTINCT FROM a.scope
                         AND s.deleted_at IS NULL AND s.data ->> 'status' = ANY(${$(active)}::text[]) OFFSET 0) AS h`,
        );
      }
      const inScopes = asks.scopeHolders;
      if (inScopes && TABLES[inScopes.entity].hasPersonalId) {
        const t = TABLES[inScopes.entity];
        // Not the asking batch's own rows: a batch re-sending its school's records would read every one back.
        part(
          'scopeHolders',
          `SELECT personal_id AS id, ${t.key} AS key, ${t.scope} AS scope FROM ${t.table}
            WHERE personal_id = ANY(${$(inScopes.personalIds)}::text[])
              AND ${t.scope} = ANY(${$(inScopes.scopes)}::text[]) AND deleted_at IS NULL
              AND ${t.key} <> ALL(${$(inScopes.keys)}::text[])`,
        );
      }
      if (asks.fromSystem) {
        const t = TABLES[asks.fromSystem.entity];
        part(
          'fromSystem',
          `SELECT ${t.key} AS key, data FROM ${t.table}
            WHERE ${t.key} = ANY(${$(asks.fromSystem.keys)}::text[]) AND source_system = ${$(asks.fromSystem.system)}
              AND deleted_at IS NULL`,
        );
      }
      if (asks.lastSyncs) {
        // A run scoped to the school or to everything the system serves ('').
        part(
          'lastSyncs',
          `SELECT s.code AS school, r.system, max(r.finished_at) AS at
             FROM unnest(${$(asks.lastSyncs)}::text[]) AS s(code)
             JOIN truc.sync_runs r ON r.scope IN (s.code, '') AND r.status = 'done' AND r.finished_at IS NOT NULL
            GROUP BY 1, 2`,
        );
      }
      if (asks.yearCounts) {
        const t = TABLES[asks.yearCounts.entity];
        part(
          'yearCounts',
          `SELECT ${t.scope} AS scope, count(*)::int AS n FROM ${t.table}
            WHERE ${t.scope} = ANY(${$(asks.yearCounts.schools)}::text[])
              AND data ->> 'schoolYear' = ${$(asks.yearCounts.schoolYear)} AND deleted_at IS NULL
            GROUP BY 1`,
        );
      }
      if (asks.bornOn) {
        // Current students sharing a twin key (birth date and name key) with an asker under another key
        // (an asker's own stored row is never its own twin, and reading it back would return every
        // re-sent student), and current students born on these dates that have no twin key yet
        // (written before migration 081).
        const twins = asks.bornOn.askers;
        part(
          'bornOn',
          `SELECT DISTINCT ON (h.key) h.*
             FROM unnest(${$(twins.map((a) => a.twinKey))}::text[], ${$(twins.map((a) => a.key))}::text[]) AS a(twin, key),
             LATERAL (SELECT s.student_code AS key, s.school_code AS scope, s.data FROM truc.students s
                       WHERE s.twin_key = a.twin AND s.student_code <> a.key
                         AND s.deleted_at IS NULL AND s.twin_key IS NOT NULL OFFSET 0) AS h
           UNION ALL
           SELECT student_code AS key, school_code AS scope, data FROM truc.students
            WHERE data ->> 'birthDate' = ANY(${$(asks.bornOn.dates)}::text[]) AND deleted_at IS NULL AND twin_key IS NULL`,
        );
      }
      if (parts.length === 0) return {};
      const res = await q.query<Record<string, unknown[]>>(`SELECT ${parts.join(',\n       ')}`, params);
      const row = res.rows[0]!;
      const rows = <R>(name: keyof QualityFacts) => row[name] as R[] | undefined;
      const out: { -readonly [K in keyof QualityFacts]: QualityFacts[K] } = {};
      const schools = rows<{ code: string; level: string }>('schools');
      if (schools) out.schools = new Map(schools.map((r) => [r.code, r.level]));
      const classes = rows<{ key: string }>('classes');
      if (classes) out.classes = new Set(classes.map((r) => r.key));
      if (holders) {
        out.activeHolders = groupBy(
          rows<{ id: string; key: string; scope: string }>('activeHolders') ?? [],
          (r) => r.id,
          (r) => ({ key: r.key, schoolCode: r.scope }),
        );
      }
      if (inScopes) {
        out.scopeHolders = groupBy(
          rows<{ id: string; key: string; scope: string }>('scopeHolders') ?? [],
          (r) => r.id,
          (r) => ({ key: r.key, schoolCode: r.scope }),
        );
      }
      const copies = rows<{ key: string; data: unknown }>('fromSystem');
      if (copies) out.fromSystem = new Map(copies.map((r) => [r.key, r.data]));
      const syncs = rows<{ school: string; system: string; at: string }>('lastSyncs');
      if (syncs) {
        out.lastSyncs = groupBy(
          syncs,
          (r) => r.school,
          (r) => ({ system: r.system, at: new Date(r.at).toISOString() }),
        );
      }
      const counts = rows<{ scope: string; n: number }>('yearCounts');
      if (counts) out.yearCounts = new Map(counts.map((r) => [r.scope, r.n]));
      const born = rows<{ key: string; scope: string; data: unknown }>('bornOn');
      if (born) out.bornOn = born.map((r) => ({ key: r.key, schoolCode: r.scope, data: r.data }));
      return out;
    },

    /**
     * Replaces the last verdict of these records (one statement). A verdict that did not change is
     * not rewritten (an unchanged night writes almost nothing): its `checked_at` and `batch_id` say
     * since when and from which batch it holds.
     */
    async saveVerdicts(
      entity: EntityName,
      batchId: string,
      checkedAt: Date,
      verdicts: readonly Verdict[],
    ): Promise<void> {
      if (verdicts.length === 0) return;
      await q.query(
        `INSERT INTO truc.quality_records (entity, record_key, school_code, accepted, checked_at, batch_id, findings)
         SELECT $1, v.key, v.school, v.accepted, $2, $3, v.findings
           FROM ROWS FROM (unnest($4::text[]), unnest($5::text[]), unnest($6::boolean[]), jsonb_array_elements($7::jsonb))
                AS v(key, school, accepted, findings)
         ON CONFLICT (entity, record_key) DO UPDATE SET
           school_code = EXCLUDED.school_code, accepted = EXCLUDED.accepted, checked_at = EXCLUDED.checked_at,
           batch_id = EXCLUDED.batch_id, findings = EXCLUDED.findings
         WHERE (quality_records.school_code, quality_records.accepted, quality_records.findings)
               IS DISTINCT FROM (EXCLUDED.school_code, EXCLUDED.accepted, EXCLUDED.findings)`,
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
      );
    },

    /** Findings of a school's records (their last verdicts), filtered, in a stable order. */
    async schoolFindings(
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
          WHERE r.school_code = $1
            AND ($2::text IS NULL OR f ->> 'rule' = $2)
            AND ($3::text IS NULL OR f ->> 'criterion' = $3)
            AND ($4::text IS NULL OR f ->> 'severity' = $4)
            AND ($5::text IS NULL OR r.entity = $5)
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
    },
  };
}

/** What the store counts for one school's scorecard (see src/quality/scorecards.ts). */
export interface SchoolCountsRow {
  schoolCode: string;
  communeCode: string;
  provinceCode: string;
  records: number;
  failed: { dung: number; du: number; sach: number; song: number; overall: number };
  rules: { rule: string; criterion: string; records: number }[];
  currentYearStudents: number;
  masterDataComplete: number;
}

/** A stored scorecard row. */
export interface ScoreRow {
  runId: number;
  computedAt: Date;
  asOf: string;
  level: string;
  code: string;
  parentCode: string;
  records: number;
  overall: number;
  band: string;
  card: unknown;
}

const FAILS = (criterion: string | null) =>
  `EXISTS (SELECT 1 FROM jsonb_array_elements(r.findings) f
            WHERE f ->> 'severity' <> 'info'${criterion ? ` AND f ->> 'criterion' = '${criterion}'` : ''})`;

export function createScorecardsRepo(q: Queryable) {
  return {
    /**
     * Per school: verdicts counted by criterion and rule, the school's commune and province, and its
     * current-year students with and without the master-data fields (`specs`: 'a|b' = one of them).
     * Four queries whatever the number of schools.
     */
    async schoolCounts(schoolYear: string, masterDataSpecs: readonly string[]): Promise<SchoolCountsRow[]> {
      const verdicts = await q.query<{
        school: string;
        records: number;
        dung: number;
        du: number;
        sach: number;
        song: number;
        overall: number;
      }>(
        `SELECT r.school_code AS school, count(*)::int AS records,
                count(*) FILTER (WHERE ${FAILS('dung')})::int AS dung,
                count(*) FILTER (WHERE ${FAILS('du')})::int AS du,
                count(*) FILTER (WHERE ${FAILS('sach')})::int AS sach,
                count(*) FILTER (WHERE ${FAILS('song')})::int AS song,
                count(*) FILTER (WHERE ${FAILS(null)})::int AS overall
           FROM truc.quality_records r GROUP BY 1`,
      );
      const rules = await q.query<{ school: string; rule: string; criterion: string; n: number }>(
        `SELECT r.school_code AS school, f ->> 'rule' AS rule, f ->> 'criterion' AS criterion,
                count(DISTINCT r.entity || '/' || r.record_key)::int AS n
           FROM truc.quality_records r, jsonb_array_elements(r.findings) f
          WHERE f ->> 'severity' <> 'info'
          GROUP BY 1, 2, 3`,
      );
      const places = await q.query<{ school: string; commune: string | null; province: string | null }>(
        `SELECT school_code AS school, data ->> 'communeCode' AS commune, data ->> 'provinceCode' AS province
           FROM truc.schools WHERE deleted_at IS NULL`,
      );
      const students = await q.query<{ school: string; current: number; complete: number }>(
        `SELECT school_code AS school, count(*)::int AS current,
                count(*) FILTER (WHERE NOT EXISTS (
                  SELECT 1 FROM unnest($2::text[]) AS spec WHERE NOT (data ?| string_to_array(spec, '|'))
                ))::int AS complete
           FROM truc.students
          WHERE deleted_at IS NULL AND data ->> 'schoolYear' = $1
          GROUP BY 1`,
        [schoolYear, masterDataSpecs],
      );
      const place = new Map(places.rows.map((p) => [p.school, p]));
      const year = new Map(students.rows.map((s) => [s.school, s]));
      const byRule = groupBy(
        rules.rows,
        (r) => r.school,
        (r) => ({ rule: r.rule, criterion: r.criterion, records: r.n }),
      );
      return verdicts.rows.map((v) => ({
        schoolCode: v.school,
        communeCode: place.get(v.school)?.commune ?? '',
        provinceCode: place.get(v.school)?.province ?? '',
        records: v.records,
        failed: { dung: v.dung, du: v.du, sach: v.sach, song: v.song, overall: v.overall },
        rules: byRule.get(v.school) ?? [],
        currentYearStudents: year.get(v.school)?.current ?? 0,
        masterDataComplete: year.get(v.school)?.complete ?? 0,
      }));
    },

    /** Stores a run and its scorecards; returns the run id. */
    async saveRun(
      run: { asOf: string; schoolYear: string; catalogueVersion: string; requestedBy: string },
      cards: readonly {
        level: string;
        code: string;
        parentCode: string;
        records: number;
        overall: number;
        band: string;
        card: unknown;
      }[],
    ): Promise<number> {
      const res = await q.query<{ id: string }>(
        `INSERT INTO truc.quality_runs (as_of, school_year, catalogue_version, requested_by)
         VALUES ($1, $2, $3, $4) RETURNING id`,
        [run.asOf, run.schoolYear, run.catalogueVersion, run.requestedBy],
      );
      const id = Number(res.rows[0]!.id);
      if (cards.length > 0) {
        await q.query(
          `INSERT INTO truc.quality_scores (run_id, level, code, parent_code, records, overall, band, card)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::numeric[], $7::text[], $8::jsonb[])`,
          [
            id,
            cards.map((c) => c.level),
            cards.map((c) => c.code),
            cards.map((c) => c.parentCode),
            cards.map((c) => c.records),
            cards.map((c) => c.overall),
            cards.map((c) => c.band),
            cards.map((c) => JSON.stringify(c.card)),
          ],
        );
      }
      return id;
    },

    /** The scorecards of the latest run at `level`: one unit (`code`), or every unit under `parent`, or all. */
    async latest(level: string, opts: { code?: string; parent?: string } = {}): Promise<ScoreRow[]> {
      const res = await q.query<ScoreDbRow>(
        `SELECT s.run_id, r.computed_at, r.as_of::text AS as_of, s.level, s.code, s.parent_code, s.records,
                s.overall::float8 AS overall, s.band, s.card
           FROM truc.quality_scores s JOIN truc.quality_runs r ON r.id = s.run_id
          WHERE s.run_id = (SELECT max(id) FROM truc.quality_runs)
            AND s.level = $1
            AND ($2::text IS NULL OR s.code = $2)
            AND ($3::text IS NULL OR s.parent_code = $3)
          ORDER BY s.code`,
        [level, opts.code ?? null, opts.parent ?? null],
      );
      return res.rows.map(scoreRow);
    },

    /** A unit's scorecards over the runs, newest first (its history). */
    async history(level: string, code: string, limit: number): Promise<ScoreRow[]> {
      const res = await q.query<ScoreDbRow>(
        `SELECT s.run_id, r.computed_at, r.as_of::text AS as_of, s.level, s.code, s.parent_code, s.records,
                s.overall::float8 AS overall, s.band, s.card
           FROM truc.quality_scores s JOIN truc.quality_runs r ON r.id = s.run_id
          WHERE s.level = $1 AND s.code = $2
          ORDER BY s.run_id DESC LIMIT $3`,
        [level, code, limit],
      );
      return res.rows.map(scoreRow);
    },
  };
}

interface ScoreDbRow {
  run_id: string;
  computed_at: Date;
  as_of: string;
  level: string;
  code: string;
  parent_code: string;
  records: number;
  overall: number;
  band: string;
  card: unknown;
}

const scoreRow = (r: ScoreDbRow): ScoreRow => ({
  runId: Number(r.run_id),
  computedAt: r.computed_at,
  asOf: r.as_of,
  level: r.level,
  code: r.code,
  parentCode: r.parent_code,
  records: r.records,
  overall: Number(r.overall),
  band: r.band,
  card: r.card,
});
