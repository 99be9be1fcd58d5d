/**
 * PCGD-XMC counting over stored persons: the set-based counting SQL (one aggregate statement per unit,
 * never a loop over people), the lineage of a commune report and the enrolment join. The counting rules
 * themselves are data in src/reporting/pcgd/rule-set.ts; this file only translates each person flag to SQL.
 * The report lifecycle rows are in ./pcgd.ts.
 *
 * Lineage `flags` bits: 0–6 the person flags in PERSON_FLAGS order (has a class, grade 1–12,
 * completed preschool / primary / lower secondary, literate level ≥ 1, literate level 2), then
 * 7 = surveyed in a class but enrolled nowhere, 8 = enrolled but surveyed out of school, 9 = cannot
 * be matched to enrolment (no personal ID and no parent's name), 10 = matched to enrolment by name +
 * birth date + a parent's name (the second pass), not by personal ID.
 *
 * The enrolment join (issue 10): a counted person is matched to an enrolled student by the 12-digit
 * personal ID first; a person and a student left unmatched by ID are then matched by normalised full
 * name (NFC by the canonical schema, compared case-insensitively) + birth date + one parent's name
 * (father = father, mother = mother or guardian = guardian), never when both carry different IDs.
 */
import type { Queryable } from './db.js';

/**
 * What makes a counted person part of an indicator's numerator (the rule set names them, FLAG_PREDICATE
 * below says each in SQL); a completion year counts only when ≤ Y.
 */
export const PERSON_FLAG_NAMES = [
  /** has a current class: any preschool group or any grade */
  'hasClass',
  /** current class is grade 1 to 12 */
  'inGrade1to12',
  'completedPreschool',
  'completedPrimary',
  'completedLowerSecondary',
  /** literacy level 1 or level 2 */
  'literate1',
  /** literacy level 2 */
  'literate2',
] as const;
export type PersonFlagName = (typeof PERSON_FLAG_NAMES)[number];

export const ENROLMENT_FLAGS = {
  inClassNotEnrolled: 1 << 7,
  enrolledNotInClass: 1 << 8,
  unmatchable: 1 << 9,
  matchedByName: 1 << 10,
} as const;
export type EnrolmentFlag = keyof typeof ENROLMENT_FLAGS;

/** Bit of a person flag in the lineage `flags` column. */
export function flagBit(flag: PersonFlagName): number {
  return 1 << PERSON_FLAG_NAMES.indexOf(flag);
}

/** Who is counted and how age is computed (the rule set's settings that reach the SQL). */
export interface CountingOptions {
  year: number;
  ageRule: 'birth-year' | 'on-date';
  /** MM-DD, for the on-date age rule. */
  ageOnDate: string;
  excludeDisabled: boolean;
  /** Enrolment: students of this school year (`2026-2027`) with one of these statuses are enrolled. */
  schoolYear: string;
  activeStatuses: readonly string[];
}

/**
 * Each person flag as a predicate over the generated `pcgd_*` columns of truc.persons (migration 041),
 * unqualified so that it applies to person rows and to rows grouped by those columns alike;
 * $1 = report year (a completion year counts only when ≤ Y).
 */
const FLAG_PREDICATE: Record<PersonFlagName, string> = {
  hasClass: 'pcgd_class > 0',
  inGrade1to12: 'pcgd_class = 2',
  completedPreschool: 'pcgd_preschool <= $1',
  completedPrimary: 'pcgd_primary <= $1',
  completedLowerSecondary: 'pcgd_lower_secondary <= $1',
  literate1: 'pcgd_literacy >= 1',
  literate2: 'pcgd_literacy = 2',
};

/** Age in the report year by the rule set's age rule ($1 year, $2 MM-DD of the on-date rule). */
function ageSql(o: CountingOptions): string {
  return o.ageRule === 'birth-year'
    ? '($1::int - p.pcgd_birth_year)'
    : '($1::int - p.pcgd_birth_year - CASE WHEN substr(p.pcgd_birth_date, 6, 5) > $2::text THEN 1 ELSE 0 END)';
}

/**
 * Who is counted: persons of the communes in $3, in the commune's population (permanent or temporary
 * residence, not moved away, not deceased), without a disability when the rule set excludes them.
 * $2 is referenced even by the birth-year rule (every parameter of a statement must be).
 */
function countedWhere(o: CountingOptions): string {
  return `p.commune_code = ANY($3::text[]) AND p.deleted_at IS NULL AND p.pcgd_resident
      ${o.excludeDisabled ? 'AND NOT p.pcgd_disabled' : ''}
      AND ${ageSql(o)} >= 0 AND length($2::text) = 5`;
}

/** A person record carries a parent's or guardian's name (it can be matched by name). */
const HAS_PARENT = `(p.data ?| array['fatherName', 'motherName', 'guardianName'])`;
/** A counted person that cannot be matched to enrolment at all. */
const UNMATCHABLE = `(p.personal_id IS NULL AND NOT ${HAS_PARENT})`;

/**
 * The counted persons matched to a student enrolled in school year $4 with a status in $5: by personal
 * ID, then (persons and students unmatched by ID) by lower-cased full name + birth date + one parent's
 * name, never across two different IDs. One row per matched person: `person_ref`, commune, age, class,
 * `by_name`. Driven by the (few) enrolled students: index lookups on persons' personal ID and on
 * (birth date, lower(full name)) (migration 075). $1–$5 as lineageSql.
 */
function matchedSql(o: CountingOptions): string {
  const person = `p.person_ref, p.commune_code, ${ageSql(o)} AS age, p.pcgd_class`;
  return `
    WITH es AS MATERIALIZED (
      SELECT s.personal_id, s.data->>'birthDate' AS birth_date, lower(s.data->>'fullName') AS name_key,
             lower(s.data->>'fatherName') AS father, lower(s.data->>'motherName') AS mother,
             lower(s.data->>'guardianName') AS guardian
        FROM truc.students s
       WHERE s.deleted_at IS NULL AND s.data->>'schoolYear' = $4::text AND s.data->>'status' = ANY($5::text[])),
    by_id AS MATERIALIZED (
      SELECT DISTINCT ${person} FROM es JOIN truc.persons p ON p.personal_id = es.personal_id
       WHERE ${countedWhere(o)}),
    by_name AS (
      SELECT DISTINCT ${person} FROM es JOIN truc.persons p
          ON p.pcgd_birth_date = es.birth_date AND lower(p.data->>'fullName') = es.name_key
       WHERE ${countedWhere(o)}
         AND (es.personal_id IS NULL OR p.personal_id IS NULL)
         AND (lower(p.data->>'fatherName') = es.father OR lower(p.data->>'motherName') = es.mother
              OR lower(p.data->>'guardianName') = es.guardian)
         AND NOT EXISTS (SELECT 1 FROM by_id m WHERE m.person_ref = p.person_ref)
         AND (es.personal_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM truc.persons x WHERE x.personal_id = es.personal_id AND x.deleted_at IS NULL)))
    SELECT *, false AS by_name FROM by_id UNION ALL SELECT *, true AS by_name FROM by_name`;
}

/**
 * The counted persons with their age and lineage flags (one row per person: the lineage of a
 * commune report). Parameters: $1 year, $2 MM-DD, $3 communes, $4 school year, $5 statuses.
 */
function lineageSql(o: CountingOptions): string {
  const flags = PERSON_FLAG_NAMES.map(
    (f, i) => `((CASE WHEN ${FLAG_PREDICATE[f]} THEN 1 ELSE 0 END) << ${i})`,
  ).join('\n      | ');
  const E = ENROLMENT_FLAGS;
  return `
    WITH matched AS (${matchedSql(o)})
    SELECT p.person_ref, p.commune_code, p.fingerprint, ${ageSql(o)} AS age,
      ${flags}
      | (CASE WHEN m.person_ref IS NOT NULL
               THEN (CASE WHEN p.pcgd_class > 0 THEN 0 ELSE ${E.enrolledNotInClass} END)
                  | (CASE WHEN m.by_name THEN ${E.matchedByName} ELSE 0 END)
             WHEN ${UNMATCHABLE} THEN ${E.unmatchable}
             WHEN p.pcgd_class > 0 THEN ${E.inClassNotEnrolled}
             ELSE 0
        END) AS flags
    FROM truc.persons p
    LEFT JOIN (SELECT DISTINCT ON (person_ref) person_ref, by_name FROM matched ORDER BY person_ref, by_name) m
      ON m.person_ref = p.person_ref
    WHERE ${countedWhere(o)}`;
}

/** Counts per commune and age of lineage rows (`flags` bits) of one report ($1). */
const LINEAGE_COUNTS = `
    SELECT commune_code AS "communeCode", age::int AS age, count(*)::int AS population,
      ${PERSON_FLAG_NAMES.map((f, i) => `count(*) FILTER (WHERE (flags & ${1 << i}) <> 0)::int AS "${f}"`).join(',\n      ')},
      ${Object.entries(ENROLMENT_FLAGS)
        .map(([name, bit]) => `count(*) FILTER (WHERE (flags & ${bit}) <> 0)::int AS "${name}"`)
        .join(',\n      ')}
    FROM truc.pcgd_lineage WHERE report_id = $1
    GROUP BY commune_code, age ORDER BY commune_code, age`;

/**
 * Counts per commune and age straight from truc.persons, for a whole province: one aggregate over
 * (commune, age) with a FILTER per flag. Grouping by only two keys lets PostgreSQL aggregate in
 * parallel workers (partial aggregates of a few hundred groups each); grouping by the raw facts first
 * made too many estimated groups for a parallel plan and ran single-threaded at ~4× a bare GROUP BY
 * (test/bench/pcgd.ts). Parameters: $1 year, $2 MM-DD, $3 communes.
 */
function factsCountsSql(o: CountingOptions): string {
  return `
    SELECT p.commune_code AS "communeCode", ${ageSql(o)}::int AS age, count(*)::int AS population,
      ${PERSON_FLAG_NAMES.map((f) => `count(*) FILTER (WHERE ${FLAG_PREDICATE[f]})::int AS "${f}"`).join(',\n      ')},
      count(*) FILTER (WHERE ${UNMATCHABLE})::int AS "unmatchable",
      count(*) FILTER (WHERE pcgd_class > 0 AND NOT ${UNMATCHABLE})::int AS "inClassMatchable"
    FROM truc.persons p WHERE ${countedWhere(o)}
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

/** Enrolled counted persons per commune and age (see matchedSql). $1–$5 as lineageSql. */
function enrolledCountsSql(o: CountingOptions): string {
  return `
    WITH matched AS (${matchedSql(o)})
    SELECT commune_code AS "communeCode", age::int AS age,
      count(DISTINCT person_ref) FILTER (WHERE pcgd_class > 0)::int AS "enrolledInClass",
      count(DISTINCT person_ref) FILTER (WHERE pcgd_class = 0)::int AS "enrolledNotInClass",
      count(DISTINCT person_ref) FILTER (WHERE by_name)::int AS "matchedByName"
    FROM matched GROUP BY 1, 2`;
}

export interface AgeRow {
  communeCode: string;
  age: number;
  population: number;
  flags: Record<PersonFlagName, number>;
  enrolment: Record<EnrolmentFlag, number>;
}

type RawAgeRow = Pick<AgeRow, 'communeCode' | 'age' | 'population'> &
  Record<PersonFlagName | EnrolmentFlag, number>;

function ageRowOf(r: RawAgeRow): AgeRow {
  return {
    communeCode: r.communeCode,
    age: r.age,
    population: r.population,
    flags: Object.fromEntries(PERSON_FLAG_NAMES.map((f) => [f, r[f]])) as Record<PersonFlagName, number>,
    enrolment: Object.fromEntries(
      (Object.keys(ENROLMENT_FLAGS) as EnrolmentFlag[]).map((f) => [f, r[f]]),
    ) as Record<EnrolmentFlag, number>,
  };
}

function params(o: CountingOptions, communes: readonly string[], withEnrolment: boolean): unknown[] {
  return [o.year, o.ageOnDate, communes, ...(withEnrolment ? [o.schoolYear, o.activeStatuses] : [])];
}

export interface LineageRecord {
  personRef: string;
  communeCode: string;
  age: number;
  inNumerator: boolean;
  /** The person's record changed (or was removed) since the report was computed. */
  changedSince: boolean;
  householdNo: string | null;
  fullName: string | null;
  birthDate: string | null;
}

/** One part of a lineage digest: persons aged from..to; `numeratorBit` marks those in the numerator. */
export interface DigestSpec {
  key: string;
  ages: readonly [number, number];
  numeratorBit: number;
}

/** The counted persons of communes: per age, the mapping versions that wrote them, the communes that have any. */
function personCounts(q: Queryable) {
  return {
    /**
     * Counts of the counted persons per commune and age over truc.persons, for a province: one
     * aggregate statement over the persons' facts, and one over the enrolled students for the
     * enrolment join (the benchmark's measured work).
     */
    async ageCounts(o: CountingOptions, communes: readonly string[]): Promise<AgeRow[]> {
      // Inside the caller's transaction: room to aggregate a province in memory.
      await q.query(`SET LOCAL work_mem = '64MB'`);
      const facts = await q.query<
        Omit<RawAgeRow, EnrolmentFlag> & { unmatchable: number; inClassMatchable: number }
      >(factsCountsSql(o), params(o, communes, false));
      const enrolled = await q.query<{
        communeCode: string;
        age: number;
        enrolledInClass: number;
        enrolledNotInClass: number;
        matchedByName: number;
      }>(enrolledCountsSql(o), params(o, communes, true));
      const byKey = new Map(enrolled.rows.map((r) => [`${r.communeCode}|${r.age}`, r]));
      return facts.rows.map((r) => {
        const e = byKey.get(`${r.communeCode}|${r.age}`);
        return ageRowOf({
          ...r,
          inClassNotEnrolled: r.inClassMatchable - (e?.enrolledInClass ?? 0),
          enrolledNotInClass: e?.enrolledNotInClass ?? 0,
          matchedByName: e?.matchedByName ?? 0,
        });
      });
    },
    /**
     * The mapping versions of the stored persons of these communes: a loose scan of the index on
     * (commune_code, mapping_version), a few index probes per commune instead of reading every person.
     */
    async mappingVersions(communes: readonly string[]): Promise<string[]> {
      const res = await q.query<{ mv: string }>(
        `WITH RECURSIVE v AS (
           SELECT u.code, (SELECT min(p.mapping_version) FROM truc.persons p
                            WHERE p.commune_code = u.code AND p.deleted_at IS NULL) AS mv
             FROM unnest($1::text[]) AS u(code)
           UNION ALL
           SELECT v.code, (SELECT min(p.mapping_version) FROM truc.persons p
                            WHERE p.commune_code = v.code AND p.mapping_version > v.mv AND p.deleted_at IS NULL)
             FROM v WHERE v.mv IS NOT NULL)
         SELECT DISTINCT mv FROM v WHERE mv IS NOT NULL ORDER BY mv`,
        [communes],
      );
      return res.rows.map((r) => r.mv);
    },
    /** Communes (of `candidates`) that have stored persons. */
    async communesWithPersons(candidates: readonly string[]): Promise<string[]> {
      const res = await q.query<{ commune_code: string }>(
        `SELECT DISTINCT commune_code FROM truc.persons WHERE commune_code = ANY($1::text[]) AND deleted_at IS NULL`,
        [candidates],
      );
      return res.rows.map((r) => r.commune_code).sort();
    },
  };
}

/** A commune report's lineage: written with its counts, and digested per indicator. */
function lineageRows(q: Queryable) {
  return {
    /** Writes the lineage of a commune report (one INSERT … SELECT) and returns its counts per age. */
    async writeLineage(reportId: number, o: CountingOptions, communeCode: string): Promise<AgeRow[]> {
      await q.query(
        `INSERT INTO truc.pcgd_lineage (report_id, person_ref, commune_code, fingerprint, age, flags)
         SELECT $6::bigint, person_ref, commune_code, fingerprint, age, flags FROM (${lineageSql(o)}) c`,
        [...params(o, [communeCode], true), reportId],
      );
      const res = await q.query<RawAgeRow>(LINEAGE_COUNTS, [reportId]);
      return res.rows.map(ageRowOf);
    },
    /**
     * sha-256 (hex) per spec over the lineage lines `person_ref:fingerprint:0|1` (1 = in the
     * numerator) of the persons in the spec's ages, ordered by person_ref (bytewise), joined by "\n";
     * plus `all` over every counted person (`person_ref:fingerprint:age:flags`).
     */
    async lineageDigests(reportId: number, specs: readonly DigestSpec[]): Promise<Record<string, string>> {
      const parts = specs.map(
        (s, i) =>
          `encode(sha256(convert_to(coalesce(string_agg(person_ref || ':' || fingerprint || ':' ||
             CASE WHEN (flags & ${s.numeratorBit}) <> 0 THEN '1' ELSE '0' END, E'\\n' ORDER BY person_ref COLLATE "C")
             FILTER (WHERE age BETWEEN ${s.ages[0]} AND ${s.ages[1]}), ''), 'UTF8')), 'hex') AS d${i}`,
      );
      const res = await q.query<Record<string, string>>(
        `SELECT encode(sha256(convert_to(coalesce(string_agg(person_ref || ':' || fingerprint || ':' || age || ':' || flags,
             E'\\n' ORDER BY person_ref COLLATE "C"), ''), 'UTF8')), 'hex') AS "all"${parts.length ? ',' : ''}
           ${parts.join(',\n')}
         FROM truc.pcgd_lineage WHERE report_id = $1`,
        [reportId],
      );
      const row = res.rows[0] ?? {};
      const out: Record<string, string> = { all: row.all ?? '' };
      specs.forEach((s, i) => (out[s.key] = row[`d${i}`] ?? ''));
      return out;
    },
  };
}

/** A report's lineage, page by page (the evidence API). */
function lineagePages(q: Queryable) {
  return {
    /**
     * A page of the persons behind a figure of a commune report: persons of the ages whose flags
     * include `requiredBit` (0 = all of the cohort), after `after` (person_ref), with whether they
     * are in the numerator, and their current survey record (name, birth date) for the officer.
     */
    async lineagePage(
      reportId: number,
      sel: { ages: readonly [number, number]; requiredBit: number; numeratorBit: number },
      page: { after?: string | undefined; limit: number },
    ): Promise<LineageRecord[]> {
      const res = await q.query<{
        person_ref: string;
        commune_code: string;
        age: number;
        in_numerator: boolean;
        changed: boolean;
        household_no: string | null;
        full_name: string | null;
        birth_date: string | null;
      }>(
        `SELECT l.person_ref, l.commune_code, l.age, (l.flags & $4) <> 0 AS in_numerator,
                (p.person_ref IS NULL OR p.deleted_at IS NOT NULL OR p.fingerprint <> l.fingerprint) AS changed,
                p.data->>'householdNo' AS household_no, p.data->>'fullName' AS full_name,
                p.data->>'birthDate' AS birth_date
           FROM truc.pcgd_lineage l LEFT JOIN truc.persons p ON p.person_ref = l.person_ref
          WHERE l.report_id = $1 AND l.age BETWEEN $2 AND $3 AND ($5::int = 0 OR (l.flags & $5) <> 0)
            AND ($6::text IS NULL OR l.person_ref COLLATE "C" > $6::text)
          ORDER BY l.person_ref COLLATE "C" LIMIT $7`,
        [
          reportId,
          sel.ages[0],
          sel.ages[1],
          sel.numeratorBit,
          sel.requiredBit,
          page.after ?? null,
          page.limit,
        ],
      );
      return res.rows.map((r) => ({
        personRef: r.person_ref,
        communeCode: r.commune_code,
        age: r.age,
        inNumerator: r.in_numerator,
        changedSince: r.changed,
        householdNo: r.household_no,
        fullName: r.full_name,
        birthDate: r.birth_date,
      }));
    },
  };
}

/** Counts, lineage and enrolment matching of the persons of PCGD-XMC reports (part of {@link createPcgdRepo}). */
export function createPcgdCountsRepo(q: Queryable) {
  return { ...personCounts(q), ...lineageRows(q), ...lineagePages(q) };
}
