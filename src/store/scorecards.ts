/**
 * Quality scorecards (issue 8): the last verdicts (`truc.quality_records`) counted per school, and the
 * scorecard runs read back (written by ./quality-run-scores.ts; only a run done is read as scorecards). Rows only;
 * the scoring lives in src/quality/scorecards.ts.
 */
import { namedActorColumns } from './actor-names.js';
import type { Queryable } from './db.js';
import { failsRecord } from './failing.js';
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
  /**
   * The same counts without the findings marked `elsewhere` (resting on another school's records: what the
   * school's sender, a vendor, is told; src/quality/sender-view.ts); absent when they are the same.
   */
  told?: { failed: SchoolCountsRow['failed']; rules: SchoolCountsRow['rules'] };
}

/** Which of a run's scorecards a page holds, and in which order (see the repo's `page`). */
export interface ScoresFilter {
  units?: readonly string[] | null;
  search?: string | undefined;
  /** Overall percent at least this. */
  from?: number | undefined;
  /** Overall percent below this. */
  below?: number | undefined;
  sort: 'code' | 'worst';
}

/** A scorecard's stored fields: where it stands, its score and band, the card itself. */
export interface ScoreFields {
  level: string;
  code: string;
  parentCode: string;
  records: number;
  overall: number;
  band: string;
  card: unknown;
}

/** A stored scorecard row. */
export interface ScoreRow extends ScoreFields {
  runId: number;
  computedAt: Date;
  /**
   * Who asked for its run, by name as it was when they asked (./actor-names.ts, fix37a), else the id: `schedule:<id>`
   * (a quality schedule's fire, fix35d).
   */
  requestedBy: string;
  /** Who asked for its run: `schedule:<id>`, a client id, `operator:cli:<name>`. */
  requestedById: string;
  asOf: string;
}

const FAILS = (criterion: string | null, told = false) =>
  `EXISTS (SELECT 1 FROM jsonb_array_elements(r.findings) f
            WHERE ${failsRecord("f ->> 'severity'")}${criterion ? ` AND f ->> 'criterion' = '${criterion}'` : ''}${
              told ? ` AND NOT (f ? 'elsewhere')` : ''
            })`;

/** A verdict failing `criterion` (null: any) only by findings marked `elsewhere`: not failing as its sender is told. */
const FAILS_ELSEWHERE_ONLY = (criterion: string | null) =>
  `r.findings @> '[{"elsewhere": true}]'::jsonb AND ${FAILS(criterion)} AND NOT ${FAILS(criterion, true)}`;

const KINDS = ['dung', 'du', 'sach', 'song', 'overall'] as const;
type Failed = SchoolCountsRow['failed'];

/**
 * Verdicts per school: all, those failing each criterion and any, and of those the ones failing it only by
 * findings marked `elsewhere` (`<kind>_elsewhere`; the containment test first: most verdicts have none).
 */
async function verdictCounts(q: Queryable, schools: readonly string[]) {
  const res = await q.query<
    { school: string; records: number } & Record<
      (typeof KINDS)[number] | `${(typeof KINDS)[number]}_elsewhere`,
      number
    >
  >(
    `SELECT r.school_code AS school, count(*)::int AS records,
            ${KINDS.map((k) => `count(*) FILTER (WHERE ${FAILS(k === 'overall' ? null : k)})::int AS ${k}`).join(',\n            ')},
            ${KINDS.map((k) => `count(*) FILTER (WHERE ${FAILS_ELSEWHERE_ONLY(k === 'overall' ? null : k)})::int AS ${k}_elsewhere`).join(',\n            ')}
       FROM truc.quality_records r WHERE r.school_code = ANY ($1) GROUP BY 1`,
    [schools],
  );
  return res.rows.map((v) => {
    const failed = Object.fromEntries(KINDS.map((k) => [k, v[k]])) as Failed;
    const told = Object.fromEntries(KINDS.map((k) => [k, v[k] - v[`${k}_elsewhere`]])) as Failed;
    return { school: v.school, records: v.records, failed, told };
  });
}

/** Per school: the records failing each rule (`told`: by a finding not marked `elsewhere`). */
async function ruleCounts(q: Queryable, schools: readonly string[]) {
  const res = await q.query<{ school: string; rule: string; criterion: string; n: number; told: number }>(
    `SELECT r.school_code AS school, f ->> 'rule' AS rule, f ->> 'criterion' AS criterion,
            count(DISTINCT r.entity || '/' || r.record_key)::int AS n,
            count(DISTINCT r.entity || '/' || r.record_key) FILTER (WHERE NOT (f ? 'elsewhere'))::int AS told
       FROM truc.quality_records r, jsonb_array_elements(r.findings) f
      WHERE r.school_code = ANY ($1) AND r.findings <> '[]'::jsonb AND ${failsRecord("f ->> 'severity'")}
      GROUP BY 1, 2, 3`,
    [schools],
  );
  return groupBy(
    res.rows,
    (r) => r.school,
    (r) => ({ rule: r.rule, criterion: r.criterion, records: r.n, told: r.told }),
  );
}

/** A school's counts as its sender is told them, when they differ from the city's (see `SchoolCountsRow.told`). */
function toldCounts(
  failed: Failed,
  told: Failed,
  rules: readonly { rule: string; criterion: string; records: number; told: number }[],
): SchoolCountsRow['told'] {
  if (KINDS.every((k) => failed[k] === told[k]) && rules.every((r) => r.told === r.records)) return undefined;
  const toldRules = rules
    .filter((r) => r.told > 0)
    .map((r) => ({ rule: r.rule, criterion: r.criterion, records: r.told }));
  return { failed: told, rules: toldRules };
}

/** Per school: its commune and province. */
async function schoolPlaces(q: Queryable, schools: readonly string[]) {
  const res = await q.query<{ school: string; commune: string | null; province: string | null }>(
    `SELECT school_code AS school, data ->> 'communeCode' AS commune, data ->> 'provinceCode' AS province
       FROM truc.schools WHERE deleted_at IS NULL AND school_code = ANY ($1)`,
    [schools],
  );
  return new Map(res.rows.map((p) => [p.school, p]));
}

/** Per school: its students of `schoolYear`, and those with every master-data field. */
async function yearStudents(
  q: Queryable,
  schools: readonly string[],
  schoolYear: string,
  masterDataSpecs: readonly string[],
) {
  const res = await q.query<{ school: string; current: number; complete: number }>(
    `SELECT school_code AS school, count(*)::int AS current,
            count(*) FILTER (WHERE NOT EXISTS (
              SELECT 1 FROM unnest($2::text[]) AS spec WHERE NOT (data ?| string_to_array(spec, '|'))
            ))::int AS complete
       FROM truc.students
      WHERE deleted_at IS NULL AND school_code = ANY ($3) AND data ->> 'schoolYear' = $1
      GROUP BY 1`,
    [schoolYear, masterDataSpecs, schools],
  );
  return new Map(res.rows.map((s) => [s.school, s]));
}

/**
 * Per school of `schools` (a slice of a run's, fix37c) with verdicts: verdicts counted by criterion and rule, the
 * school's commune and province, and its current-year students with and without the master-data fields (`specs`:
 * 'a|b' = one of them). Four queries whatever the number of schools; the verdicts are read through their index by
 * school (migration 1442: only `schools`' rows), the failing rules through the index of the verdicts with findings.
 */
async function schoolCounts(
  q: Queryable,
  schools: readonly string[],
  schoolYear: string,
  masterDataSpecs: readonly string[],
): Promise<SchoolCountsRow[]> {
  const verdicts = await verdictCounts(q, schools);
  const byRule = await ruleCounts(q, schools);
  const place = await schoolPlaces(q, schools);
  const year = await yearStudents(q, schools, schoolYear, masterDataSpecs);
  return verdicts.map((v) => {
    const rules = byRule.get(v.school) ?? [];
    const told = toldCounts(v.failed, v.told, rules);
    return {
      schoolCode: v.school,
      communeCode: place.get(v.school)?.commune ?? '',
      provinceCode: place.get(v.school)?.province ?? '',
      records: v.records,
      failed: v.failed,
      rules: rules.map(({ rule, criterion, records }) => ({ rule, criterion, records })),
      currentYearStudents: year.get(v.school)?.current ?? 0,
      masterDataComplete: year.get(v.school)?.complete ?? 0,
      ...(told ? { told } : {}),
    };
  });
}

/** The stored scorecards with their run, as {@link scoreRow} reads them. */
const SCORES = `SELECT s.run_id, r.computed_at, ${namedActorColumns('r.requested_by', 'r.requested_by_name', 'requestedBy')},
                r.as_of::text AS as_of, s.level, s.code, s.parent_code, s.records,
                s.overall::float8 AS overall, s.band, s.card
           FROM truc.quality_scores s JOIN truc.quality_runs r ON r.id = s.run_id`;

/**
 * A page of the latest run's scorecards at `level` (fix34b, review33c N2): those of `f.units` or under them (a PCGD
 * officer's; null: all), whose code holds `f.search`, whose overall percent is within [`f.from`, `f.below`), by code or
 * the worst first (then by code); with how many there are in all.
 */
async function scoresPage(
  q: Queryable,
  level: string,
  f: ScoresFilter,
  limit: number,
  offset: number,
): Promise<{ total: number; items: ScoreRow[] }> {
  const where = `WHERE s.run_id = (SELECT max(id) FROM truc.quality_runs WHERE computed_at IS NOT NULL)
      AND s.level = $1
      AND ($2::text[] IS NULL OR s.code = ANY ($2) OR s.parent_code = ANY ($2))
      AND ($3::text IS NULL OR position($3 IN s.code) > 0)
      AND ($4::numeric IS NULL OR s.overall >= $4) AND ($5::numeric IS NULL OR s.overall < $5)`;
  const params = [level, f.units ?? null, f.search ?? null, f.from ?? null, f.below ?? null];
  const total = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM truc.quality_scores s ${where}`,
    params,
  );
  const res = await q.query<ScoreDbRow>(
    `${SCORES} ${where}
      ORDER BY ${f.sort === 'worst' ? 's.overall, s.code' : 's.code'} LIMIT $6 OFFSET $7`,
    [...params, limit, offset],
  );
  return { total: total.rows[0]?.n ?? 0, items: res.rows.map(scoreRow) };
}

export function createScorecardsRepo(q: Queryable) {
  return {
    /** See {@link schoolCounts}. */
    schoolCounts: (
      schools: readonly string[],
      schoolYear: string,
      masterDataSpecs: readonly string[],
    ): Promise<SchoolCountsRow[]> => schoolCounts(q, schools, schoolYear, masterDataSpecs),

    /** The scorecards of the latest run at `level`: one unit (`code`), or every unit under `parent`, or all. */
    async latest(level: string, opts: { code?: string; parent?: string } = {}): Promise<ScoreRow[]> {
      const res = await q.query<ScoreDbRow>(
        `${SCORES}
          WHERE s.run_id = (SELECT max(id) FROM truc.quality_runs WHERE computed_at IS NOT NULL)
            AND s.level = $1
            AND ($2::text IS NULL OR s.code = $2)
            AND ($3::text IS NULL OR s.parent_code = $3)
          ORDER BY s.code`,
        [level, opts.code ?? null, opts.parent ?? null],
      );
      return res.rows.map(scoreRow);
    },

    /** See {@link scoresPage}. */
    page: (level: string, f: ScoresFilter, limit: number, offset: number) =>
      scoresPage(q, level, f, limit, offset),

    /** A unit's scorecards over the runs, newest first (its history). */
    async history(level: string, code: string, limit: number): Promise<ScoreRow[]> {
      const res = await q.query<ScoreDbRow>(
        `${SCORES}
          WHERE s.level = $1 AND s.code = $2 AND r.computed_at IS NOT NULL
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
  requestedBy: string;
  requestedById: string;
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
  requestedBy: r.requestedBy,
  requestedById: r.requestedById,
  asOf: r.as_of,
  level: r.level,
  code: r.code,
  parentCode: r.parent_code,
  records: r.records,
  overall: Number(r.overall),
  band: r.band,
  card: r.card,
});
