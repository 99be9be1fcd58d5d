/**
 * Quality scorecards (issue 8): the last verdicts (`truc.quality_records`) counted per school, and the
 * scorecard runs stored and read back. Rows only; the scoring lives in src/quality/scorecards.ts.
 */
import type { Queryable } from './db.js';
import { groupBy } from './quality-facts.js';

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

/** A scorecard to store (a {@link ScoreRow} without its run). */
export type NewScore = Omit<ScoreRow, 'runId' | 'computedAt' | 'asOf'>;

const FAILS = (criterion: string | null) =>
  `EXISTS (SELECT 1 FROM jsonb_array_elements(r.findings) f
            WHERE f ->> 'severity' <> 'info'${criterion ? ` AND f ->> 'criterion' = '${criterion}'` : ''})`;

/** Verdicts per school: all, and those failing each criterion and any. */
async function verdictCounts(q: Queryable) {
  const res = await q.query<{
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
  return res.rows;
}

/** Per school: the records failing each rule. */
async function ruleCounts(q: Queryable): Promise<Map<string, SchoolCountsRow['rules']>> {
  const res = await q.query<{ school: string; rule: string; criterion: string; n: number }>(
    `SELECT r.school_code AS school, f ->> 'rule' AS rule, f ->> 'criterion' AS criterion,
            count(DISTINCT r.entity || '/' || r.record_key)::int AS n
       FROM truc.quality_records r, jsonb_array_elements(r.findings) f
      WHERE f ->> 'severity' <> 'info'
      GROUP BY 1, 2, 3`,
  );
  return groupBy(
    res.rows,
    (r) => r.school,
    (r) => ({ rule: r.rule, criterion: r.criterion, records: r.n }),
  );
}

/** Per school: its commune and province. */
async function schoolPlaces(q: Queryable) {
  const res = await q.query<{ school: string; commune: string | null; province: string | null }>(
    `SELECT school_code AS school, data ->> 'communeCode' AS commune, data ->> 'provinceCode' AS province
       FROM truc.schools WHERE deleted_at IS NULL`,
  );
  return new Map(res.rows.map((p) => [p.school, p]));
}

/** Per school: its students of `schoolYear`, and those with every master-data field. */
async function yearStudents(q: Queryable, schoolYear: string, masterDataSpecs: readonly string[]) {
  const res = await q.query<{ school: string; current: number; complete: number }>(
    `SELECT school_code AS school, count(*)::int AS current,
            count(*) FILTER (WHERE NOT EXISTS (
              SELECT 1 FROM unnest($2::text[]) AS spec WHERE NOT (data ?| string_to_array(spec, '|'))
            ))::int AS complete
       FROM truc.students
      WHERE deleted_at IS NULL AND data ->> 'schoolYear' = $1
      GROUP BY 1`,
    [schoolYear, masterDataSpecs],
  );
  return new Map(res.rows.map((s) => [s.school, s]));
}

/**
 * Per school: verdicts counted by criterion and rule, the school's commune and province, and its
 * current-year students with and without the master-data fields (`specs`: 'a|b' = one of them).
 * Four queries whatever the number of schools.
 */
async function schoolCounts(
  q: Queryable,
  schoolYear: string,
  masterDataSpecs: readonly string[],
): Promise<SchoolCountsRow[]> {
  const verdicts = await verdictCounts(q);
  const byRule = await ruleCounts(q);
  const place = await schoolPlaces(q);
  const year = await yearStudents(q, schoolYear, masterDataSpecs);
  return verdicts.map((v) => ({
    schoolCode: v.school,
    communeCode: place.get(v.school)?.commune ?? '',
    provinceCode: place.get(v.school)?.province ?? '',
    records: v.records,
    failed: { dung: v.dung, du: v.du, sach: v.sach, song: v.song, overall: v.overall },
    rules: byRule.get(v.school) ?? [],
    currentYearStudents: year.get(v.school)?.current ?? 0,
    masterDataComplete: year.get(v.school)?.complete ?? 0,
  }));
}

/** The stored scorecards with their run, as {@link scoreRow} reads them. */
const SCORES = `SELECT s.run_id, r.computed_at, r.as_of::text AS as_of, s.level, s.code, s.parent_code, s.records,
                s.overall::float8 AS overall, s.band, s.card
           FROM truc.quality_scores s JOIN truc.quality_runs r ON r.id = s.run_id`;

export function createScorecardsRepo(q: Queryable) {
  return {
    /** See {@link schoolCounts}. */
    schoolCounts: (schoolYear: string, masterDataSpecs: readonly string[]): Promise<SchoolCountsRow[]> =>
      schoolCounts(q, schoolYear, masterDataSpecs),

    /** Stores a run and its scorecards; returns the run id. */
    async saveRun(
      run: { asOf: string; schoolYear: string; catalogueVersion: string; requestedBy: string },
      cards: readonly NewScore[],
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
        `${SCORES}
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
        `${SCORES}
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
