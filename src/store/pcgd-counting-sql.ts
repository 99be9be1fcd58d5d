/**
 * The PCGD-XMC counting SQL (part of ./pcgd-counts.ts): the person flags and their bits in the lineage
 * `flags` column, what each flag means in SQL, and the set-based statements that count persons per
 * commune and age, write a report's lineage and match persons to enrolment. See ./pcgd-counts.ts for the
 * flag bits and the enrolment join.
 */

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
 * The commune's population: persons of the communes in $3, permanent or temporary residence (or a
 * residence column truc could not read: a surveyed person stays in the population, PCGD-RULES.md §1), not
 * moved away, not deceased, without a disability when the rule set excludes them (an unread disability
 * is not a known one: the person stays).
 */
function populationWhere(o: CountingOptions): string {
  return `p.commune_code = ANY($3::text[]) AND p.deleted_at IS NULL
      AND (p.pcgd_resident OR (p.data->'unread' ? 'residenceType'
           AND NOT coalesce((p.data->>'movedAway')::boolean, false)
           AND NOT coalesce((p.data->>'deceased')::boolean, false)))
      ${o.excludeDisabled ? 'AND NOT p.pcgd_disabled' : ''}`;
}

/**
 * Who is counted: the population (populationWhere) with an age in the report year. $2 is referenced even
 * by the birth-year rule (every parameter of a statement must be).
 */
function countedWhere(o: CountingOptions): string {
  return `${populationWhere(o)} AND ${ageSql(o)} >= 0 AND length($2::text) = 5`;
}

/**
 * Persons of the population with fields truc could not read (`unread`), per commune, field and age
 * (null: no birth date read). The partial index persons_unread (migration 1310) finds them. $1–$3 as
 * factsCountsSql.
 */
export function unreadCountsSql(o: CountingOptions): string {
  return `
    SELECT p.commune_code AS "communeCode", f.field, (${ageSql(o)})::int AS age, count(*)::int AS persons
    FROM truc.persons p CROSS JOIN LATERAL jsonb_array_elements_text(p.data->'unread') AS f(field)
    WHERE p.data ? 'unread' AND ${populationWhere(o)}
      AND coalesce(${ageSql(o)} >= 0, true) AND length($2::text) = 5
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
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
export function lineageSql(o: CountingOptions): string {
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
export const LINEAGE_COUNTS = `
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
export function factsCountsSql(o: CountingOptions): string {
  return `
    SELECT p.commune_code AS "communeCode", ${ageSql(o)}::int AS age, count(*)::int AS population,
      ${PERSON_FLAG_NAMES.map((f) => `count(*) FILTER (WHERE ${FLAG_PREDICATE[f]})::int AS "${f}"`).join(',\n      ')},
      count(*) FILTER (WHERE ${UNMATCHABLE})::int AS "unmatchable",
      count(*) FILTER (WHERE pcgd_class > 0 AND NOT ${UNMATCHABLE})::int AS "inClassMatchable"
    FROM truc.persons p WHERE ${countedWhere(o)}
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

/** Enrolled counted persons per commune and age (see matchedSql). $1–$5 as lineageSql. */
export function enrolledCountsSql(o: CountingOptions): string {
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

export type RawAgeRow = Pick<AgeRow, 'communeCode' | 'age' | 'population'> &
  Record<PersonFlagName | EnrolmentFlag, number>;

export function ageRowOf(r: RawAgeRow): AgeRow {
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

export function countingParams(
  o: CountingOptions,
  communes: readonly string[],
  withEnrolment: boolean,
): unknown[] {
  return [o.year, o.ageOnDate, communes, ...(withEnrolment ? [o.schoolYear, o.activeStatuses] : [])];
}
